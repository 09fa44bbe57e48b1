// The server-sent event format the watch route writes, and the cap on open streams.
#include "gateway/src/sse.h"

#include <thread>

#include <gtest/gtest.h>

#include "gateway/src/stream_slots.h"

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

TEST(StreamSlotsTest, CapsOpenStreamsAndWaitsForThemToEnd) {
  std::vector<std::size_t> gauge;
  StreamSlots slots(2, [&gauge](std::size_t open) { gauge.push_back(open); });
  auto first = slots.TryAcquire();
  auto second = slots.TryAcquire();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(slots.TryAcquire(), nullptr);
  EXPECT_EQ(slots.open(), 2u);
  auto copy = first;  // a slot is held by every copy
  first.reset();
  EXPECT_EQ(slots.open(), 2u);
  copy.reset();
  EXPECT_EQ(slots.open(), 1u);
  auto third = slots.TryAcquire();
  ASSERT_NE(third, nullptr);
  third.reset();
  EXPECT_FALSE(slots.WaitUntilNone(std::chrono::milliseconds(10)));
  std::thread ender([&second] { second.reset(); });
  EXPECT_TRUE(slots.WaitUntilNone(std::chrono::seconds(10)));
  ender.join();
  EXPECT_EQ(gauge, (std::vector<std::size_t>{1, 2, 1, 2, 1, 0}));
}

}  // namespace
}  // namespace oms::gateway
