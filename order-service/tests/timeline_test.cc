#include "order-service/src/timeline.h"

#include <gtest/gtest.h>

#include "google/protobuf/util/time_util.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

v1::TimelineEvent Event(int64_t micros, const std::string& source, const std::string& kind,
                        const std::string& subject = "") {
  v1::TimelineEvent event;
  *event.mutable_time() = TimeUtil::MicrosecondsToTimestamp(micros);
  event.set_source(source);
  event.set_kind(kind);
  event.set_subject(subject);
  return event;
}

std::vector<std::string> Ids(const v1::OrderTimeline& timeline) {
  std::vector<std::string> ids;
  for (const auto& event : timeline.events()) ids.push_back(event.id());
  return ids;
}

TEST(TimelineTest, TheTimelineSortsByTimeAndIdsAreStableAcrossReads) {
  v1::OrderTimeline first;
  *first.add_events() = Event(3'000'000, "shipping", "SHIPPED", "s1");
  *first.add_events() = Event(1'000'000, "order", "STATUS_PENDING");
  *first.add_events() = Event(2'000'000, "saga", "reserve FORWARD OK");
  AssignIdsAndSort(&first);
  ASSERT_EQ(first.events_size(), 3);
  EXPECT_EQ(first.events(0).kind(), "STATUS_PENDING");
  EXPECT_EQ(first.events(1).kind(), "reserve FORWARD OK");
  EXPECT_EQ(first.events(2).kind(), "SHIPPED");
  EXPECT_EQ(first.events(0).id().substr(0, 18), "00000000001000000-");
  for (const auto& id : Ids(first)) EXPECT_TRUE(IsTimelineEventId(id)) << id;

  // The same events read again, in another order and with one more: the same ids.
  v1::OrderTimeline second;
  *second.add_events() = Event(2'000'000, "saga", "reserve FORWARD OK");
  *second.add_events() = Event(4'000'000, "shipping", "DELIVERED", "s1");
  *second.add_events() = Event(1'000'000, "order", "STATUS_PENDING");
  *second.add_events() = Event(3'000'000, "shipping", "SHIPPED", "s1");
  AssignIdsAndSort(&second);
  std::vector<std::string> expected = Ids(first);
  expected.push_back(second.events(3).id());
  EXPECT_EQ(Ids(second), expected);
  EXPECT_EQ(second.events(3).kind(), "DELIVERED");
}

TEST(TimelineTest, ALateCarrierScanSitsAtItsTimeButItsIdSaysWhenItWasRecorded) {
  v1::OrderTimeline timeline;
  *timeline.add_events() = Event(1'000'000, "order", "STATUS_CONFIRMED");
  *timeline.add_events() = Event(2'000'000, "saga", "keep-reservation FORWARD OK");
  v1::TimelineEvent late = Event(500'000, "shipping", "PICKED", "s1");
  *late.mutable_recorded_time() = TimeUtil::MicrosecondsToTimestamp(3'000'000);
  *timeline.add_events() = late;
  AssignIdsAndSort(&timeline);
  ASSERT_EQ(timeline.events_size(), 3);
  EXPECT_EQ(timeline.events(0).kind(), "PICKED");  // first by time
  EXPECT_EQ(timeline.events(0).id().substr(0, 18), "00000000003000000-");
  EXPECT_GT(timeline.events(0).id(), timeline.events(2).id());  // learned of last
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(timeline.events(1).recorded_time()), 1'000'000);
}

TEST(TimelineTest, IdenticalEventsGetDistinctIds) {
  v1::OrderTimeline timeline;
  *timeline.add_events() = Event(5, "saga", "capture-payment FORWARD TRANSIENT");
  *timeline.add_events() = Event(5, "saga", "capture-payment FORWARD TRANSIENT");
  *timeline.add_events() = Event(5, "saga", "other");
  AssignIdsAndSort(&timeline);
  EXPECT_NE(timeline.events(0).id(), timeline.events(1).id());
  EXPECT_NE(timeline.events(1).id(), timeline.events(2).id());
  EXPECT_NE(timeline.events(0).id(), timeline.events(2).id());
}

TEST(TimelineTest, ResumeCursorsAreCheckedForShape) {
  EXPECT_TRUE(IsTimelineEventId("00001764160000000-0123456789abcdef"));
  EXPECT_FALSE(IsTimelineEventId(""));
  EXPECT_FALSE(IsTimelineEventId("00001764160000000-0123456789ABCDEF"));
  EXPECT_FALSE(IsTimelineEventId("1764160000000-0123456789abcdef"));
  EXPECT_FALSE(IsTimelineEventId("00001764160000000_0123456789abcdef"));
  EXPECT_FALSE(IsTimelineEventId("00001764160000000-0123456789abcdef0"));
}

}  // namespace
}  // namespace oms::order
