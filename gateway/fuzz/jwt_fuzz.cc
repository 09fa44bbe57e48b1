// Bearer tokens come from anyone: every token is refused with UNAUTHENTICATED or verified, and
// a verified one was signed by the provider's key for this issuer and audience (the fuzzer can
// only reach that by replaying a seed token unchanged, or a copy differing where the signature
// does not reach).
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/fuzz/fuzz_input.h"
#include "gateway/fuzz/fuzz_identity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* verifier = oms::gateway::fuzz::MakeVerifier().release();
  auto claims = verifier->Verify(oms::fuzz::Text(data, size), oms::gateway::fuzz::Now());
  if (!claims.ok() && claims.status().code() != absl::StatusCode::kUnauthenticated) {
    oms::fuzz::Fail();
  }
  return 0;
}
