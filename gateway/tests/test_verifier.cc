#include "gateway/tests/test_verifier.h"

namespace oms::gateway::testing {

absl::StatusOr<std::unique_ptr<JwtVerifier>> MakeTestVerifier(const TestKey& key) {
  JwtConfig config;
  config.issuer = "https://issuer.test";
  config.audience = "oms";
  return JwtVerifier::FromJwks(Jwks({&key}), config);
}

}  // namespace oms::gateway::testing
