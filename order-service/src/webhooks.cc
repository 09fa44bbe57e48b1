#include "order-service/src/webhooks.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace oms::order {
namespace {

// Lower case, spaces to dots, and anything but a-z, 0-9, '.' and '_' to '_': a type is always
// one a subscription can name.
std::string TypeSegments(const std::string& text) {
  std::string out = absl::AsciiStrToLower(absl::StrReplaceAll(text, {{" ", "."}}));
  for (char& c : out) {
    if (!(absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z') || c == '.' || c == '_')) c = '_';
  }
  return out;
}

}  // namespace

std::string WebhookEventType(const v1::TimelineEvent& event) {
  if (event.source() == "order") {
    return "order.status." + TypeSegments(std::string(absl::StripPrefix(event.kind(), "STATUS_")));
  }
  return TypeSegments(absl::StrCat(event.source(), ".", event.kind()));
}

bool WebhookWants(const google::protobuf::RepeatedPtrField<std::string>& prefixes,
                  const std::string& type) {
  if (prefixes.empty()) return true;
  return std::any_of(prefixes.begin(), prefixes.end(), [&type](const std::string& prefix) {
    return type == prefix || absl::StartsWith(type, prefix + ".");
  });
}

absl::Status ValidateWebhookEventTypes(
    const google::protobuf::RepeatedPtrField<std::string>& types) {
  if (types.size() > kMaxWebhookEventTypes) {
    return InvalidField("event_types", absl::StrCat("at most ", kMaxWebhookEventTypes, " types"));
  }
  for (int i = 0; i < types.size(); ++i) {
    const std::string& type = types[i];
    const std::string field = absl::StrCat("event_types[", i, "]");
    if (type.empty() || type.size() > kMaxWebhookEventTypeLength) {
      return InvalidField(field, absl::StrCat("1 to ", kMaxWebhookEventTypeLength, " characters"));
    }
    bool segment_empty = true;
    for (char c : type) {
      if (c == '.') {
        if (segment_empty) break;
        segment_empty = true;
      } else if (absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z') || c == '_') {
        segment_empty = false;
      } else {
        segment_empty = true;
        break;
      }
    }
    if (segment_empty) {
      return InvalidField(field,
                          "a type or its prefix: segments of a-z, 0-9 and '_' joined by '.', "
                          "e.g. order.status or saga.capture");
    }
  }
  return absl::OkStatus();
}

std::string WebhookPayload(const v1::FeedEvent& fed) {
  std::string data;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  // A FeedEvent always prints: it holds no Any and no map with odd keys.
  (void)google::protobuf::util::MessageToJsonString(fed, &data, options);
  return absl::StrCat(R"({"type":")", WebhookEventType(fed.event()), R"(","timestamp":")",
                      google::protobuf::util::TimeUtil::ToString(fed.event().time()),
                      R"(","data":)", data, "}");
}

std::chrono::milliseconds WebhookBackoff(int failed, std::chrono::milliseconds base,
                                         std::chrono::milliseconds cap) {
  std::chrono::milliseconds wait = base;
  for (int i = 1; i < failed && wait < cap; ++i) wait *= 2;
  return std::min(wait, cap);
}

}  // namespace oms::order
