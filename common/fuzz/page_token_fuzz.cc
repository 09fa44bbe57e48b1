// Page tokens and audit pages come back from clients: whatever they send is refused with
// INVALID_ARGUMENT or read as a key this server could have issued, and a key read re-encodes to
// a token that reads as the same key.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/audit_page.h"
#include "common/fuzz/fuzz_input.h"
#include "common/pagination.h"
#include "oms/common/v1/common.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (oms::fuzz::Pick(data, size, 2) == 0) {
    const std::string token = oms::fuzz::Text(data, size);
    auto key = oms::DecodePageToken(token);
    if (!key.ok()) {
      if (key.status().code() != absl::StatusCode::kInvalidArgument) oms::fuzz::Fail();
      return 0;
    }
    auto again = oms::DecodePageToken(oms::EncodePageToken(*key));
    if (!again.ok() || *again != *key) oms::fuzz::Fail();
    return 0;
  }
  oms::common::v1::AuditPageRequest request;
  if (!oms::fuzz::ParseRest(data, size, &request)) return 0;
  auto page = oms::ParseAuditPage(request);
  if (!page.ok() && page.status().code() != absl::StatusCode::kInvalidArgument) oms::fuzz::Fail();
  return 0;
}
