// The shipment journal on a real PostgreSQL: deduplication, status derivation, proof of delivery,
// idempotency by request id, and the outbox events a journal change announces.
#include "shipping-service/tests/shipping_store_fixture.h"

namespace oms::shipping {
namespace {

TEST_F(ShippingStoreTest, JournalDerivesStatusDeduplicatesAndNeverGoesBack) {
  const std::string id = Create("ord-1")[0].id();
  auto picked = Event(id, v1::SHIPMENT_EVENT_TYPE_PICKED, 1);
  ASSERT_TRUE(picked.ok()) << picked.status();
  EXPECT_TRUE(picked->status_changed());
  EXPECT_EQ(picked->status(), v1::SHIPMENT_STATUS_PICKED);

  v1::RecordShipmentEventRequest shipped;
  shipped.set_shipment_id(id);
  shipped.set_type(v1::SHIPMENT_EVENT_TYPE_SHIPPED);
  *shipped.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(kT0 + 120'000'000);
  shipped.set_tracking_number("TRK-1");
  shipped.set_carrier_event_id("dhl-1");
  v1::RecordShipmentEventResponse response;
  ASSERT_TRUE(store_->RecordShipmentEvent(shipped, &response).ok());
  EXPECT_EQ(response.status(), v1::SHIPMENT_STATUS_SHIPPED);

  v1::RecordShipmentEventRequest delivered;
  delivered.set_shipment_id(id);
  delivered.set_type(v1::SHIPMENT_EVENT_TYPE_DELIVERED);
  *delivered.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(kT0 + 600'000'000);
  delivered.mutable_proof()->set_uri("https://pod.example/1.jpg");
  delivered.mutable_proof()->set_content_type("image/jpeg");
  delivered.mutable_proof()->set_sha256(std::string(64, 'e'));
  ASSERT_TRUE(store_->RecordShipmentEvent(delivered, &response).ok());
  EXPECT_EQ(response.status(), v1::SHIPMENT_STATUS_DELIVERED);

  // A late IN_TRANSIT: journaled, status unchanged, no outbox event.
  auto late = Event(id, v1::SHIPMENT_EVENT_TYPE_IN_TRANSIT, 5);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->duplicate());
  EXPECT_FALSE(late->status_changed());
  EXPECT_EQ(late->status(), v1::SHIPMENT_STATUS_DELIVERED);

  // Repeats: by carrier event id (even with another time), and by type and time.
  shipped.mutable_occurred_at()->set_seconds(shipped.occurred_at().seconds() + 7);
  ASSERT_TRUE(store_->RecordShipmentEvent(shipped, &response).ok());
  EXPECT_TRUE(response.duplicate());
  EXPECT_EQ(response.entry().carrier_event_id(), "dhl-1");
  EXPECT_EQ(response.status(), v1::SHIPMENT_STATUS_DELIVERED);
  auto again = Event(id, v1::SHIPMENT_EVENT_TYPE_IN_TRANSIT, 5);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate());
  EXPECT_EQ(again->entry().id(), late->entry().id());

  v1::Shipment shipment = Get(id);
  EXPECT_EQ(shipment.status(), v1::SHIPMENT_STATUS_DELIVERED);
  EXPECT_EQ(shipment.tracking_number(), "TRK-1");
  ASSERT_EQ(shipment.journal_size(), 4);
  EXPECT_EQ(shipment.journal(2).type(), v1::SHIPMENT_EVENT_TYPE_DELIVERED);
  EXPECT_EQ(shipment.journal(2).proof().sha256(), std::string(64, 'e'));
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(shipment.journal(2).occurred_at()),
            kT0 + 600'000'000);
  EXPECT_GT(shipment.journal(2).recorded_at().seconds(), 0);
  EXPECT_EQ(shipment.journal(3).type(), v1::SHIPMENT_EVENT_TYPE_IN_TRANSIT);

  auto outbox = Outbox(2);  // after the two SHIPMENT_CREATED
  ASSERT_EQ(outbox.size(), 3u);
  EXPECT_EQ(outbox[0].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED);
  EXPECT_EQ(outbox[1].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED);
  ASSERT_EQ(outbox[1].lines_size(), 2);  // what shipped, for inventory and billing
  EXPECT_EQ(outbox[1].lines(0).sku(), "MUG");
  EXPECT_EQ(outbox[1].cause().carrier_event_id(), "dhl-1");
  EXPECT_EQ(outbox[2].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERED);
  EXPECT_EQ(outbox[2].status(), v1::SHIPMENT_STATUS_DELIVERED);

  auto received = Event(id, v1::SHIPMENT_EVENT_TYPE_RECEIVED, 20);
  EXPECT_EQ(received.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Event("0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10", v1::SHIPMENT_EVENT_TYPE_PICKED, 1)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ShippingStoreTest, EventRequestIdsAreIdempotentToo) {
  const std::string id = Create("ord-1")[0].id();
  v1::RecordShipmentEventRequest request;
  request.set_request_id("evt-1");
  request.set_shipment_id(id);
  request.set_type(v1::SHIPMENT_EVENT_TYPE_PICKED);
  *request.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(kT0);
  v1::RecordShipmentEventResponse first;
  ASSERT_TRUE(store_->RecordShipmentEvent(request, &first).ok());
  v1::RecordShipmentEventResponse second;
  ASSERT_TRUE(store_->RecordShipmentEvent(request, &second).ok());
  EXPECT_FALSE(second.duplicate());  // the stored first answer, replayed
  EXPECT_EQ(second.entry().id(), first.entry().id());
  EXPECT_EQ(Get(id).journal_size(), 1);
}

// A caller bound to a warehouse records events on that warehouse's shipments only; another's
// answers exactly as a missing shipment does, and its journal stays as it was.
TEST_F(ShippingStoreTest, AWarehouseBoundCallerSeesOnlyItsWarehousesShipments) {
  const auto shipments = Create("ord-1");
  ASSERT_EQ(shipments.size(), 2u);
  const v1::Shipment& ours = shipments[0];
  const v1::Shipment& theirs = shipments[1];
  ASSERT_NE(ours.warehouse_id(), theirs.warehouse_id());
  auto bound = [&](const std::string& shipment_id) {
    v1::RecordShipmentEventRequest request;
    request.set_shipment_id(shipment_id);
    request.set_warehouse_id(ours.warehouse_id());
    request.set_type(v1::SHIPMENT_EVENT_TYPE_PICKED);
    *request.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(kT0);
    v1::RecordShipmentEventResponse response;
    return store_->RecordShipmentEvent(request, &response);
  };
  EXPECT_TRUE(bound(ours.id()).ok());
  const std::string missing_id = "00000000-0000-4000-8000-000000000000";
  const absl::Status foreign = bound(theirs.id());
  const absl::Status missing = bound(missing_id);
  EXPECT_EQ(foreign.code(), absl::StatusCode::kNotFound) << foreign;
  std::string foreign_message(foreign.message());
  foreign_message.replace(foreign_message.find(theirs.id()), theirs.id().size(), missing_id);
  EXPECT_EQ(foreign_message, missing.message());
  EXPECT_EQ(Get(theirs.id()).journal_size(), 0);
  EXPECT_EQ(Get(ours.id()).journal_size(), 1);
}

TEST_F(ShippingStoreTest, DeliveredBeforeShippedStillAnnouncesShippedFirst) {
  const std::string id = Create("ord-1")[0].id();
  ASSERT_TRUE(Event(id, v1::SHIPMENT_EVENT_TYPE_PACKED, 1).ok());
  ASSERT_TRUE(Event(id, v1::SHIPMENT_EVENT_TYPE_DELIVERED, 30).ok());
  ASSERT_TRUE(Event(id, v1::SHIPMENT_EVENT_TYPE_SHIPPED, 3).ok());  // late: changes nothing
  EXPECT_EQ(OutboxTypes(2),
            (std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_SHIPMENT_PACKED,
                                              v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED,
                                              v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERED}));
}

}  // namespace
}  // namespace oms::shipping
