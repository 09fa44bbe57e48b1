#include "gateway/src/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace oms::gateway {

TokenBucketLimiter::TokenBucketLimiter(double rate_per_second, double burst, std::size_t max_keys)
    : rate_(rate_per_second),
      burst_(std::max(1.0, burst)),
      max_keys_(std::max<std::size_t>(1, max_keys)) {}

void TokenBucketLimiter::Refill(Bucket& bucket, Clock::time_point now) const {
  if (now <= bucket.updated) return;
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_);
  bucket.updated = now;
}

void TokenBucketLimiter::Evict(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    Refill(it->second, now);
    it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
  }
  // Still full of busy keys: forget arbitrary ones rather than grow without bound.
  while (buckets_.size() >= max_keys_) buckets_.erase(buckets_.begin());
}

TokenBucketLimiter::Decision TokenBucketLimiter::Take(absl::string_view key,
                                                      Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) Evict(now);
    it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& bucket = it->second;
  Refill(bucket, now);
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {};
  }
  const double wait = (1.0 - bucket.tokens) / rate_;
  return {false, std::max(1LL, static_cast<long long>(std::ceil(wait)))};
}

void TokenBucketLimiter::Refund(absl::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(std::string(key));
  // A forgotten bucket was full anyway.
  if (it != buckets_.end()) it->second.tokens = std::min(burst_, it->second.tokens + 1.0);
}

std::size_t TokenBucketLimiter::bucket_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

}  // namespace oms::gateway
