// Return shipments on a real PostgreSQL: only what was delivered and not yet returned, one per
// return id, and the journal of their receipt.
#include "common/status.h"
#include "shipping-service/tests/shipping_store_fixture.h"

namespace oms::shipping {
namespace {

TEST_F(ShippingStoreTest, ReturnsTakeBackOnlyWhatWasDeliveredAndJournalTheirReceipt) {
  auto shipments = Create("ord-1");
  v1::CreateReturnShipmentRequest request;
  request.set_request_id("rma-1:create");
  request.set_order_id("ord-1");
  request.set_return_id("rma-1");
  request.set_warehouse_id("11111111-1111-4111-8111-111111111111");
  request.mutable_pickup_address()->set_line1("1 Main St");
  request.mutable_pickup_address()->set_city("Berlin");
  request.mutable_pickup_address()->set_country("DE");
  auto* line = request.add_lines();
  line->set_sku("MUG");
  line->set_quantity(1);
  v1::Shipment created;
  absl::Status status = store_->CreateReturnShipment(request, &created);
  EXPECT_EQ(ReasonOf(status), "RETURN_EXCEEDS_DELIVERED");  // nothing delivered yet

  ASSERT_TRUE(Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_DELIVERED, 10).ok());
  // The refused request id keeps its refusal; the return is asked for again under a new one.
  EXPECT_EQ(ReasonOf(store_->CreateReturnShipment(request, &created)), "RETURN_EXCEEDS_DELIVERED");
  request.set_request_id("rma-1:create-after-delivery");
  ASSERT_TRUE(store_->CreateReturnShipment(request, &created).ok());
  EXPECT_EQ(created.kind(), v1::SHIPMENT_KIND_RETURN);
  EXPECT_EQ(created.return_id(), "rma-1");
  EXPECT_EQ(created.status(), v1::SHIPMENT_STATUS_PENDING);
  EXPECT_EQ(created.freight().total_weight_grams(), 400);
  EXPECT_FALSE(created.has_pick_list());
  v1::Shipment replay;
  ASSERT_TRUE(store_->CreateReturnShipment(request, &replay).ok());
  EXPECT_EQ(replay.id(), created.id());

  auto second = request;
  second.set_request_id("rma-1:again");
  EXPECT_EQ(ReasonOf(store_->CreateReturnShipment(second, &replay)), "RETURN_EXISTS");
  auto too_many = request;
  too_many.set_request_id("rma-2:create");
  too_many.set_return_id("rma-2");
  too_many.mutable_lines(0)->set_quantity(2);  // 2 delivered, 1 already on its way back
  EXPECT_EQ(ReasonOf(store_->CreateReturnShipment(too_many, &replay)), "RETURN_EXCEEDS_DELIVERED");
  auto one_more = too_many;
  one_more.set_request_id("rma-2:create-one");  // a corrected request is another request
  one_more.mutable_lines(0)->set_quantity(1);
  ASSERT_TRUE(store_->CreateReturnShipment(one_more, &replay).ok());

  EXPECT_EQ(Event(created.id(), v1::SHIPMENT_EVENT_TYPE_DELIVERED, 20).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(Event(created.id(), v1::SHIPMENT_EVENT_TYPE_IN_TRANSIT, 20).ok());
  auto received = Event(created.id(), v1::SHIPMENT_EVENT_TYPE_RECEIVED, 40);
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(received->status(), v1::SHIPMENT_STATUS_RECEIVED);

  auto outbox = Outbox();
  std::vector<v1::OutboxEventType> tail;
  for (std::size_t i = outbox.size() - 3; i < outbox.size(); ++i) tail.push_back(outbox[i].type());
  EXPECT_EQ(tail, (std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_RETURN_SHIPPED,
                                                    v1::OUTBOX_EVENT_TYPE_RETURN_IN_TRANSIT,
                                                    v1::OUTBOX_EVENT_TYPE_RETURN_RECEIVED}));
  EXPECT_EQ(outbox.back().return_id(), "rma-1");
  ASSERT_EQ(outbox.back().lines_size(), 1);
  EXPECT_EQ(outbox.back().lines(0).quantity(), 1);

  v1::ListShipmentsResponse listed;
  ASSERT_TRUE(store_->ListShipments("ord-1", &listed).ok());
  EXPECT_EQ(listed.shipments_size(), 4);
}

}  // namespace
}  // namespace oms::shipping
