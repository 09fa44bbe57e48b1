// Who is calling: the bearer credential of a request turned into a Principal with scopes and,
// for customer-bound credentials, the customer. Three kinds: the bootstrap admin key
// (OMS_BOOTSTRAP_ADMIN_KEY), JWTs, and API keys ("oms_..."), stored by order-service and
// verified through an ApiKeyVerifier (api_key_cache.h).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/scopes.h"
#include "gateway/src/jwt_verifier.h"

namespace oms::gateway {

// common/scopes.h as sets: every scope a credential can hold (a JWT's other scopes are
// ignored), and what a customer-bound one may hold.
const std::set<std::string>& KnownScopes();
const std::set<std::string>& CustomerScopes();

struct Principal {
  // Names the credential for rate limiting and logs; never a secret (a JWT's subject, or a
  // digest prefix of the token).
  std::string credential_id;
  // Names the caller to order-service (CreateOrderRequest.client_id), which scopes idempotency
  // keys per client: stable across tokens of the same subject, unlike credential_id for
  // subject-less JWTs. "admin" for the bootstrap key; "jwt:<sub>" for a JWT with a subject;
  // "jwt:" for subject-less JWTs, which are service tokens of the one configured issuer and
  // share one key space (they may read every order anyway).
  std::string client_id;
  // Non-empty for customer-bound credentials (a JWT with `sub`, an API key bound to one).
  std::string customer_id;
  // Non-empty for an API key bound to one warehouse: shipping-service lets it record events on
  // that warehouse's shipments alone.
  std::string warehouse_id;
  std::set<std::string> scopes;
  // When the credential stops being valid, for whoever keeps it (the API key cache): an API
  // key's expiry; max() for none.
  std::chrono::system_clock::time_point expire_time = std::chrono::system_clock::time_point::max();

  // `admin` holds every scope.
  bool HasScope(absl::string_view scope) const;
  bool customer_bound() const { return !customer_id.empty(); }
};

// PERMISSION_DENIED / SCOPE_NOT_ALLOWED_FOR_CUSTOMER, naming the scope, when a customer-bound
// principal holds a scope outside CustomerScopes(): a JWT issuer or an API key (made before
// order-service refused such keys) that grants one is misconfigured, and the request is
// refused so that someone notices, rather than served with fewer scopes.
[[nodiscard]] absl::Status CheckCustomerScopes(const Principal& principal);

// Verifies API keys stored by order-service.
class ApiKeyVerifier {
 public:
  using Done = std::function<void(absl::StatusOr<Principal>)>;
  virtual ~ApiKeyVerifier() = default;
  // Calls `done` exactly once, from any thread: the key's principal (with its expire_time);
  // UNAUTHENTICATED / INVALID_CREDENTIALS for a key that is unknown, revoked or expired; another
  // status (UNAVAILABLE) when it could not be told.
  virtual void Verify(const std::string& secret, Done done) = 0;
};

class Authenticator {
 public:
  using Done = std::function<void(absl::StatusOr<Principal>)>;

  // `bootstrap_admin_key` empty: no admin key. `jwt` null: JWTs are refused. `api_keys` null:
  // API keys are refused.
  Authenticator(absl::string_view bootstrap_admin_key, std::unique_ptr<JwtVerifier> jwt,
                std::unique_ptr<ApiKeyVerifier> api_keys = nullptr);
  ~Authenticator();

  // As below, and API keys too: their verification may ask order-service, so the answer comes
  // through `done`, exactly once, on this thread or on gRPC's; nothing waits for it.
  void Authenticate(const std::string* authorization, std::chrono::system_clock::time_point now,
                    Done done) const;

  // `authorization` is the Authorization header or null. UNAUTHENTICATED with reason
  // CREDENTIALS_MISSING when there is none, INVALID_CREDENTIALS when it is not accepted (API
  // keys included: this one answers at once and knows none); PERMISSION_DENIED from
  // CheckCustomerScopes for a customer-bound credential with scopes beyond a customer's.
  [[nodiscard]] absl::StatusOr<Principal> Authenticate(
      const std::string* authorization, std::chrono::system_clock::time_point now) const;

 private:
  // The bootstrap key and JWTs; sets `api_key` (when not null) to a token left for the API key
  // verifier.
  [[nodiscard]] absl::StatusOr<Principal> Local(const std::string* authorization,
                                                std::chrono::system_clock::time_point now,
                                                std::string* api_key) const;

  std::string bootstrap_digest_;  // SHA-256 of the key; empty when none
  std::unique_ptr<JwtVerifier> jwt_;
  std::unique_ptr<ApiKeyVerifier> api_keys_;
};

// "oms_" keys: API keys of order-service, told apart from JWTs and the bootstrap key by it.
inline constexpr char kApiKeyPrefix[] = "oms_";

// SHA-256 of `data` as raw bytes.
std::string Sha256(absl::string_view data);

}  // namespace oms::gateway
