#include "gateway/src/auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"

namespace oms::gateway {
namespace {

constexpr std::size_t kMaxCredentialBytes = 8192;

absl::Status Invalid(absl::string_view message) {
  return WithReason(absl::StatusCode::kUnauthenticated, "INVALID_CREDENTIALS", message);
}

// RFC 6750 b64token characters.
bool IsToken68(absl::string_view token) {
  for (char c : token) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '.' && c != '_' && c != '~' && c != '+' &&
        c != '/' && c != '=') {
      return false;
    }
  }
  return !token.empty();
}

}  // namespace

std::string Sha256(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

const std::set<std::string>& KnownScopes() {
  static const std::set<std::string> kScopes(AllScopes().begin(), AllScopes().end());
  return kScopes;
}

const std::set<std::string>& CustomerScopes() {
  static const std::set<std::string> kScopes(CustomerBoundScopes().begin(),
                                             CustomerBoundScopes().end());
  return kScopes;
}

absl::Status CheckCustomerScopes(const Principal& principal) {
  if (!principal.customer_bound()) return absl::OkStatus();
  for (const std::string& scope : principal.scopes) {
    if (CustomerScopes().count(scope) == 0) {
      return WithReason(absl::StatusCode::kPermissionDenied, "SCOPE_NOT_ALLOWED_FOR_CUSTOMER",
                        absl::StrCat("a credential bound to a customer may not hold the scope ",
                                     scope, " (only ", absl::StrJoin(CustomerScopes(), ", "), ")"));
    }
  }
  return absl::OkStatus();
}

bool Principal::HasScope(absl::string_view scope) const {
  return scopes.count(kScopeAdmin) > 0 || scopes.count(std::string(scope)) > 0;
}

Authenticator::Authenticator(absl::string_view bootstrap_admin_key,
                             std::unique_ptr<JwtVerifier> jwt,
                             std::unique_ptr<ApiKeyVerifier> api_keys)
    : bootstrap_digest_(bootstrap_admin_key.empty() ? "" : Sha256(bootstrap_admin_key)),
      jwt_(std::move(jwt)),
      api_keys_(std::move(api_keys)) {}

void Authenticator::Authenticate(const std::string* authorization,
                                 std::chrono::system_clock::time_point now, Done done) const {
  std::string api_key;
  absl::StatusOr<Principal> principal = Local(authorization, now, &api_key);
  // Only a well-formed bearer token that nothing else accepted and that looks like an API key
  // goes to order-service.
  if (api_key.empty() || api_keys_ == nullptr) {
    done(std::move(principal));
    return;
  }
  api_keys_->Verify(api_key, [done = std::move(done)](absl::StatusOr<Principal> verified) {
    if (verified.ok()) {
      if (absl::Status allowed = CheckCustomerScopes(*verified); !allowed.ok()) {
        done(allowed);
        return;
      }
    }
    done(std::move(verified));
  });
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    const std::string* authorization, std::chrono::system_clock::time_point now) const {
  return Local(authorization, now, nullptr);
}

Authenticator::~Authenticator() = default;

absl::StatusOr<Principal> Authenticator::Local(const std::string* authorization,
                                               std::chrono::system_clock::time_point now,
                                               std::string* api_key) const {
  if (authorization == nullptr || authorization->empty()) {
    return WithReason(absl::StatusCode::kUnauthenticated, "CREDENTIALS_MISSING",
                      "send Authorization: Bearer <token>");
  }
  absl::string_view header = *authorization;
  if (header.size() > kMaxCredentialBytes) return Invalid("credentials too long");
  if (header.size() < 7 || !absl::EqualsIgnoreCase(header.substr(0, 7), "Bearer ")) {
    return Invalid("only the Bearer scheme is accepted");
  }
  absl::string_view token = absl::StripAsciiWhitespace(header.substr(7));
  if (!IsToken68(token)) return Invalid("malformed bearer token");

  // Compared as digests, in constant time: the key's length and prefix do not leak.
  if (!bootstrap_digest_.empty()) {
    const std::string digest = Sha256(token);
    if (CRYPTO_memcmp(digest.data(), bootstrap_digest_.data(), digest.size()) == 0) {
      Principal admin;
      admin.credential_id = "bootstrap-admin";
      admin.client_id = "admin";
      admin.scopes = {kScopeAdmin};
      return admin;
    }
  }
  if (std::count(token.begin(), token.end(), '.') == 2) {
    if (jwt_ == nullptr) return Invalid("JWTs are not accepted (no JWKS configured)");
    auto claims = jwt_->Verify(token, now);
    if (!claims.ok()) return Invalid(claims.status().message());
    Principal principal;
    principal.customer_id = claims->subject;
    principal.credential_id =
        claims->subject.empty()
            ? absl::StrCat("jwt:", absl::BytesToHexString(Sha256(token).substr(0, 8)))
            : absl::StrCat("sub:", claims->subject);
    // order-service takes client ids of at most 128 characters; a subject is at most 128.
    principal.client_id = absl::StrCat("jwt:", claims->subject);
    if (principal.client_id.size() > 128) {
      principal.client_id =
          absl::StrCat("jwt#", absl::BytesToHexString(Sha256(claims->subject).substr(0, 16)));
    }
    // Only scopes this gateway knows: an issuer's own scopes for other audiences are no
    // grant here.
    for (const std::string& scope : claims->scopes) {
      if (KnownScopes().count(scope) > 0) principal.scopes.insert(scope);
    }
    if (absl::Status allowed = CheckCustomerScopes(principal); !allowed.ok()) return allowed;
    return principal;
  }
  if (api_key != nullptr && absl::StartsWith(token, kApiKeyPrefix)) *api_key = std::string(token);
  return Invalid("unknown API key");
}

}  // namespace oms::gateway
