// What an administrator or an integrator sends the feed and the webhooks, as text: a feed cursor
// (`after`), a webhook URL, an event type, an allow-list. Each is accepted or refused with
// INVALID_ARGUMENT, never anything else; an accepted cursor reads back as itself.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/fuzz/fuzz_input.h"
#include "order-service/src/event_feed.h"
#include "order-service/src/webhook_targets.h"
#include "order-service/src/webhooks.h"

namespace {

void ExpectAcceptedOrInvalid(const absl::Status& status) {
  if (!status.ok() && status.code() != absl::StatusCode::kInvalidArgument) oms::fuzz::Fail();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = oms::fuzz::Text(data + (size > 0 ? 1 : 0), size > 0 ? size - 1 : 0);
  switch (oms::fuzz::Pick(data, size, 4)) {
    case 0: {
      auto position = oms::order::ParseFeedCursor(text);
      ExpectAcceptedOrInvalid(position.status());
      if (position.ok() && oms::order::FeedCursor(*position) != text && !text.empty()) {
        oms::fuzz::Fail();
      }
      break;
    }
    case 1: {
      static const auto kLoopback = *oms::order::NetworkAllowList::Parse("127.0.0.0/8,::1");
      ExpectAcceptedOrInvalid(oms::order::ValidateWebhookUrl(text, "url", kLoopback));
      break;
    }
    case 2: {
      google::protobuf::RepeatedPtrField<std::string> types;
      types.Add(std::string(text));
      ExpectAcceptedOrInvalid(oms::order::ValidateWebhookEventTypes(types));
      break;
    }
    default: {
      auto allowed = oms::order::NetworkAllowList::Parse(text);
      ExpectAcceptedOrInvalid(allowed.status());
      if (allowed.ok()) (void)allowed->Contains(text);
      (void)oms::order::IsPublicAddress(text);
      break;
    }
  }
  return 0;
}
