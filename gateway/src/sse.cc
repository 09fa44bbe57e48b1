#include "gateway/src/sse.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace oms::gateway {
namespace {

// order-service's longest resume token (kMaxResumeTokenLength).
constexpr std::size_t kMaxLastEventIdLength = 4096;

// A field value ends at the line's end: CR and LF may not occur inside one.
std::string OneLine(absl::string_view value) {
  std::string line(value);
  for (char& c : line) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return line;
}

}  // namespace

std::string SseEvent(absl::string_view id, absl::string_view event, absl::string_view data) {
  std::string out;
  if (!id.empty()) absl::StrAppend(&out, "id: ", OneLine(id), "\n");
  if (!event.empty()) absl::StrAppend(&out, "event: ", OneLine(event), "\n");
  for (absl::string_view line : absl::StrSplit(data, '\n')) {
    absl::ConsumeSuffix(&line, "\r");
    absl::StrAppend(&out, "data: ", OneLine(line), "\n");
  }
  out += "\n";
  return out;
}

std::string SseComment(absl::string_view text) { return absl::StrCat(": ", OneLine(text), "\n\n"); }

std::string SseRetry(std::chrono::milliseconds delay) {
  return absl::StrCat("retry: ", delay.count(), "\n\n");
}

absl::Status ValidateLastEventId(const std::string& id) {
  bool ok = !id.empty() && id.size() <= kMaxLastEventIdLength;
  for (char c : id) ok = ok && c > 0x20 && c < 0x7F;
  return ok ? absl::OkStatus()
            : InvalidField("Last-Event-ID",
                           "must be 1 to 4096 printable ASCII characters without spaces");
}

}  // namespace oms::gateway
