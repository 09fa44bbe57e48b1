// The JWT verifier the pipeline tests put behind their Authenticator.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "gateway/src/jwt_verifier.h"
#include "gateway/tests/test_keys.h"

namespace oms::gateway::testing {

// Accepts RS256 tokens signed with `key` that carry the issuer and audience of ValidClaims.
[[nodiscard]] absl::StatusOr<std::unique_ptr<JwtVerifier>> MakeTestVerifier(const TestKey& key);

}  // namespace oms::gateway::testing
