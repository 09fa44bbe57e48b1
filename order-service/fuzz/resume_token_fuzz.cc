// WatchOrder's after_event_id, and the gateway's Last-Event-ID behind it, come from clients:
// anything is refused (INVALID_ARGUMENT) or read as a resume position whose token reads back as
// the same position.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/fuzz/fuzz_input.h"
#include "order-service/src/timeline_resume.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = oms::fuzz::Text(data, size);
  auto position = oms::order::ResumePosition::Parse(text, "after_event_id");
  if (!position.ok()) {
    if (position.status().code() != absl::StatusCode::kInvalidArgument) oms::fuzz::Fail();
    return 0;
  }
  const std::string token = position->Token();
  auto again = oms::order::ResumePosition::Parse(token, "after_event_id");
  if (!again.ok() || again->Token() != token) oms::fuzz::Fail();
  return 0;
}
