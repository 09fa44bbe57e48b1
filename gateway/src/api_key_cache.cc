#include "gateway/src/api_key_cache.h"

#include <algorithm>

namespace oms::gateway {

CachingApiKeyVerifier::CachingApiKeyVerifier(std::unique_ptr<ApiKeyVerifier> inner,
                                             std::chrono::milliseconds ttl, std::size_t max_entries,
                                             Clock clock, WallClock wall_clock)
    : inner_(std::move(inner)),
      ttl_(ttl),
      max_entries_(max_entries),
      clock_(clock ? std::move(clock) : [] { return std::chrono::steady_clock::now(); }),
      wall_clock_(wall_clock ? std::move(wall_clock)
                             : [] { return std::chrono::system_clock::now(); }) {}

void CachingApiKeyVerifier::Verify(const std::string& secret, Done done) {
  std::string digest = Sha256(secret);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(digest);
    if (it != entries_.end()) {
      if (clock_() < it->second.expires) {
        absl::StatusOr<Principal> answer = it->second.answer;
        done(std::move(answer));
        return;
      }
      entries_.erase(it);
    }
  }
  inner_->Verify(secret, [this, digest = std::move(digest),
                          done = std::move(done)](absl::StatusOr<Principal> answer) {
    Remember(digest, answer);
    done(std::move(answer));
  });
}

void CachingApiKeyVerifier::Remember(const std::string& digest,
                                     const absl::StatusOr<Principal>& answer) {
  // Only what the store said: a key that could not be verified is asked again next time.
  if (!answer.ok() && answer.status().code() != absl::StatusCode::kUnauthenticated) return;
  const auto now = clock_();
  auto expires = now + ttl_;
  if (answer.ok() && answer->expire_time != std::chrono::system_clock::time_point::max()) {
    // The key's own expiry comes first: past it, order-service must be asked again (and
    // refuses). Already past by this clock: not kept at all.
    const auto left = answer->expire_time - wall_clock_();
    if (left <= std::chrono::system_clock::duration::zero()) return;
    expires = std::min(expires,
                       now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(left));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= max_entries_) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.expires <= now ? entries_.erase(it) : std::next(it);
    }
    // Still full (many keys, or guessed ones): start over rather than grow without bound.
    if (entries_.size() >= max_entries_) entries_.clear();
  }
  entries_[digest] = Entry{answer, expires};
}

}  // namespace oms::gateway
