// Backorder fills on a real PostgreSQL: the shipment of the units a receipt filled off an order's
// backorder queue may share a warehouse with the order's other shipments, carries the fill's
// sequence on every read and every event, is made once per fill whatever request asks again
// (two fills at one warehouse are two shipments), and its new statement is served by an index.
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "common/testing/query_plan.h"
#include "shipping-service/src/shipments_store.h"
#include "shipping-service/tests/shipping_store_fixture.h"

namespace oms::shipping {
namespace {

constexpr char kFirstWarehouse[] = "11111111-1111-4111-8111-111111111111";
constexpr char kSecondWarehouse[] = "22222222-2222-4222-8222-222222222222";

// One group of a fill: (warehouse, fill sequence, sku, quantity).
using FillGroup = std::tuple<std::string, std::int64_t, std::string, std::int64_t>;

class BackorderFillStoreTest : public ShippingStoreTest {
 protected:
  // The units of fills `groups` for `order_id`, one group each.
  absl::StatusOr<v1::CreateShipmentsResponse> Fill(const std::string& request_id,
                                                   const std::string& order_id,
                                                   const std::vector<FillGroup>& groups) {
    v1::CreateShipmentsRequest request = CreateRequest(order_id);
    request.set_request_id(request_id);
    request.clear_groups();
    for (const auto& [warehouse_id, sequence, sku, quantity] : groups) {
      auto* group = request.add_groups();
      group->set_warehouse_id(warehouse_id);
      group->set_backorder_fill_sequence(sequence);
      AddLine(group, sku, quantity, 400);
    }
    v1::CreateShipmentsResponse response;
    absl::Status status = store_->CreateShipments(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  std::multiset<std::int64_t> FillSequencesOf(const std::string& order_id) {
    v1::ListShipmentsResponse listed;
    absl::Status status = store_->ListShipments(order_id, &listed);
    EXPECT_TRUE(status.ok()) << status;
    std::multiset<std::int64_t> sequences;
    for (const auto& shipment : listed.shipments()) {
      sequences.insert(shipment.backorder_fill_sequence());
    }
    return sequences;
  }

  long long Shipments(const std::string& order_id) {
    return Query("SELECT count(*) FROM shipments WHERE order_id = '" + order_id + "'");
  }
};

std::string LinesText(const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines) {
  std::string text;
  for (const auto& line : lines) {
    text += line.sku() + "×" + std::to_string(line.quantity()) + "@" +
            std::to_string(line.unit_weight_grams()) + " ";
  }
  return text;
}

TEST_F(BackorderFillStoreTest, AFillShipsFromAWarehouseThatShipsTheOrderAlreadyAndSaysWhichFill) {
  auto shipments = Create("ord-1");  // a shipment from each warehouse
  const std::size_t outbox_before = Outbox().size();
  for (const auto& event : Outbox()) EXPECT_EQ(event.backorder_fill_sequence(), 0);

  // The first warehouse ships ord-1 already; a receipt there filled 3 MUGs as fill 7.
  auto created = Fill("ord-1:fill-7", "ord-1", {{kFirstWarehouse, 7, "MUG", 3}});
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->shipments_size(), 1);
  const v1::Shipment fill = created->shipments(0);
  EXPECT_NE(fill.id(), shipments[0].id());
  EXPECT_EQ(fill.backorder_fill_sequence(), 7);
  EXPECT_EQ(fill.warehouse_id(), kFirstWarehouse);
  EXPECT_EQ(fill.kind(), v1::SHIPMENT_KIND_OUTBOUND);
  EXPECT_EQ(fill.status(), v1::SHIPMENT_STATUS_PENDING);
  EXPECT_TRUE(fill.resourced_from_shipment_id().empty());
  EXPECT_EQ(LinesText(fill.lines()), "MUG×3@400 ");
  EXPECT_EQ(Query("SELECT backorder_fill_sequence FROM shipments WHERE id = '" + fill.id() + "'"),
            7);

  // Every read says the fill: GetShipment, ListShipments, the warehouse's pick queue.
  EXPECT_EQ(Get(fill.id()).backorder_fill_sequence(), 7);
  EXPECT_EQ(Get(shipments[0].id()).backorder_fill_sequence(), 0);
  EXPECT_EQ(FillSequencesOf("ord-1"), (std::multiset<std::int64_t>{0, 0, 7}));
  PickQueueQuery queue;
  queue.warehouse_id = kFirstWarehouse;
  v1::ListPickQueueResponse picking;
  ASSERT_TRUE(store_->ListPickQueue(queue, &picking).ok());
  std::multiset<std::int64_t> queued;
  for (const auto& shipment : picking.shipments()) {
    queued.insert(shipment.backorder_fill_sequence());
    if (shipment.id() == fill.id()) {
      EXPECT_EQ(LinesText(shipment.lines()), "MUG×3@400 ");
    }
  }
  EXPECT_EQ(queued, (std::multiset<std::int64_t>{0, 7}));

  // Every event of it says the fill too, up to the SHIPPED event after its journal entry.
  ASSERT_TRUE(Event(fill.id(), v1::SHIPMENT_EVENT_TYPE_PICKED, 60).ok());
  ASSERT_TRUE(Event(fill.id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 90).ok());
  std::vector<v1::OutboxEventType> types;
  for (const auto& event : Outbox(outbox_before)) {
    types.push_back(event.type());
    EXPECT_EQ(event.shipment_id(), fill.id());
    EXPECT_EQ(event.backorder_fill_sequence(), 7) << event.type();
    EXPECT_TRUE(event.resourced_from_shipment_id().empty()) << event.type();
  }
  EXPECT_EQ(types, (std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED,
                                                     v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED,
                                                     v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED}));
  const auto shipped = Outbox(outbox_before);
  EXPECT_EQ(shipped.back().cause().type(), v1::SHIPMENT_EVENT_TYPE_SHIPPED);
  EXPECT_EQ(LinesText(shipped.back().lines()), "MUG×3@400 ");
  EXPECT_EQ(Get(fill.id()).status(), v1::SHIPMENT_STATUS_SHIPPED);
  EXPECT_EQ(Get(fill.id()).backorder_fill_sequence(), 7);

  // The order's other shipments' events still say none.
  const std::size_t outbox_after = Outbox().size();
  ASSERT_TRUE(Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 95).ok());
  auto others = Outbox(outbox_after);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].shipment_id(), shipments[0].id());
  EXPECT_EQ(others[0].backorder_fill_sequence(), 0);
}

TEST_F(BackorderFillStoreTest, ARepeatMakesNothingNewAndAFillShipsOnce) {
  auto shipments = Create("ord-1");
  auto created = Fill("ord-1:fill-7", "ord-1", {{kFirstWarehouse, 7, "MUG", 3}});
  ASSERT_TRUE(created.ok()) << created.status();
  const long long shipments_after = Shipments("ord-1");
  const std::size_t outbox_after = Outbox().size();
  EXPECT_EQ(shipments_after, 3);

  // The same request: the first answer, nothing new.
  auto repeat = Fill("ord-1:fill-7", "ord-1", {{kFirstWarehouse, 7, "MUG", 3}});
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->SerializeAsString(), created->SerializeAsString());
  EXPECT_EQ(Shipments("ord-1"), shipments_after);
  EXPECT_EQ(Outbox().size(), outbox_after);

  // The same fill under another request id, from the same warehouse or another: refused.
  for (const auto& warehouse : {kFirstWarehouse, kSecondWarehouse}) {
    auto again =
        Fill(std::string("ord-1:fill-7-again-") + warehouse, "ord-1", {{warehouse, 7, "MUG", 3}});
    EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists) << again.status();
    EXPECT_EQ(ReasonOf(again.status()), "SHIPMENTS_EXIST") << again.status();
  }
  // Nor with another fill beside it: all or nothing.
  auto with_new = Fill("ord-1:fill-8-and-7", "ord-1",
                       {{kSecondWarehouse, 8, "LAMP", 1}, {kFirstWarehouse, 7, "MUG", 3}});
  EXPECT_EQ(ReasonOf(with_new.status()), "SHIPMENTS_EXIST") << with_new.status();
  EXPECT_EQ(Shipments("ord-1"), shipments_after);
  EXPECT_EQ(Outbox().size(), outbox_after);

  // The order's first groups are still made once.
  v1::CreateShipmentsResponse first_again;
  ASSERT_TRUE(store_->CreateShipments(CreateRequest("ord-1"), &first_again).ok());
  EXPECT_EQ(first_again.shipments(0).id(), shipments[0].id());
  auto plain = CreateRequest("ord-1");
  plain.set_request_id("ord-1:create-again");
  EXPECT_EQ(ReasonOf(store_->CreateShipments(plain, &first_again)), "SHIPMENTS_EXIST");
  EXPECT_EQ(FillSequencesOf("ord-1"), (std::multiset<std::int64_t>{0, 0, 7}));

  // The schema holds one shipment per fill of the order, whatever writes it.
  auto insert = [this](const std::string& warehouse_id, std::int64_t fill) {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec(
        "INSERT INTO shipments (order_id, kind, warehouse_id, status, address_line1, "
        "address_city, address_country, carrier, service_level, transport_mode, "
        "total_weight_grams, package_count, cost_currency, cost_minor, "
        "backorder_fill_sequence) VALUES ('ord-1', 'OUTBOUND', " +
        tx.quote(warehouse_id) +
        ", 'PENDING', '1 Main St', 'Berlin', 'DE', 'DHL', 'STANDARD', 'GROUND', 0, 1, 'EUR', 0, " +
        tx.quote(fill) + ")");
    tx.commit();
  };
  EXPECT_THROW(insert(kSecondWarehouse, 7), pqxx::unique_violation);
  EXPECT_THROW(insert(kFirstWarehouse, 7), pqxx::unique_violation);
  EXPECT_THROW(insert(kFirstWarehouse, 0), pqxx::unique_violation);  // a second first shipment
  EXPECT_NO_THROW(insert(kFirstWarehouse, 8));
  EXPECT_EQ(Shipments("ord-1"), shipments_after + 1);
}

TEST_F(BackorderFillStoreTest, TwoFillsAtOneWarehouseAreTwoShipments) {
  Create("ord-1");
  // Two fills at the first warehouse in two requests, two more in one request.
  auto seven = Fill("ord-1:fill-7", "ord-1", {{kFirstWarehouse, 7, "MUG", 1}});
  auto nine = Fill("ord-1:fill-9", "ord-1", {{kFirstWarehouse, 9, "MUG", 2}});
  auto both = Fill("ord-1:fill-11-12", "ord-1",
                   {{kFirstWarehouse, 11, "BOOK", 1}, {kFirstWarehouse, 12, "MUG", 1}});
  ASSERT_TRUE(seven.ok()) << seven.status();
  ASSERT_TRUE(nine.ok()) << nine.status();
  ASSERT_TRUE(both.ok()) << both.status();
  ASSERT_EQ(both->shipments_size(), 2);
  std::set<std::string> ids = {seven->shipments(0).id(), nine->shipments(0).id(),
                               both->shipments(0).id(), both->shipments(1).id()};
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(nine->shipments(0).backorder_fill_sequence(), 9);
  EXPECT_EQ(both->shipments(0).backorder_fill_sequence(), 11);
  EXPECT_EQ(both->shipments(1).backorder_fill_sequence(), 12);
  EXPECT_EQ(LinesText(nine->shipments(0).lines()), "MUG×2@400 ");
  EXPECT_EQ(Query("SELECT count(*) FROM shipments WHERE order_id = 'ord-1' AND warehouse_id = '" +
                  std::string(kFirstWarehouse) + "'"),
            5);
  EXPECT_EQ(FillSequencesOf("ord-1"), (std::multiset<std::int64_t>{0, 0, 7, 9, 11, 12}));

  // A cancellation of one says its fill too, in its answer and its event.
  const std::size_t outbox_before = Outbox().size();
  auto cancelled = CancelById("ord-1:cancel-9", nine->shipments(0).id());
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  ASSERT_EQ(cancelled->shipments_size(), 1);
  EXPECT_EQ(cancelled->shipments(0).backorder_fill_sequence(), 9);
  auto events = Outbox(outbox_before);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_CANCELLED);
  EXPECT_EQ(events[0].backorder_fill_sequence(), 9);
  // Cancelled, it is still the fill's shipment: no second one.
  EXPECT_EQ(
      ReasonOf(Fill("ord-1:fill-9-again", "ord-1", {{kFirstWarehouse, 9, "MUG", 2}}).status()),
      "SHIPMENTS_EXIST");
}

TEST_F(BackorderFillStoreTest, AFillMayComeBeforeTheOrdersFirstShipmentsButNotAfterACancel) {
  // Everything ord-2 ordered was backordered at first: a fill ships before any other shipment,
  // and the order's first groups are still made after it, at the same warehouse.
  auto fill = Fill("ord-2:fill-3", "ord-2", {{kFirstWarehouse, 3, "MUG", 1}});
  ASSERT_TRUE(fill.ok()) << fill.status();
  auto first = Create("ord-2");
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].warehouse_id(), kFirstWarehouse);
  EXPECT_EQ(first[0].backorder_fill_sequence(), 0);
  EXPECT_EQ(FillSequencesOf("ord-2"), (std::multiset<std::int64_t>{0, 0, 3}));

  // A cancellation of the order that came first refuses its fills as its first create.
  ASSERT_TRUE(CancelByOrder("ord-3:cancel", "ord-3").ok());
  auto refused = Fill("ord-3:fill-4", "ord-3", {{kFirstWarehouse, 4, "MUG", 1}});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_EQ(ReasonOf(refused.status()), "SHIPMENT_CANCELLED");
  EXPECT_EQ(Shipments("ord-3"), 0);
}

TEST_F(BackorderFillStoreTest, EveryStatementOfAFillIsServedByAnIndex) {
  testing::ExpectServedByIndexes(
      *pool_, ShipmentStatements(),
      {{"shipments_find_fill", "'ord-1', 7"}, {"shipments_count", "'ord-1', 'OUTBOUND', 0"}});
}

}  // namespace
}  // namespace oms::shipping
