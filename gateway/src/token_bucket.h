// Rate limiting per credential: one token bucket per key, refilled at `rate` tokens per second up
// to `burst`. Time is passed in, so tests drive it without sleeping.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/strings/string_view.h"

namespace oms::gateway {

class TokenBucketLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Decision {
    bool allowed = true;
    // When refused: whole seconds until a token is back (at least 1), for Retry-After.
    long long retry_after_seconds = 0;
  };

  // rate > 0 and burst >= 1. At most `max_keys` buckets are kept: full buckets are forgotten
  // first (a forgotten bucket is full again, which is what it would be anyway).
  TokenBucketLimiter(double rate_per_second, double burst, std::size_t max_keys = 100000);

  Decision Take(absl::string_view key, Clock::time_point now);
  // Gives back a token taken by Take (up to `burst`): a request that turned out not to count.
  void Refund(absl::string_view key);

  std::size_t bucket_count() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  void Refill(Bucket& bucket, Clock::time_point now) const;
  void Evict(Clock::time_point now);

  const double rate_;
  const double burst_;
  const std::size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace oms::gateway
