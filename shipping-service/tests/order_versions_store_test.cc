// Order versions on a real PostgreSQL: after an edit cancelled an order's shipment, the order's
// new version ships again from that warehouse, carries its version on every read and every event,
// is made once per version whatever request asks again, and a shipped shipment still refuses
// its cancellation (what an edit racing a SHIPPED event relies on). Re-sourced shipments and
// replacements keep the version of the shipment they take over; the changed statement is served
// by an index.
#include <future>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/testing/query_plan.h"
#include "shipping-service/src/shipments_store.h"
#include "shipping-service/tests/shipping_store_fixture.h"

namespace oms::shipping {
namespace {

constexpr char kFirstWarehouse[] = "11111111-1111-4111-8111-111111111111";
constexpr char kSecondWarehouse[] = "22222222-2222-4222-8222-222222222222";

class OrderVersionStoreTest : public ShippingStoreTest {
 protected:
  // The shipment of version `version` of `order_id` from `warehouse_id`: one group of 3 MUGs.
  absl::StatusOr<v1::CreateShipmentsResponse> CreateVersion(const std::string& request_id,
                                                            const std::string& order_id,
                                                            std::int64_t version,
                                                            const std::string& warehouse_id) {
    v1::CreateShipmentsRequest request = CreateRequest(order_id);
    request.set_request_id(request_id);
    request.clear_groups();
    auto* group = request.add_groups();
    group->set_warehouse_id(warehouse_id);
    group->set_order_version(version);
    AddLine(group, "MUG", 3, 400);
    v1::CreateShipmentsResponse response;
    absl::Status status = store_->CreateShipments(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  // The shipments of ord-1 as placed, the one from the first warehouse cancelled by the edit,
  // and the second version's shipment from that warehouse.
  struct Edited {
    std::vector<v1::Shipment> placed;
    v1::Shipment edited;
  };
  Edited PlaceAndEdit() {
    Edited order{Create("ord-1"), {}};
    EXPECT_EQ(order.placed.size(), 2u);
    auto cancelled = CancelById("ord-1:edit-2:cancel", order.placed[0].id());
    EXPECT_TRUE(cancelled.ok()) << cancelled.status();
    auto created = CreateVersion("ord-1:edit-2:create", "ord-1", 2, kFirstWarehouse);
    EXPECT_TRUE(created.ok()) << created.status();
    if (created.ok() && created->shipments_size() == 1) order.edited = created->shipments(0);
    return order;
  }

  std::multiset<std::int64_t> VersionsOf(const std::string& order_id) {
    v1::ListShipmentsResponse listed;
    absl::Status status = store_->ListShipments(order_id, &listed);
    EXPECT_TRUE(status.ok()) << status;
    std::multiset<std::int64_t> versions;
    for (const auto& shipment : listed.shipments()) versions.insert(shipment.order_version());
    return versions;
  }

  long long Shipments(const std::string& order_id) {
    return Query("SELECT count(*) FROM shipments WHERE order_id = '" + order_id + "'");
  }
};

TEST_F(OrderVersionStoreTest, ANewVersionShipsAgainFromACancelledWarehouseAndSaysItsVersion) {
  Create("ord-0");  // another order in the first warehouse's pick queue
  auto placed = Create("ord-1");
  for (const auto& event : Outbox()) EXPECT_EQ(event.order_version(), 0);
  // The edit cancels the placed order's shipment from the first warehouse, then creates the
  // second version's there.
  ASSERT_TRUE(CancelById("ord-1:edit-2:cancel", placed[0].id()).ok());
  const std::size_t outbox_before = Outbox().size();

  auto created = CreateVersion("ord-1:edit-2:create", "ord-1", 2, kFirstWarehouse);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->shipments_size(), 1);
  const v1::Shipment edited = created->shipments(0);
  EXPECT_NE(edited.id(), placed[0].id());
  EXPECT_EQ(edited.order_version(), 2);
  EXPECT_EQ(edited.warehouse_id(), kFirstWarehouse);
  EXPECT_EQ(edited.status(), v1::SHIPMENT_STATUS_PENDING);
  EXPECT_EQ(edited.backorder_fill_sequence(), 0);
  EXPECT_TRUE(edited.resourced_from_shipment_id().empty());
  EXPECT_EQ(Query("SELECT order_version FROM shipments WHERE id = '" + edited.id() + "'"), 2);

  // Every read says the version: GetShipment, ListShipments, the pick queue, the audit facts.
  EXPECT_EQ(Get(edited.id()).order_version(), 2);
  EXPECT_EQ(Get(placed[0].id()).order_version(), 0);
  EXPECT_EQ(Get(placed[0].id()).status(), v1::SHIPMENT_STATUS_CANCELLED);
  EXPECT_EQ(VersionsOf("ord-1"), (std::multiset<std::int64_t>{0, 0, 2}));
  PickQueueQuery queue;
  queue.warehouse_id = kFirstWarehouse;
  v1::ListPickQueueResponse picking;
  ASSERT_TRUE(store_->ListPickQueue(queue, &picking).ok());
  std::set<std::pair<std::string, std::int64_t>> queued;
  for (const auto& shipment : picking.shipments()) {
    queued.insert({shipment.order_id(), shipment.order_version()});
  }
  EXPECT_EQ(queued, (std::set<std::pair<std::string, std::int64_t>>{{"ord-0", 0}, {"ord-1", 2}}));
  v1::AuditOrderFactsResponse facts;
  ASSERT_TRUE(store_->AuditOrderFacts(AuditPage{"ord-0", 10}, &facts).ok());
  std::multiset<std::int64_t> audited;
  for (const auto& shipment : facts.shipments()) {
    EXPECT_EQ(shipment.cancelled(), shipment.id() == placed[0].id()) << shipment.id();
    audited.insert(shipment.order_version());
  }
  EXPECT_EQ(audited, (std::multiset<std::int64_t>{0, 0, 2}));

  // Every event of it says the version, from its creation to its SHIPPED event.
  ASSERT_TRUE(Event(edited.id(), v1::SHIPMENT_EVENT_TYPE_PICKED, 60).ok());
  ASSERT_TRUE(Event(edited.id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 90).ok());
  std::vector<v1::OutboxEventType> types;
  for (const auto& event : Outbox(outbox_before)) {
    types.push_back(event.type());
    EXPECT_EQ(event.shipment_id(), edited.id());
    EXPECT_EQ(event.order_version(), 2) << event.type();
  }
  EXPECT_EQ(types, (std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED,
                                                     v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED,
                                                     v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED}));

  // The placed order's shipment left standing still says 0.
  const std::size_t outbox_after = Outbox().size();
  ASSERT_TRUE(Event(placed[1].id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 95).ok());
  auto others = Outbox(outbox_after);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].shipment_id(), placed[1].id());
  EXPECT_EQ(others[0].order_version(), 0);
}

TEST_F(OrderVersionStoreTest, ARepeatAnswersTheSameShipmentAndAVersionIsMadeOnce) {
  auto order = PlaceAndEdit();
  ASSERT_FALSE(order.edited.id().empty());
  const long long shipments_after = Shipments("ord-1");
  const std::size_t outbox_after = Outbox().size();
  EXPECT_EQ(shipments_after, 3);

  // The same request: the first answer, nothing new.
  auto repeat = CreateVersion("ord-1:edit-2:create", "ord-1", 2, kFirstWarehouse);
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  ASSERT_EQ(repeat->shipments_size(), 1);
  EXPECT_EQ(repeat->shipments(0).SerializeAsString(), order.edited.SerializeAsString());
  EXPECT_EQ(Shipments("ord-1"), shipments_after);
  EXPECT_EQ(Outbox().size(), outbox_after);

  // Version 2 under another request id, at the same warehouse or another: refused as a second
  // create of the order as placed is, even once that version's shipment is cancelled.
  for (const auto& warehouse : {kFirstWarehouse, kSecondWarehouse}) {
    auto again =
        CreateVersion(std::string("ord-1:edit-2:again-") + warehouse, "ord-1", 2, warehouse);
    EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists) << again.status();
    EXPECT_EQ(ReasonOf(again.status()), "SHIPMENTS_EXIST") << again.status();
  }
  ASSERT_TRUE(CancelById("ord-1:edit-3:cancel", order.edited.id()).ok());
  auto after_cancel = CreateVersion("ord-1:edit-2:late", "ord-1", 2, kFirstWarehouse);
  EXPECT_EQ(ReasonOf(after_cancel.status()), "SHIPMENTS_EXIST") << after_cancel.status();
  // The order as placed, as 0 or 1, is made once too, as it always was.
  for (std::int64_t placed : {0, 1}) {
    auto again = CreateVersion("ord-1:placed-again-" + std::to_string(placed), "ord-1", placed,
                               kFirstWarehouse);
    EXPECT_EQ(ReasonOf(again.status()), "SHIPMENTS_EXIST") << again.status();
  }
  EXPECT_EQ(Shipments("ord-1"), shipments_after);

  // The next version is a version of its own.
  auto third = CreateVersion("ord-1:edit-3:create", "ord-1", 3, kFirstWarehouse);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->shipments(0).order_version(), 3);
  EXPECT_EQ(VersionsOf("ord-1"), (std::multiset<std::int64_t>{0, 0, 2, 3}));

  // The schema holds one first shipment per warehouse and version, whatever writes it.
  auto insert = [this](std::int64_t version) {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec(
        "INSERT INTO shipments (order_id, kind, warehouse_id, status, address_line1, "
        "address_city, address_country, carrier, service_level, transport_mode, "
        "total_weight_grams, package_count, cost_currency, cost_minor, order_version) "
        "VALUES ('ord-1', 'OUTBOUND', " +
        tx.quote(kFirstWarehouse) +
        ", 'PENDING', '1 Main St', 'Berlin', 'DE', 'DHL', 'STANDARD', 'GROUND', 0, 1, 'EUR', 0, " +
        tx.quote(version) + ")");
    tx.commit();
  };
  EXPECT_THROW(insert(0), pqxx::unique_violation);
  EXPECT_THROW(insert(2), pqxx::unique_violation);
  EXPECT_NO_THROW(insert(4));
}

TEST_F(OrderVersionStoreTest, TwoRequestsForOneVersionRacingMakeOneShipment) {
  auto placed = Create("ord-1");
  ASSERT_TRUE(CancelById("ord-1:edit-2:cancel", placed[0].id()).ok());
  std::vector<std::future<absl::Status>> racers;
  for (int i = 0; i < 4; ++i) {
    racers.push_back(std::async(std::launch::async, [this, i] {
      return CreateVersion("ord-1:edit-2:racer-" + std::to_string(i), "ord-1", 2, kFirstWarehouse)
          .status();
    }));
  }
  int created = 0;
  for (auto& racer : racers) {
    absl::Status status = racer.get();
    if (status.ok()) {
      ++created;
    } else {
      EXPECT_EQ(ReasonOf(status), "SHIPMENTS_EXIST") << status;
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(VersionsOf("ord-1"), (std::multiset<std::int64_t>{0, 0, 2}));
}

TEST_F(OrderVersionStoreTest, AShippedShipmentStillRefusesItsCancellation) {
  auto order = PlaceAndEdit();
  ASSERT_FALSE(order.edited.id().empty());
  // The edit of version 2 into 3 races the SHIPPED events of both shipments still standing.
  ASSERT_TRUE(Event(order.edited.id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 10).ok());
  ASSERT_TRUE(Event(order.placed[1].id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 10).ok());
  const std::size_t outbox_before = Outbox().size();
  for (const auto& shipment : {order.edited, order.placed[1]}) {
    auto refused = CancelById("ord-1:edit-3:cancel-" + shipment.id(), shipment.id());
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
    EXPECT_EQ(ReasonOf(refused.status()), "SHIPMENT_ALREADY_SHIPPED") << refused.status();
    EXPECT_EQ(Get(shipment.id()).status(), v1::SHIPMENT_STATUS_SHIPPED);
  }
  EXPECT_EQ(Get(order.edited.id()).order_version(), 2);
  EXPECT_EQ(Outbox().size(), outbox_before);
}

TEST_F(OrderVersionStoreTest, ReSourcedAndReplacementShipmentsKeepTheirSourcesVersion) {
  auto order = PlaceAndEdit();
  ASSERT_FALSE(order.edited.id().empty());

  // The second version's shipment short-picks a MUG; the second warehouse sends it.
  v1::ReportShortPickRequest short_pick;
  short_pick.set_request_id("ord-1:short-pick");
  short_pick.set_shipment_id(order.edited.id());
  auto* missing = short_pick.add_missing();
  missing->set_sku("MUG");
  missing->set_quantity(1);
  v1::Shipment picked;
  ASSERT_TRUE(store_->ReportShortPick(short_pick, &picked).ok());
  EXPECT_EQ(picked.order_version(), 2);
  auto resource = CreateRequest("ord-1");
  resource.set_request_id("ord-1:resource");
  resource.clear_groups();
  auto* group = resource.add_groups();
  group->set_warehouse_id(kSecondWarehouse);
  group->set_resourced_from_shipment_id(order.edited.id());
  AddLine(group, "MUG", 1, 400);
  v1::CreateShipmentsResponse resourced;
  ASSERT_TRUE(store_->CreateShipments(resource, &resourced).ok());
  ASSERT_EQ(resourced.shipments_size(), 1);
  EXPECT_EQ(resourced.shipments(0).order_version(), 2);
  EXPECT_EQ(Get(resourced.shipments(0).id()).order_version(), 2);

  // It comes back to the warehouse and is replaced: the replacement ships version 2 too.
  ASSERT_TRUE(Event(order.edited.id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 10).ok());
  ASSERT_TRUE(Event(order.edited.id(), v1::SHIPMENT_EVENT_TYPE_RETURNED_TO_SENDER, 40).ok());
  const std::size_t outbox_before = Outbox().size();
  v1::CreateReplacementShipmentRequest reship;
  reship.set_request_id("ord-1:reship");
  reship.set_shipment_id(order.edited.id());
  v1::Shipment replacement;
  ASSERT_TRUE(store_->CreateReplacementShipment(reship, &replacement).ok());
  EXPECT_EQ(replacement.order_version(), 2);
  auto events = Outbox(outbox_before);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED);
  EXPECT_EQ(events[0].order_version(), 2);
}

TEST_F(OrderVersionStoreTest, TheChangedStatementIsServedByAnIndex) {
  testing::ExpectServedByIndexes(*pool_, ShipmentStatements(),
                                 {{"shipments_count", "'ord-1', 'OUTBOUND', 2"}});
}

}  // namespace
}  // namespace oms::shipping
