// The gateway's API keys, stored by order-service: validation of the admin's requests, the
// secret format, and the store. Secrets are never stored: the table holds their SHA-256 (hex),
// computed by PostgreSQL from the secret given at creation and at each verification.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "oms/order/v1/order.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

inline constexpr char kApiKeyPrefix[] = "oms_";

// How far ahead a key's expiry may be: long-lived credentials are what expiry is meant to end.
inline constexpr absl::Duration kMaxApiKeyLifetime = absl::Hours(24 * 730);

// INVALID_ARGUMENT naming the field: name 1..100 characters, 1..10 distinct scopes of AllScopes
// (common/scopes.h), an optional customer id (a UUID; then only CustomerBoundScopes of
// common/scopes.h), an optional warehouse id (a UUID; only with shipments:write and without admin),
// an optional expire_time after `now` and at most kMaxApiKeyLifetime after it.
[[nodiscard]] absl::Status ValidateCreateApiKey(const v1::CreateApiKeyRequest& request,
                                                absl::Time now);
// "oms_" followed by 64 lower-case hex digits.
[[nodiscard]] absl::Status ValidateApiKeySecret(const std::string& secret);
// A fresh secret: "oms_" and 32 random bytes (OpenSSL's CSPRNG) as hex. INTERNAL when the
// generator fails.
[[nodiscard]] absl::StatusOr<std::string> NewApiKeySecret();

// A page of ListApiKeys: newest first; `next_after` is the payload of the next page's token, ""
// on the last page.
struct ApiKeyPage {
  std::vector<v1::ApiKey> keys;
  std::string next_after;
};

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  // Stores the key under the hash of `secret`. NOT_FOUND / CUSTOMER_NOT_FOUND when the request
  // names a customer that does not exist.
  [[nodiscard]] virtual absl::Status Create(const v1::CreateApiKeyRequest& request,
                                            const std::string& secret, v1::ApiKey* out) = 0;
  // Revokes the key (NOT_FOUND when there is none); a revoked key stays as it was revoked.
  [[nodiscard]] virtual absl::Status Revoke(const std::string& id, v1::ApiKey* out) = 0;
  // NOT_FOUND / API_KEY_NOT_FOUND for an unknown secret, PERMISSION_DENIED / API_KEY_REVOKED
  // for a revoked key, PERMISSION_DENIED / API_KEY_EXPIRED once the database's clock reaches
  // its expiry.
  [[nodiscard]] virtual absl::Status Verify(const std::string& secret, v1::ApiKey* out) = 0;
  // Up to `page_size` keys older than the one `after` (a next_after, "" for the newest) names,
  // newest first. INVALID_ARGUMENT naming page_token when `after` is not one this store made.
  [[nodiscard]] virtual absl::Status List(const std::string& after, int page_size,
                                          ApiKeyPage* out) = 0;
};

class PgApiKeyStore final : public ApiKeyStore {
 public:
  explicit PgApiKeyStore(PgPool& pool) : pool_(pool) {}
  // The statements below, for the pool's list.
  static const std::vector<PreparedStatement>& Statements();

  [[nodiscard]] absl::Status Create(const v1::CreateApiKeyRequest& request,
                                    const std::string& secret, v1::ApiKey* out) override;
  [[nodiscard]] absl::Status Revoke(const std::string& id, v1::ApiKey* out) override;
  [[nodiscard]] absl::Status Verify(const std::string& secret, v1::ApiKey* out) override;
  [[nodiscard]] absl::Status List(const std::string& after, int page_size,
                                  ApiKeyPage* out) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::order
