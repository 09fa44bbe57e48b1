// What recording an event decides around the status derivation: repeats, cancelled shipments,
// tracking numbers, and the status, milestone and outbox events of a journal change.
#include "shipping-service/src/journal_rules.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::shipping {
namespace {

using google::protobuf::util::TimeUtil;

v1::RecordShipmentEventRequest Event(v1::ShipmentEventType type, std::int64_t micros,
                                     const std::string& carrier_event_id = "") {
  v1::RecordShipmentEventRequest request;
  request.set_type(type);
  *request.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(micros);
  request.set_carrier_event_id(carrier_event_id);
  return request;
}

TEST(DedupKeyTest, TheCarrierEventIdWinsOverTypeAndTime) {
  EXPECT_EQ(DedupKey(Event(v1::SHIPMENT_EVENT_TYPE_SHIPPED, 5, "dhl-1")), "carrier:dhl-1");
  EXPECT_EQ(DedupKey(Event(v1::SHIPMENT_EVENT_TYPE_DELIVERED, 7, "dhl-1")), "carrier:dhl-1");
  EXPECT_EQ(DedupKey(Event(v1::SHIPMENT_EVENT_TYPE_IN_TRANSIT, 1'234'567)),
            "event:IN_TRANSIT:1234567");
}

TEST(EventAcceptedTest, ACancelledShipmentTakesNoNewEvent) {
  EXPECT_TRUE(EventAccepted("s-1", v1::SHIPMENT_STATUS_PACKED).ok());
  absl::Status refused = EventAccepted("s-1", v1::SHIPMENT_STATUS_CANCELLED);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(refused), "SHIPMENT_CANCELLED");
}

TEST(TrackingNumberAfterTest, AnEventWithoutOneKeepsTheShipments) {
  EXPECT_EQ(TrackingNumberAfter("TRK-1", ""), "TRK-1");
  EXPECT_EQ(TrackingNumberAfter("TRK-1", "TRK-2"), "TRK-2");
  EXPECT_EQ(TrackingNumberAfter("", "TRK-2"), "TRK-2");
}

TEST(ApplyJournalTest, DeliveredBeforeShippedAnnouncesShippedThenDelivered) {
  JournalChange change =
      ApplyJournal(v1::SHIPMENT_KIND_OUTBOUND, v1::SHIPMENT_STATUS_PACKED, false,
                   {{v1::SHIPMENT_EVENT_TYPE_PACKED, 1}, {v1::SHIPMENT_EVENT_TYPE_DELIVERED, 30}});
  EXPECT_EQ(change.status, v1::SHIPMENT_STATUS_DELIVERED);
  EXPECT_TRUE(change.shipped);
  EXPECT_EQ(change.outbox,
            (std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED,
                                              v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERED}));
}

TEST(ApplyJournalTest, ALateEventChangesNothing) {
  JournalChange change = ApplyJournal(
      v1::SHIPMENT_KIND_RETURN, v1::SHIPMENT_STATUS_RECEIVED, true,
      {{v1::SHIPMENT_EVENT_TYPE_RECEIVED, 40}, {v1::SHIPMENT_EVENT_TYPE_IN_TRANSIT, 20}});
  EXPECT_EQ(change.status, v1::SHIPMENT_STATUS_RECEIVED);
  EXPECT_TRUE(change.shipped);
  EXPECT_TRUE(change.outbox.empty());
}

}  // namespace
}  // namespace oms::shipping
