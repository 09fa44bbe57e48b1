// The server-sent event format the watch route writes.
#include "gateway/src/sse.h"

#include <gtest/gtest.h>

namespace oms::gateway {
namespace {

TEST(SseTest, EventsCommentsAndRetryAreFramedAsTheSpecSays) {
  EXPECT_EQ(SseEvent("1700000000000000-00000000000000ab", "timeline", R"({"kind":"SHIPPED"})"),
            "id: 1700000000000000-00000000000000ab\nevent: timeline\n"
            "data: {\"kind\":\"SHIPPED\"}\n\n");
  // No id or name: left out. Each line of data is a data field; CR never ends up in a field.
  EXPECT_EQ(SseEvent("", "", "a\nb\r\nc"), "data: a\ndata: b\ndata: c\n\n");
  EXPECT_EQ(SseEvent("x\ny", "e\rf", "d"), "id: x y\nevent: e f\ndata: d\n\n");
  EXPECT_EQ(SseComment("heartbeat"), ": heartbeat\n\n");
  EXPECT_EQ(SseRetry(std::chrono::milliseconds(2000)), "retry: 2000\n\n");
}

TEST(SseTest, LastEventIdIsBounded) {
  EXPECT_TRUE(ValidateLastEventId("1700000000000000-00000000000000ab").ok());
  EXPECT_TRUE(ValidateLastEventId("r1~10.20.30~10.20.30~~" + std::string(4074, 'a')).ok());
  for (const std::string& bad : {std::string(""), std::string("has space"), std::string(4097, 'a'),
                                 std::string("tab\there")}) {
    absl::Status status = ValidateLastEventId(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("Last-Event-ID"), absl::string_view::npos);
  }
}

}  // namespace
}  // namespace oms::gateway
