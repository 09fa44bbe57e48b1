// The identity provider of the gateway's fuzzers: one RSA key (kid "fuzz-1") as a JWKS, issuer
// https://issuer.test, audience oms, and the fixed clock the fuzzers verify at, so that a run
// does not depend on the day. The seed corpora hold tokens it signed; its private half was thrown
// away once they were made.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/src/jwt_verifier.h"

namespace oms::gateway::fuzz {

inline constexpr char kModulus[] =
    "4R7P2PMkU0VZbuc485ZYpo7md62Nlwl4vPtqi4DtAE1HXcZM2VehjCA9nQPHJcgtz7PnrwK-kmQNvQM2"
    "ttAYpLHbWXmALOrQwG7sIN33jRC5NRR6Z4f59IX64S-PAvPtqLd7gRfOGXnVzam8MVelae97UmfsXYmt"
    "kg7surheKjZBNqFwkcOsiyYHvmE9n1GsCJVyNKCnIhBvKl5MZuq8Y6mGM5faHZLKk9z-EsWHbvtGQTkT"
    "RD3zgbWvQMpkXt-fitFnSLjfn9hLRrX1G5TArnpX1jJFmsyIZ4M__aikp93zYx2hCbH9ZjAsTSTO2qV9"
    "PIqVRbA5BmSOaP0JnqJ1_Q";

inline std::unique_ptr<JwtVerifier> MakeVerifier() {
  JwtConfig config;
  config.issuer = "https://issuer.test";
  config.audience = "oms";
  const std::string jwks = absl::StrCat(
      R"({"keys":[{"kty":"RSA","kid":"fuzz-1","alg":"RS256","use":"sig","e":"AQAB","n":")",
      kModulus, R"("}]})");
  auto verifier = JwtVerifier::FromJwks(jwks, config);
  if (!verifier.ok()) __builtin_trap();  // the fuzzer itself is broken
  return *std::move(verifier);
}

// 2026-11-18: inside the seed tokens' validity.
inline std::chrono::system_clock::time_point Now() {
  return std::chrono::system_clock::from_time_t(1795000000);
}

}  // namespace oms::gateway::fuzz
