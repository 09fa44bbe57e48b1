// Key pairs and signed tokens for tests: keys generated with OpenSSL's library API, tokens
// signed with libjwt, JWKS documents as an identity provider would publish them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace oms::gateway::testing {

struct TestKey {
  std::string kid;
  std::string private_pem;
  std::string public_pem;
  nlohmann::json jwk;  // the public key as a JWK
};

// RSA 2048 (alg RS256) or EC P-256 (alg ES256).
TestKey MakeRsaKey(const std::string& kid);
TestKey MakeEcKey(const std::string& kid);

// {"keys": [...]} of the given keys' public halves.
std::string Jwks(const std::initializer_list<const TestKey*>& keys);

// A JWT signed by libjwt with `alg` ("RS256", "ES256", "HS256"), header kid = key.kid unless
// empty. `secret` replaces the key for HS256 (to forge algorithm confusion).
std::string SignJwt(const TestKey& key, const std::string& alg, const nlohmann::json& claims,
                    const std::string& hmac_secret = "");

// An unsigned token: header {"alg":"none"}, empty signature.
std::string UnsignedJwt(const nlohmann::json& claims);

// Standard claims for issuer "https://issuer.test" and audience "oms", valid for an hour.
nlohmann::json ValidClaims(const std::string& subject, const std::string& scope);

}  // namespace oms::gateway::testing
