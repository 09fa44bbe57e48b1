// A cache in front of the API key verifier (auth.h; the gRPC one is api_key_client.h), so that
// a key is verified once per TTL, not once per request. Answers are cached both ways (a valid
// key, an unknown or revoked one) for a short TTL, so a revoked key stops working within that
// TTL; a valid key is kept no longer than its expiry, so an expiring key stops on time;
// failures to verify (order-service unavailable) are never cached.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/src/auth.h"

namespace oms::gateway {

class CachingApiKeyVerifier final : public ApiKeyVerifier {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // The wall clock a key's expiry is read against (expiries are wall-clock times).
  using WallClock = std::function<std::chrono::system_clock::time_point()>;
  CachingApiKeyVerifier(std::unique_ptr<ApiKeyVerifier> inner, std::chrono::milliseconds ttl,
                        std::size_t max_entries = 10000, Clock clock = nullptr,
                        WallClock wall_clock = nullptr);

  void Verify(const std::string& secret, Done done) override;

 private:
  struct Entry {
    absl::StatusOr<Principal> answer;
    std::chrono::steady_clock::time_point expires;
  };
  void Remember(const std::string& digest, const absl::StatusOr<Principal>& answer);

  std::unique_ptr<ApiKeyVerifier> inner_;
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  Clock clock_;
  WallClock wall_clock_;
  std::mutex mu_;
  // By the secret's SHA-256: the secrets themselves are not kept.
  std::map<std::string, Entry> entries_;
};

}  // namespace oms::gateway
