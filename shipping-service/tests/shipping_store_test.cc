// PgShippingStore against a real PostgreSQL: every call, all-or-none creation, idempotency,
// cancel before create, refusal after shipping, the journal's deduplication and status
// derivation, returns, and the outbox: dense sequences in commit order.
#include "shipping-service/src/shipping_store.h"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "common/testing/pg_test_database.h"
#include "shipping-service/src/schema.h"

namespace oms::shipping {
namespace {

using google::protobuf::util::TimeUtil;

constexpr std::int64_t kT0 = 1'760'000'000LL * 1'000'000;  // 2025-10-09, in microseconds

class ShippingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    ASSERT_TRUE(ApplyMigrations(db_.url(), Migrations()).ok());
    auto pool = PgPool::Create(
        {db_.url(), 6, std::chrono::seconds(10), PgShippingStore::Statements()}, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    store_ = std::make_unique<PgShippingStore>(*pool_, nullptr);
  }

  static v1::CreateShipmentsRequest CreateRequest(const std::string& order_id,
                                                  const std::string& country = "DE") {
    v1::CreateShipmentsRequest request;
    request.set_request_id(order_id + ":create_shipments");
    request.set_order_id(order_id);
    auto* to = request.mutable_destination();
    to->set_name("Ada");
    to->set_line1("1 Main St");
    to->set_city("Berlin");
    to->set_country(country);
    auto* first = request.add_groups();
    first->set_warehouse_id("11111111-1111-4111-8111-111111111111");
    AddLine(first, "MUG", 2, 400);
    AddLine(first, "BOOK", 1, 1'000);
    auto* second = request.add_groups();
    second->set_warehouse_id("22222222-2222-4222-8222-222222222222");
    AddLine(second, "LAMP", 1, 3'000);
    return request;
  }

  static void AddLine(v1::AllocationGroup* group, const std::string& sku, std::int64_t quantity,
                      std::int64_t grams) {
    auto* line = group->add_lines();
    line->set_sku(sku);
    line->set_quantity(quantity);
    line->set_unit_weight_grams(grams);
  }

  std::vector<v1::Shipment> Create(const std::string& order_id) {
    v1::CreateShipmentsResponse response;
    absl::Status status = store_->CreateShipments(CreateRequest(order_id), &response);
    EXPECT_TRUE(status.ok()) << status;
    return {response.shipments().begin(), response.shipments().end()};
  }

  absl::StatusOr<v1::RecordShipmentEventResponse> Event(const std::string& shipment_id,
                                                        v1::ShipmentEventType type,
                                                        std::int64_t minute,
                                                        const std::string& carrier_id = "") {
    v1::RecordShipmentEventRequest request;
    request.set_shipment_id(shipment_id);
    request.set_type(type);
    *request.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(kT0 + minute * 60'000'000);
    request.set_carrier_event_id(carrier_id);
    request.set_location("Hub " + std::to_string(minute));
    v1::RecordShipmentEventResponse response;
    absl::Status status = store_->RecordShipmentEvent(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::CancelShipmentResponse> CancelById(const std::string& request_id,
                                                        const std::string& shipment_id) {
    v1::CancelShipmentRequest request;
    request.set_request_id(request_id);
    request.set_shipment_id(shipment_id);
    v1::CancelShipmentResponse response;
    absl::Status status = store_->CancelShipment(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::CancelShipmentResponse> CancelByOrder(const std::string& request_id,
                                                           const std::string& order_id,
                                                           const std::string& warehouse_id = "") {
    v1::CancelShipmentRequest request;
    request.set_request_id(request_id);
    request.mutable_order()->set_order_id(order_id);
    request.mutable_order()->set_warehouse_id(warehouse_id);
    v1::CancelShipmentResponse response;
    absl::Status status = store_->CancelShipment(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  std::vector<v1::OutboxEvent> Outbox(std::int64_t after = 0) {
    v1::ListEventsResponse response;
    absl::Status status = store_->ListEvents(after, kMaxEventsLimit, &response);
    EXPECT_TRUE(status.ok()) << status;
    return {response.events().begin(), response.events().end()};
  }

  std::vector<v1::OutboxEventType> OutboxTypes(std::int64_t after = 0) {
    std::vector<v1::OutboxEventType> types;
    for (const auto& event : Outbox(after)) types.push_back(event.type());
    return types;
  }

  long long Query(const std::string& sql) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    return tx.exec1(sql)[0].as<long long>();
  }

  v1::Shipment Get(const std::string& id) {
    v1::Shipment shipment;
    absl::Status status = store_->GetShipment(id, &shipment);
    EXPECT_TRUE(status.ok()) << status;
    return shipment;
  }

  testing::PgTestDatabase db_{"shipping"};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgShippingStore> store_;
};

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
  EXPECT_EQ(Query("SELECT count(*) FROM request_results"), 0);

  // Heavy freight inside the EU goes by rail.
  request = CreateRequest("ord-3", "DE");
  AddLine(request.mutable_groups(1), "PIANO", 1, 250'000);
  ASSERT_TRUE(store_->CreateShipments(request, &response).ok());
  EXPECT_EQ(response.shipments(1).transport_mode(), v1::TRANSPORT_MODE_RAIL);
  EXPECT_EQ(response.shipments(1).freight().package_count(), 13);  // 253 kg in 20 kg parcels
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
  too_many.mutable_lines(0)->set_quantity(1);
  ASSERT_TRUE(store_->CreateReturnShipment(too_many, &replay).ok());

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

TEST_F(ShippingStoreTest, ListEventsPagesFromTheCursor) {
  Create("ord-1");
  Create("ord-2");
  v1::ListEventsResponse page;
  ASSERT_TRUE(store_->ListEvents(0, 3, &page).ok());
  ASSERT_EQ(page.events_size(), 3);
  EXPECT_EQ(page.last_sequence(), 3);
  ASSERT_TRUE(store_->ListEvents(page.last_sequence(), 3, &page).ok());
  ASSERT_EQ(page.events_size(), 1);
  EXPECT_EQ(page.events(0).sequence(), 4);
  EXPECT_EQ(page.events(0).order_id(), "ord-2");
  ASSERT_TRUE(store_->ListEvents(4, 3, &page).ok());
  EXPECT_EQ(page.events_size(), 0);
  EXPECT_EQ(page.last_sequence(), 4);
}

// The design point: a writer that took sequence N and has not committed holds back every later
// writer, so a reader never sees N+1 before N and never skips N.
TEST_F(ShippingStoreTest, OutboxSequencesFollowCommitOrderWhenAWriterIsHeldOpen) {
  const std::string id = Create("ord-1")[0].id();  // sequences 1 and 2
  pqxx::connection held_connection(db_.url());
  pqxx::work held(held_connection);
  // Exactly what WriteOutbox does, left uncommitted.
  const long long held_sequence =
      held.exec1("UPDATE outbox_counter SET last = last + 1 WHERE id = 1 RETURNING last")[0]
          .as<long long>();
  ASSERT_EQ(held_sequence, 3);
  v1::OutboxEvent held_event;
  held_event.set_sequence(held_sequence);
  held_event.set_type(v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED);
  held_event.set_shipment_id(id);
  std::string payload;
  held_event.SerializeToString(&payload);
  held.exec(
      "INSERT INTO outbox_events (sequence, type, shipment_id, order_id, payload) VALUES "
      "(3, 'SHIPMENT_PICKED', " +
      held.quote(id) + ", 'ord-1', decode(" + held.quote(absl::BytesToHexString(payload)) +
      ", 'hex'))");

  auto writer = std::async(std::launch::async,
                           [&] { return Event(id, v1::SHIPMENT_EVENT_TYPE_PACKED, 2).status(); });
  // Wait (with a deadline) until the store's writer is blocked on the counter row.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool blocked = false;
  while (!blocked && std::chrono::steady_clock::now() < deadline) {
    blocked = Query(
                  "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND wait_event_type = 'Lock'") > 0;
    if (!blocked) std::this_thread::yield();
  }
  ASSERT_TRUE(blocked) << "the second writer never waited for the counter";
  EXPECT_EQ(writer.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  EXPECT_TRUE(Outbox(2).empty());  // neither is visible: nothing to skip past

  held.commit();
  ASSERT_TRUE(writer.get().ok());
  auto outbox = Outbox(2);
  ASSERT_EQ(outbox.size(), 2u);
  EXPECT_EQ(outbox[0].sequence(), 3);
  EXPECT_EQ(outbox[0].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED);
  EXPECT_EQ(outbox[1].sequence(), 4);
  EXPECT_EQ(outbox[1].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_PACKED);
}

// Many concurrent writers and a reader that follows its cursor: every read is a contiguous
// continuation, and at the end the reader has seen every event exactly once.
TEST_F(ShippingStoreTest, AConcurrentReaderNeverSkipsASequence) {
  constexpr int kOrders = 12;
  std::atomic<bool> writing{true};
  std::vector<std::future<void>> writers;
  for (int w = 0; w < 3; ++w) {
    writers.push_back(std::async(std::launch::async, [this, w] {
      for (int o = w; o < kOrders; o += 3) {
        auto shipments = Create("ord-" + std::to_string(o));
        for (const auto& shipment : shipments) {
          EXPECT_TRUE(Event(shipment.id(), v1::SHIPMENT_EVENT_TYPE_PICKED, 1).ok());
          EXPECT_TRUE(Event(shipment.id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 2).ok());
        }
      }
    }));
  }
  auto done = std::async(std::launch::async, [&] {
    for (auto& writer : writers) writer.get();
    writing = false;
  });
  std::int64_t cursor = 0;
  std::int64_t seen = 0;
  for (bool last_round = false;;) {
    const bool finished = !writing;  // read once more after the writers are done
    v1::ListEventsResponse page;
    ASSERT_TRUE(store_->ListEvents(cursor, 7, &page).ok());
    for (const auto& event : page.events()) {
      ASSERT_EQ(event.sequence(), cursor + 1) << "skipped or repeated a sequence";
      cursor = event.sequence();
      ++seen;
    }
    if (last_round && page.events_size() == 0) break;
    last_round = finished;
  }
  done.get();
  EXPECT_EQ(seen, kOrders * 2 * 3);  // per order: 2 created, 2 picked, 2 shipped
  EXPECT_EQ(seen, Query("SELECT count(*) FROM outbox_events"));
}

}  // namespace
}  // namespace oms::shipping
