// Shipments on a real PostgreSQL: every read, all-or-none creation, idempotency, cancel before
// create (tombstones), refusal after shipping.
#include <future>

#include "common/status.h"
#include "shipping-service/tests/shipping_store_fixture.h"

namespace oms::shipping {
namespace {

TEST_F(ShippingStoreTest, CreatesOneShipmentPerGroupWithCarrierFreightAndPickList) {
  auto shipments = Create("ord-1");
  ASSERT_EQ(shipments.size(), 2u);
  const v1::Shipment& first = shipments[0];
  EXPECT_EQ(first.order_id(), "ord-1");
  EXPECT_EQ(first.kind(), v1::SHIPMENT_KIND_OUTBOUND);
  EXPECT_EQ(first.warehouse_id(), "11111111-1111-4111-8111-111111111111");
  EXPECT_EQ(first.status(), v1::SHIPMENT_STATUS_PENDING);
  EXPECT_EQ(first.address().city(), "Berlin");
  EXPECT_EQ(first.carrier(), "DHL");  // the seeded German parcel rule
  EXPECT_EQ(first.transport_mode(), v1::TRANSPORT_MODE_GROUND);
  EXPECT_EQ(first.freight().total_weight_grams(), 1'800);
  EXPECT_EQ(first.freight().package_count(), 1);
  EXPECT_EQ(first.freight().estimated_cost().currency(), "EUR");
  EXPECT_EQ(first.freight().estimated_cost().amount_minor(), 499 + 2 * 40);
  ASSERT_EQ(first.pick_list().lines_size(), 2);
  EXPECT_EQ(first.pick_list().lines(0).sku(), "BOOK");
  EXPECT_EQ(shipments[1].warehouse_id(), "22222222-2222-4222-8222-222222222222");

  v1::Shipment read = Get(first.id());
  EXPECT_EQ(read.lines_size(), 2);
  EXPECT_EQ(read.lines(0).sku(), "MUG");
  EXPECT_EQ(read.pick_list().lines_size(), 2);
  EXPECT_EQ(read.freight().estimated_cost().amount_minor(), 579);

  v1::ListShipmentsResponse listed;
  ASSERT_TRUE(store_->ListShipments("ord-1", &listed).ok());
  ASSERT_EQ(listed.shipments_size(), 2);
  EXPECT_EQ(listed.shipments(1).lines(0).sku(), "LAMP");
  v1::ListShipmentsResponse none;
  ASSERT_TRUE(store_->ListShipments("ord-404", &none).ok());
  EXPECT_EQ(none.shipments_size(), 0);
  EXPECT_EQ(store_->GetShipment("0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10", &read).code(),
            absl::StatusCode::kNotFound);

  auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 2u);
  EXPECT_EQ(outbox[0].sequence(), 1);
  EXPECT_EQ(outbox[0].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED);
  EXPECT_EQ(outbox[0].shipment_id(), first.id());
  EXPECT_EQ(outbox[1].sequence(), 2);
  // Both written by one transaction: its time, read from the rows.
  EXPECT_GT(outbox[0].create_time().seconds(), 0);
  EXPECT_EQ(outbox[1].create_time().seconds(), outbox[0].create_time().seconds());
  EXPECT_EQ(outbox[1].create_time().nanos(), outbox[0].create_time().nanos());
}

TEST_F(ShippingStoreTest, CreateIsIdempotentByRequestId) {
  auto first = Create("ord-1");
  auto again = Create("ord-1");
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].id(), first[0].id());
  EXPECT_EQ(again[1].id(), first[1].id());
  EXPECT_EQ(Query("SELECT count(*) FROM shipments"), 2);
  EXPECT_EQ(Outbox().size(), 2u);

  // Concurrent repeats: one effect.
  std::vector<std::future<absl::Status>> racers;
  for (int i = 0; i < 4; ++i) {
    racers.push_back(std::async(std::launch::async, [this] {
      v1::CreateShipmentsResponse response;
      return store_->CreateShipments(CreateRequest("ord-2"), &response);
    }));
  }
  for (auto& racer : racers) EXPECT_TRUE(racer.get().ok());
  EXPECT_EQ(Query("SELECT count(*) FROM shipments WHERE order_id = 'ord-2'"), 2);

  auto changed = CreateRequest("ord-1");
  changed.mutable_groups(0)->mutable_lines(0)->set_quantity(9);
  v1::CreateShipmentsResponse response;
  absl::Status reused = store_->CreateShipments(changed, &response);
  EXPECT_EQ(reused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(reused), "IDEMPOTENCY_KEY_REUSED");

  auto other = CreateRequest("ord-1");
  other.set_request_id("someone-else");
  absl::Status exists = store_->CreateShipments(other, &response);
  EXPECT_EQ(exists.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(exists), "SHIPMENTS_EXIST");
}

TEST_F(ShippingStoreTest, UnservedDestinationCreatesNothing) {
  v1::CreateShipmentsResponse response;
  absl::Status status = store_->CreateShipments(CreateRequest("ord-1", "ZZ"), &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(status), "DESTINATION_NOT_SERVED");

  // Switzerland has parcel service only: the light group would fit, the heavy one does not, and
  // neither is created.
  auto request = CreateRequest("ord-2", "CH");
  AddLine(request.mutable_groups(1), "PIANO", 1, 250'000);
  status = store_->CreateShipments(request, &response);
  EXPECT_EQ(ReasonOf(status), "DESTINATION_NOT_SERVED");
  EXPECT_EQ(Query("SELECT count(*) FROM shipments"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM outbox_events"), 0);
  // The refusals are the answers to their request ids; nothing else is kept.
  EXPECT_EQ(Query("SELECT count(*) FROM request_results WHERE refusal_code = 9"), 2);
  EXPECT_EQ(Query("SELECT count(*) FROM request_results WHERE response IS NOT NULL"), 0);

  // No groups: only whether a carrier serves the destination; nothing is created either way.
  auto check = CreateRequest("ord-5", "ZZ");
  check.clear_groups();
  EXPECT_EQ(ReasonOf(store_->CreateShipments(check, &response)), "DESTINATION_NOT_SERVED");
  check = CreateRequest("ord-6");
  check.clear_groups();
  absl::Status served = store_->CreateShipments(check, &response);
  ASSERT_TRUE(served.ok()) << served;
  EXPECT_TRUE(response.shipments().empty());
  EXPECT_EQ(Query("SELECT count(*) FROM shipments"), 0);

  // Heavy freight inside the EU goes by rail.
  request = CreateRequest("ord-3", "DE");
  AddLine(request.mutable_groups(1), "PIANO", 1, 250'000);
  ASSERT_TRUE(store_->CreateShipments(request, &response).ok());
  EXPECT_EQ(response.shipments(1).transport_mode(), v1::TRANSPORT_MODE_RAIL);
  EXPECT_EQ(response.shipments(1).freight().package_count(), 13);  // 253 kg in 20 kg parcels
}

// A refusal is the answer to its request id: a late duplicate of a refused create makes no
// shipment once the destination is served.
TEST_F(ShippingStoreTest, ARefusedCreateIsRefusedAgainOnItsRequestIdOnceTheDestinationIsServed) {
  const auto request = CreateRequest("ord-1", "ZZ");
  v1::CreateShipmentsResponse response;
  absl::Status refused = store_->CreateShipments(request, &response);
  ASSERT_EQ(ReasonOf(refused), "DESTINATION_NOT_SERVED");
  Query(
      "INSERT INTO carrier_rules (country, max_weight_grams, carrier, service_level, "
      "transport_mode, currency, base_cost_minor, per_kg_cost_minor) "
      "VALUES ('ZZ', 31500, 'Zed Post', 'STANDARD', 'GROUND', 'EUR', 499, 40) RETURNING 1");

  absl::Status again = store_->CreateShipments(request, &response);
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(again), "DESTINATION_NOT_SERVED");
  EXPECT_EQ(again.message(), refused.message());
  EXPECT_EQ(Query("SELECT count(*) FROM shipments"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM outbox_events"), 0);
}

TEST_F(ShippingStoreTest, CancelBeforeCreateLeavesATombstoneThatRefusesTheLateCreate) {
  auto cancelled = CancelByOrder("ord-1:cancel", "ord-1");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_TRUE(cancelled->tombstoned());
  EXPECT_EQ(cancelled->shipments_size(), 0);
  // Repeated: the same answer.
  auto again = CancelByOrder("ord-1:cancel", "ord-1");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->tombstoned());

  v1::CreateShipmentsResponse response;
  absl::Status late = store_->CreateShipments(CreateRequest("ord-1"), &response);
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(late), "SHIPMENT_CANCELLED");
  EXPECT_EQ(Query("SELECT count(*) FROM shipments"), 0);

  // A tombstone for one warehouse refuses a create that includes it, not one that does not.
  ASSERT_TRUE(
      CancelByOrder("ord-2:cancel-wh-2", "ord-2", "22222222-2222-4222-8222-222222222222").ok());
  EXPECT_EQ(ReasonOf(store_->CreateShipments(CreateRequest("ord-2"), &response)),
            "SHIPMENT_CANCELLED");
  auto only_first = CreateRequest("ord-2");
  only_first.set_request_id("ord-2:create_shipments-first-warehouse");  // the other was refused
  only_first.mutable_groups()->RemoveLast();
  EXPECT_TRUE(store_->CreateShipments(only_first, &response).ok());
}

TEST_F(ShippingStoreTest, CancelIsIdempotentAndRefusedOnceShipped) {
  auto shipments = Create("ord-1");
  ASSERT_TRUE(Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 1).ok());
  const auto before = Outbox().size();

  auto cancelled = CancelById("c-1", shipments[1].id());
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  ASSERT_EQ(cancelled->shipments_size(), 1);
  EXPECT_EQ(cancelled->shipments(0).status(), v1::SHIPMENT_STATUS_CANCELLED);
  EXPECT_EQ(cancelled->shipments(0).lines_size(), 1);
  EXPECT_EQ(Get(shipments[1].id()).status(), v1::SHIPMENT_STATUS_CANCELLED);
  auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), before + 1);
  EXPECT_EQ(outbox.back().type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_CANCELLED);

  // Again, with the same and with another request id: OK, nothing more happens.
  ASSERT_TRUE(CancelById("c-1", shipments[1].id()).ok());
  auto repeat = CancelById("c-2", shipments[1].id());
  ASSERT_TRUE(repeat.ok());
  EXPECT_EQ(repeat->shipments(0).status(), v1::SHIPMENT_STATUS_CANCELLED);
  EXPECT_EQ(Outbox().size(), before + 1);

  auto shipped = CancelById("c-3", shipments[0].id());
  EXPECT_EQ(shipped.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(shipped.status()), "SHIPMENT_ALREADY_SHIPPED");
  auto by_order = CancelByOrder("c-4", "ord-1");
  EXPECT_EQ(ReasonOf(by_order.status()), "SHIPMENT_ALREADY_SHIPPED");
  EXPECT_EQ(Get(shipments[0].id()).status(), v1::SHIPMENT_STATUS_SHIPPED);

  auto refused = Event(shipments[1].id(), v1::SHIPMENT_EVENT_TYPE_PICKED, 2);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(refused.status()), "SHIPMENT_CANCELLED");
  EXPECT_EQ(Get(shipments[1].id()).journal_size(), 0);

  EXPECT_EQ(CancelById("c-5", "0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ShippingStoreTest, CancelByOrderCancelsEveryUnshippedShipment) {
  auto shipments = Create("ord-1");
  ASSERT_TRUE(Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_PACKED, 1).ok());
  auto cancelled = CancelByOrder("c-1", "ord-1");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_FALSE(cancelled->tombstoned());
  ASSERT_EQ(cancelled->shipments_size(), 2);
  for (const auto& shipment : cancelled->shipments()) {
    EXPECT_EQ(shipment.status(), v1::SHIPMENT_STATUS_CANCELLED);
  }
  EXPECT_EQ(OutboxTypes(3),
            (std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_SHIPMENT_CANCELLED,
                                              v1::OUTBOX_EVENT_TYPE_SHIPMENT_CANCELLED}));
}

// A warehouse's pick queue: its outbound shipments not yet shipped, oldest first, page by page,
// with lines and pick lists; a shipped or cancelled shipment, another warehouse's, and a return
// are not in it.
TEST_F(ShippingStoreTest, APickQueueHoldsAWarehousesOpenOutboundShipmentsOldestFirst) {
  const std::string warehouse = "11111111-1111-4111-8111-111111111111";
  std::vector<std::string> first_group;  // each order's shipment from `warehouse`, in order
  for (const char* order : {"order-q1", "order-q2", "order-q3", "order-q4"}) {
    for (const auto& shipment : Create(order)) {
      if (shipment.warehouse_id() == warehouse) first_group.push_back(shipment.id());
    }
  }
  ASSERT_EQ(first_group.size(), 4u);
  ASSERT_TRUE(Event(first_group[0], v1::SHIPMENT_EVENT_TYPE_PICKED, 1).ok());
  ASSERT_TRUE(Event(first_group[1], v1::SHIPMENT_EVENT_TYPE_SHIPPED, 1).ok());
  ASSERT_TRUE(CancelById("cancel-q3", first_group[2]).ok());

  auto page = [&](PickQueueQuery query) {
    v1::ListPickQueueResponse response;
    EXPECT_TRUE(store_->ListPickQueue(query, &response).ok());
    return response;
  };
  PickQueueQuery query;
  query.warehouse_id = warehouse;
  v1::ListPickQueueResponse open = page(query);
  ASSERT_EQ(open.shipments_size(), 2);
  EXPECT_EQ(open.shipments(0).id(), first_group[0]);  // PICKED, the oldest
  EXPECT_EQ(open.shipments(1).id(), first_group[3]);  // PENDING
  EXPECT_EQ(open.shipments(0).lines_size(), 2);
  EXPECT_TRUE(open.shipments(0).has_pick_list());
  EXPECT_TRUE(open.next_page_token().empty());

  query.status = v1::SHIPMENT_STATUS_PENDING;
  v1::ListPickQueueResponse pending = page(query);
  ASSERT_EQ(pending.shipments_size(), 1);
  EXPECT_EQ(pending.shipments(0).id(), first_group[3]);

  // One at a time: the same two, then no token.
  query.status = v1::SHIPMENT_STATUS_UNSPECIFIED;
  query.limit = 1;
  v1::ListPickQueueResponse first = page(query);
  ASSERT_EQ(first.shipments_size(), 1);
  EXPECT_EQ(first.shipments(0).id(), first_group[0]);
  ASSERT_FALSE(first.next_page_token().empty());
  v1::ListPickQueueRequest next;
  next.set_warehouse_id(warehouse);
  next.set_page_size(1);
  next.set_page_token(first.next_page_token());
  auto resumed = ReadPickQueueRequest(next);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  v1::ListPickQueueResponse second = page(*resumed);
  ASSERT_EQ(second.shipments_size(), 1);
  EXPECT_EQ(second.shipments(0).id(), first_group[3]);
  EXPECT_TRUE(second.next_page_token().empty());

  query.warehouse_id = "33333333-3333-4333-8333-333333333333";
  EXPECT_EQ(page(query).shipments_size(), 0);
}

}  // namespace
}  // namespace oms::shipping
