// Who is calling: the bearer credential of a request turned into a Principal with scopes and,
// for customer-bound credentials, the customer. Two kinds today: the bootstrap admin key
// (OMS_BOOTSTRAP_ADMIN_KEY) and JWTs; API keys stored by order-service come later.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/src/jwt_verifier.h"

namespace oms::gateway {

inline constexpr char kScopeOrdersRead[] = "orders:read";
inline constexpr char kScopeOrdersWrite[] = "orders:write";
inline constexpr char kScopeCatalogWrite[] = "catalog:write";
inline constexpr char kScopeShipmentsWrite[] = "shipments:write";
inline constexpr char kScopeAdmin[] = "admin";

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
  // Non-empty for customer-bound credentials (a JWT with `sub`).
  std::string customer_id;
  std::set<std::string> scopes;

  // `admin` holds every scope.
  bool HasScope(absl::string_view scope) const;
  bool customer_bound() const { return !customer_id.empty(); }
};

class Authenticator {
 public:
  // `bootstrap_admin_key` empty: no admin key. `jwt` null: JWTs are refused.
  Authenticator(absl::string_view bootstrap_admin_key, std::unique_ptr<JwtVerifier> jwt);
  ~Authenticator();

  // `authorization` is the Authorization header or null. UNAUTHENTICATED with reason
  // CREDENTIALS_MISSING when there is none, INVALID_CREDENTIALS when it is not accepted.
  [[nodiscard]] absl::StatusOr<Principal> Authenticate(
      const std::string* authorization, std::chrono::system_clock::time_point now) const;

 private:
  std::string bootstrap_digest_;  // SHA-256 of the key; empty when none
  std::unique_ptr<JwtVerifier> jwt_;
};

// SHA-256 of `data` as raw bytes.
std::string Sha256(absl::string_view data);

}  // namespace oms::gateway
