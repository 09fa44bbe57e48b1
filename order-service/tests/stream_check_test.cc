// The shipment feed's pure parts: what one message of shipping's stream means for a cursor and
// its outbox identity, and the consumer lag the feed reports from what it heard.
#include <gtest/gtest.h>

#include "oms/shipping/v1/shipping.pb.h"
#include "order-service/src/shipment_feed.h"

namespace oms::order {
namespace {

namespace shp = oms::shipping::v1;
using std::chrono::milliseconds;
using std::chrono::seconds;

shp::OutboxEvent Event(int64_t sequence, const std::string& stream_id = "A") {
  shp::OutboxEvent event;
  event.set_sequence(sequence);
  event.set_stream_id(stream_id);
  return event;
}

shp::OutboxEvent Heartbeat(int64_t head, const std::string& stream_id = "A") {
  shp::OutboxEvent heartbeat;
  heartbeat.set_stream_id(stream_id);
  heartbeat.mutable_heartbeat()->set_head_sequence(head);
  return heartbeat;
}

TEST(CheckStreamMessageTest, TheNextEventIsAppliedAndOneAtOrBelowTheCursorSkipped) {
  EXPECT_EQ(CheckStreamMessage("A", 7, Event(8)), StreamCheck::kApply);
  EXPECT_EQ(CheckStreamMessage("A", 7, Event(7)), StreamCheck::kDuplicate);
  EXPECT_EQ(CheckStreamMessage("A", 7, Event(3)), StreamCheck::kDuplicate);
  EXPECT_EQ(CheckStreamMessage("A", 0, Event(1)), StreamCheck::kApply);
}

TEST(CheckStreamMessageTest, AnEventPastTheNextOneIsAGap) {
  EXPECT_EQ(CheckStreamMessage("A", 7, Event(9)), StreamCheck::kGap);
  EXPECT_EQ(CheckStreamMessage("", 0, Event(2)), StreamCheck::kGap);
}

TEST(CheckStreamMessageTest, AnotherIdentityStopsEverythingWhileNoneOrAnUnboundCursorPasses) {
  EXPECT_EQ(CheckStreamMessage("A", 7, Event(8, "B")), StreamCheck::kIdentityChanged);
  EXPECT_EQ(CheckStreamMessage("A", 7, Heartbeat(7, "B")), StreamCheck::kIdentityChanged);
  EXPECT_EQ(CheckStreamMessage("", 7, Event(8, "B")), StreamCheck::kApply);  // bound next
  EXPECT_EQ(CheckStreamMessage("A", 7, Event(8, "")), StreamCheck::kApply);  // an older shipping
}

TEST(CheckStreamMessageTest, AHeartbeatBelowTheCursorMeansTheOutboxWasReset) {
  EXPECT_EQ(CheckStreamMessage("A", 7, Heartbeat(7)), StreamCheck::kHeartbeat);
  EXPECT_EQ(CheckStreamMessage("A", 7, Heartbeat(9)), StreamCheck::kHeartbeat);  // events wait
  EXPECT_EQ(CheckStreamMessage("A", 7, Heartbeat(3)), StreamCheck::kHeadBehindCursor);
}

TEST(CheckStreamMessageTest, OnlyStoppingChecksHaveAReason) {
  EXPECT_STREQ(StreamErrorReason(StreamCheck::kGap), "gap");
  EXPECT_STREQ(StreamErrorReason(StreamCheck::kIdentityChanged), "identity_changed");
  EXPECT_STREQ(StreamErrorReason(StreamCheck::kHeadBehindCursor), "head_behind_cursor");
  EXPECT_EQ(StreamErrorReason(StreamCheck::kApply), nullptr);
  EXPECT_EQ(StreamErrorReason(StreamCheck::kDuplicate), nullptr);
  EXPECT_EQ(StreamErrorReason(StreamCheck::kHeartbeat), nullptr);
}

class ConsumerLagTest : public ::testing::Test {
 protected:
  const ConsumerLag::Time start_ = ConsumerLag::Time() + seconds(1000);
  ConsumerLag lag_{seconds(10), start_};
};

TEST_F(ConsumerLagTest, CaughtUpAndHeardFromRecentlyIsZero) {
  EXPECT_EQ(lag_.Seconds(start_ + seconds(10)), 0);
  lag_.Heartbeat(5, 5, start_ + seconds(8));
  EXPECT_EQ(lag_.Seconds(start_ + seconds(17)), 0);
}

TEST_F(ConsumerLagTest, ASilentStreamGrowsFromWhenItWasLastCaughtUp) {
  lag_.Heartbeat(5, 5, start_ + seconds(2));
  EXPECT_EQ(lag_.Seconds(start_ + seconds(12)), 0);
  EXPECT_DOUBLE_EQ(lag_.Seconds(start_ + seconds(13)), 11);
  EXPECT_DOUBLE_EQ(lag_.Seconds(start_ + seconds(60)), 58);
  // A heartbeat saying events wait is no news of being caught up.
  lag_.Heartbeat(9, 5, start_ + seconds(61));
  EXPECT_DOUBLE_EQ(lag_.Seconds(start_ + seconds(62)), 60);
}

TEST_F(ConsumerLagTest, AnEventNotTakenInCountsFromItsCommitUntilTakenIn) {
  lag_.Received(6, start_ + seconds(3));
  EXPECT_DOUBLE_EQ(lag_.Seconds(start_ + seconds(4)), 1);
  lag_.Received(7, start_ + seconds(5));  // the oldest waiting one counts (a queued batch)
  lag_.Heartbeat(5, 5, start_ + seconds(6));
  EXPECT_DOUBLE_EQ(lag_.Seconds(start_ + seconds(30)), 27);
  lag_.Applied(6, start_ + seconds(31));
  EXPECT_DOUBLE_EQ(lag_.Seconds(start_ + seconds(32)), 27);  // 7 waits on
  lag_.Applied(7, start_ + seconds(33));
  EXPECT_EQ(lag_.Seconds(start_ + seconds(34)), 0);
}

TEST_F(ConsumerLagTest, AnEventTakenInBeforeTheKnownHeadIsNotCaughtUp) {
  lag_.Heartbeat(9, 5, start_ + seconds(1));
  lag_.Applied(6, start_ + seconds(2));
  EXPECT_DOUBLE_EQ(lag_.Seconds(start_ + seconds(20)), 20);
  lag_.Applied(9, start_ + seconds(21));
  EXPECT_EQ(lag_.Seconds(start_ + seconds(22)), 0);
}

TEST_F(ConsumerLagTest, AnEventAnotherReplicaTookInStopsCounting) {
  lag_.Received(6, start_ + seconds(3));
  lag_.TakenIn(6);
  lag_.Heartbeat(6, 6, start_ + seconds(4));
  EXPECT_EQ(lag_.Seconds(start_ + seconds(5)), 0);
}

}  // namespace
}  // namespace oms::order
