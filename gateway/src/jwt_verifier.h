// Verification of JWT bearer tokens (libjwt 1.10 for the signature) against the keys of a JWKS
// document. libjwt 1.10 skips the signature for `alg: none` and checks no claim, so this class
// refuses every token whose header names another algorithm than the configured one before
// libjwt sees it, and checks exp, nbf, iat, iss and aud itself.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oms::gateway {

enum class JwtAlgorithm { kRS256, kES256 };

// "RS256" or "ES256"; anything else is INVALID_ARGUMENT.
[[nodiscard]] absl::StatusOr<JwtAlgorithm> ParseJwtAlgorithm(absl::string_view name);

struct JwtConfig {
  JwtAlgorithm algorithm = JwtAlgorithm::kRS256;
  std::string issuer;               // required: `iss` must equal it
  std::string audience;             // required: `aud` (string or array) must contain it
  std::chrono::seconds leeway{30};  // clock skew allowed on exp, nbf and iat
};

struct JwtClaims {
  std::string subject;              // `sub`, "" when absent
  std::vector<std::string> scopes;  // `scope`, split on spaces
};

class JwtVerifier {
 public:
  // Keys whose kty or alg do not fit the configured algorithm are skipped; none usable, an
  // issuer or audience missing, or a malformed document is INVALID_ARGUMENT.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<JwtVerifier>> FromJwks(
      const std::string& jwks_json, JwtConfig config);
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<JwtVerifier>> FromJwksFile(
      const std::string& path, JwtConfig config);

  // UNAUTHENTICATED, with a message safe to show the client (never the token), on any failure.
  [[nodiscard]] absl::StatusOr<JwtClaims> Verify(absl::string_view token,
                                                 std::chrono::system_clock::time_point now) const;

  std::size_t key_count() const { return keys_.size(); }

 private:
  struct Key {
    std::string kid;
    std::string pem;  // SubjectPublicKeyInfo, as libjwt takes it
  };
  JwtVerifier(JwtConfig config, std::vector<Key> keys)
      : config_(std::move(config)), keys_(std::move(keys)) {}

  JwtConfig config_;
  std::vector<Key> keys_;
};

}  // namespace oms::gateway
