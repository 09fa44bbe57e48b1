// Replacement shipments on a real PostgreSQL: only a parcel returned to sender is reshipped, as a
// new outbound shipment of the same goods that names it; one replacement per shipment whatever
// the request ids and however concurrent; its events carry the original; every new statement is
// served by an index.
#include <future>
#include <set>

#include "common/status.h"
#include "common/testing/query_plan.h"
#include "shipping-service/src/shipments_store.h"
#include "shipping-service/tests/shipping_store_fixture.h"

namespace oms::shipping {
namespace {

constexpr char kFirstWarehouse[] = "11111111-1111-4111-8111-111111111111";
constexpr char kUnknownShipment[] = "0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10";

class ReplacementStoreTest : public ShippingStoreTest {
 protected:
  absl::StatusOr<v1::Shipment> Replace(const std::string& request_id,
                                       const std::string& shipment_id,
                                       const std::string& reason = "") {
    v1::CreateReplacementShipmentRequest request;
    request.set_request_id(request_id);
    request.set_shipment_id(shipment_id);
    request.set_reason(reason);
    v1::Shipment replacement;
    absl::Status status = store_->CreateReplacementShipment(request, &replacement);
    if (!status.ok()) return status;
    return replacement;
  }

  // Shipped, then back at the warehouse.
  void ReturnToSender(const std::string& shipment_id) {
    ASSERT_TRUE(Event(shipment_id, v1::SHIPMENT_EVENT_TYPE_SHIPPED, 1).ok());
    auto returned = Event(shipment_id, v1::SHIPMENT_EVENT_TYPE_RETURNED_TO_SENDER, 30);
    ASSERT_TRUE(returned.ok()) << returned.status();
    ASSERT_EQ(returned->status(), v1::SHIPMENT_STATUS_RETURNED_TO_SENDER);
  }

  long long Replacements(const std::string& shipment_id) {
    return Query("SELECT count(*) FROM shipments WHERE replaces_shipment_id = '" + shipment_id +
                 "'");
  }
};

void ExpectRefused(const absl::StatusOr<v1::Shipment>& replaced, absl::StatusCode code,
                   const std::string& reason = "") {
  EXPECT_EQ(replaced.status().code(), code) << replaced.status();
  if (!reason.empty()) {
    EXPECT_EQ(ReasonOf(replaced.status()), reason) << replaced.status();
  }
}

TEST_F(ReplacementStoreTest, OnlyAParcelReturnedToSenderIsReplacedAndARefusalChangesNothing) {
  auto shipments = Create("ord-1");  // MUG and BOOK from the first warehouse, LAMP from the second
  auto cancelled = Create("ord-2");
  ASSERT_TRUE(CancelById("ord-2:cancel", cancelled[0].id()).ok());
  ASSERT_TRUE(Event(shipments[1].id(), v1::SHIPMENT_EVENT_TYPE_DELIVERED, 10).ok());
  const long long shipments_before = Query("SELECT count(*) FROM shipments");
  const std::size_t outbox_before = Outbox().size();

  ExpectRefused(Replace("r-unknown", kUnknownShipment), absl::StatusCode::kNotFound);
  EXPECT_NE(Replace("r-unknown-2", kUnknownShipment).status().message().find("shipment_id"),
            absl::string_view::npos);
  ExpectRefused(Replace("r-pending", shipments[0].id()), absl::StatusCode::kFailedPrecondition,
                "SHIPMENT_NOT_RETURNED_TO_SENDER");
  ExpectRefused(Replace("r-delivered", shipments[1].id()), absl::StatusCode::kFailedPrecondition,
                "SHIPMENT_NOT_RETURNED_TO_SENDER");
  ExpectRefused(Replace("r-cancelled", cancelled[0].id()), absl::StatusCode::kFailedPrecondition,
                "SHIPMENT_NOT_RETURNED_TO_SENDER");
  ASSERT_TRUE(Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 1).ok());
  ExpectRefused(Replace("r-shipped", shipments[0].id()), absl::StatusCode::kFailedPrecondition,
                "SHIPMENT_NOT_RETURNED_TO_SENDER");
  // A return shipment never is: it is no outbound parcel.
  v1::CreateReturnShipmentRequest give_back;
  give_back.set_request_id("rma-1:create");
  give_back.set_order_id("ord-1");
  give_back.set_return_id("rma-1");
  give_back.set_warehouse_id(kFirstWarehouse);
  give_back.mutable_pickup_address()->set_line1("1 Main St");
  give_back.mutable_pickup_address()->set_city("Berlin");
  give_back.mutable_pickup_address()->set_country("DE");
  give_back.add_lines()->set_sku("LAMP");
  give_back.mutable_lines(0)->set_quantity(1);
  v1::Shipment return_shipment;
  ASSERT_TRUE(store_->CreateReturnShipment(give_back, &return_shipment).ok());
  ExpectRefused(Replace("r-return", return_shipment.id()), absl::StatusCode::kFailedPrecondition,
                "SHIPMENT_NOT_RETURNED_TO_SENDER");

  EXPECT_EQ(Query("SELECT count(*) FROM shipments"), shipments_before + 1);  // the return
  EXPECT_EQ(Query("SELECT count(*) FROM shipments WHERE replaces_shipment_id <> ''"), 0);
  for (const auto& event : Outbox(outbox_before)) {
    EXPECT_NE(event.type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED);
    EXPECT_TRUE(event.replaces_shipment_id().empty());
  }
  EXPECT_EQ(Get(shipments[0].id()).status(), v1::SHIPMENT_STATUS_SHIPPED);
  EXPECT_EQ(Get(shipments[1].id()).status(), v1::SHIPMENT_STATUS_DELIVERED);

  // A destination no carrier serves any more: refused as CreateShipments would be.
  const auto& returned = shipments[0];
  ASSERT_TRUE(Event(returned.id(), v1::SHIPMENT_EVENT_TYPE_RETURNED_TO_SENDER, 30).ok());
  const long long removed = Query(
      "WITH gone AS (DELETE FROM carrier_rules WHERE country = 'DE' RETURNING 1) "
      "SELECT count(*) FROM gone");
  ASSERT_GT(removed, 0);
  ExpectRefused(Replace("r-unserved", returned.id()), absl::StatusCode::kFailedPrecondition,
                "DESTINATION_NOT_SERVED");
  EXPECT_EQ(Replacements(returned.id()), 0);

  // A refusal is the answer to its request id, whatever changed since: the parcel is back now,
  // and "r-pending" is still refused; another request id replaces it.
  Query(
      "WITH back AS (INSERT INTO carrier_rules (country, max_weight_grams, carrier, "
      "service_level, transport_mode, currency, base_cost_minor, per_kg_cost_minor) "
      "VALUES ('DE', 31500, 'DHL', 'STANDARD', 'GROUND', 'EUR', 499, 40) RETURNING 1) "
      "SELECT count(*) FROM back");
  ExpectRefused(Replace("r-pending", returned.id()), absl::StatusCode::kFailedPrecondition,
                "SHIPMENT_NOT_RETURNED_TO_SENDER");
  ASSERT_TRUE(Replace("r-after-return", returned.id()).ok());
  EXPECT_EQ(Replacements(returned.id()), 1);
}

TEST_F(ReplacementStoreTest, ALostParcelIsReplacedOnce) {
  auto shipments = Create("ord-lost");
  ASSERT_TRUE(Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 1).ok());
  ExpectRefused(Replace("ord-lost:early", shipments[0].id()), absl::StatusCode::kFailedPrecondition,
                "SHIPMENT_NOT_RETURNED_TO_SENDER");
  auto lost = Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_LOST, 30);
  ASSERT_TRUE(lost.ok()) << lost.status();
  ASSERT_EQ(lost->status(), v1::SHIPMENT_STATUS_LOST);
  auto replaced = Replace("ord-lost:reship", shipments[0].id());
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->replaces_shipment_id(), shipments[0].id());
  EXPECT_EQ(replaced->warehouse_id(), shipments[0].warehouse_id());
  EXPECT_EQ(Replacements(shipments[0].id()), 1);
}

TEST_F(ReplacementStoreTest, AReplacementShipsTheSameGoodsAndEveryEventOfItNamesTheOriginal) {
  auto shipments = Create("ord-1");
  const v1::Shipment& original = shipments[0];
  ReturnToSender(original.id());
  const std::size_t outbox_before = Outbox().size();

  auto replaced = Replace("ord-1:reship", original.id(), "customer gave a new address line");
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  const v1::Shipment replacement = *replaced;
  EXPECT_NE(replacement.id(), original.id());
  EXPECT_EQ(replacement.replaces_shipment_id(), original.id());
  EXPECT_EQ(replacement.order_id(), "ord-1");
  EXPECT_EQ(replacement.kind(), v1::SHIPMENT_KIND_OUTBOUND);
  EXPECT_EQ(replacement.warehouse_id(), kFirstWarehouse);
  EXPECT_EQ(replacement.status(), v1::SHIPMENT_STATUS_PENDING);
  EXPECT_EQ(replacement.address().SerializeAsString(), original.address().SerializeAsString());
  EXPECT_EQ(replacement.carrier(), "DHL");
  EXPECT_EQ(replacement.service_level(), "STANDARD");
  EXPECT_EQ(replacement.freight().total_weight_grams(), 1'800);
  EXPECT_EQ(replacement.freight().estimated_cost().amount_minor(), 499 + 2 * 40);
  EXPECT_TRUE(replacement.tracking_number().empty());
  ASSERT_EQ(replacement.lines_size(), original.lines_size());
  for (int i = 0; i < original.lines_size(); ++i) {
    EXPECT_EQ(replacement.lines(i).sku(), original.lines(i).sku());
    EXPECT_EQ(replacement.lines(i).quantity(), original.lines(i).quantity());
    EXPECT_EQ(replacement.lines(i).unit_weight_grams(), original.lines(i).unit_weight_grams());
  }
  EXPECT_EQ(replacement.pick_list().lines_size(), 2);

  // The original keeps its status; the replacement reads back as it was answered.
  const v1::Shipment original_now = Get(original.id());
  EXPECT_EQ(original_now.status(), v1::SHIPMENT_STATUS_RETURNED_TO_SENDER);
  EXPECT_TRUE(original_now.replaces_shipment_id().empty());
  const v1::Shipment read = Get(replacement.id());
  EXPECT_EQ(read.replaces_shipment_id(), original.id());
  EXPECT_EQ(read.lines_size(), 2);

  // Announced once, in the same transaction, naming the original.
  auto created = Outbox(outbox_before);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED);
  EXPECT_EQ(created[0].shipment_id(), replacement.id());
  EXPECT_EQ(created[0].order_id(), "ord-1");
  EXPECT_EQ(created[0].kind(), v1::SHIPMENT_KIND_OUTBOUND);
  EXPECT_EQ(created[0].warehouse_id(), kFirstWarehouse);
  EXPECT_EQ(created[0].status(), v1::SHIPMENT_STATUS_PENDING);
  EXPECT_EQ(created[0].lines_size(), 2);
  EXPECT_EQ(created[0].replaces_shipment_id(), original.id());

  // The same request id, and another one: the same replacement, nothing more.
  auto repeat = Replace("ord-1:reship", original.id(), "customer gave a new address line");
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->id(), replacement.id());
  auto other = Replace("operator-2:reship", original.id());
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->id(), replacement.id());
  EXPECT_EQ(other->replaces_shipment_id(), original.id());
  EXPECT_EQ(Replacements(original.id()), 1);
  EXPECT_EQ(Outbox(outbox_before).size(), 1u);

  // In the warehouse's pick queue like any outbound shipment.
  PickQueueQuery queue;
  queue.warehouse_id = kFirstWarehouse;
  v1::ListPickQueueResponse picking;
  ASSERT_TRUE(store_->ListPickQueue(queue, &picking).ok());
  ASSERT_EQ(picking.shipments_size(), 1);
  EXPECT_EQ(picking.shipments(0).id(), replacement.id());
  EXPECT_EQ(picking.shipments(0).replaces_shipment_id(), original.id());

  // Its life: each outbox event names the original.
  ASSERT_TRUE(Event(replacement.id(), v1::SHIPMENT_EVENT_TYPE_PICKED, 60).ok());
  ASSERT_TRUE(Event(replacement.id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 90).ok());
  ASSERT_TRUE(Event(replacement.id(), v1::SHIPMENT_EVENT_TYPE_DELIVERED, 120).ok());
  auto lived = Outbox(outbox_before + 1);
  std::vector<v1::OutboxEventType> types;
  for (const auto& event : lived) {
    types.push_back(event.type());
    EXPECT_EQ(event.shipment_id(), replacement.id());
    EXPECT_EQ(event.replaces_shipment_id(), original.id()) << event.type();
  }
  EXPECT_EQ(types, (std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED,
                                                     v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED,
                                                     v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERED}));
  // The original's own events never named anything.
  for (const auto& event : Outbox()) {
    if (event.shipment_id() != replacement.id()) {
      EXPECT_TRUE(event.replaces_shipment_id().empty()) << event.sequence();
    }
  }

  // Asked again once delivered: still that replacement, as it is now.
  auto later = Replace("operator-3:reship", original.id());
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->id(), replacement.id());
  EXPECT_EQ(later->status(), v1::SHIPMENT_STATUS_DELIVERED);
  EXPECT_EQ(later->journal_size(), 3);

  // The order shows both, the original returned and its replacement.
  v1::ListShipmentsResponse listed;
  ASSERT_TRUE(store_->ListShipments("ord-1", &listed).ok());
  ASSERT_EQ(listed.shipments_size(), 3);
  std::set<std::string> replacing;
  for (const auto& shipment : listed.shipments()) {
    if (shipment.id() == original.id()) {
      EXPECT_EQ(shipment.status(), v1::SHIPMENT_STATUS_RETURNED_TO_SENDER);
      EXPECT_EQ(shipment.lines_size(), 2);
    }
    if (shipment.id() == replacement.id()) {
      EXPECT_EQ(shipment.status(), v1::SHIPMENT_STATUS_DELIVERED);
      EXPECT_EQ(shipment.lines_size(), 2);
      EXPECT_EQ(shipment.journal_size(), 3);
    }
    replacing.insert(shipment.replaces_shipment_id());
  }
  EXPECT_EQ(replacing, (std::set<std::string>{"", original.id()}));

  // The audit's facts name the original too.
  v1::AuditOrderFactsResponse facts;
  ASSERT_TRUE(store_->AuditOrderFacts(AuditPage{"", 100}, &facts).ok());
  ASSERT_EQ(facts.shipments_size(), 3);
  for (const auto& shipment : facts.shipments()) {
    EXPECT_EQ(shipment.replaces_shipment_id(),
              shipment.id() == replacement.id() ? original.id() : "")
        << shipment.id();
  }
}

TEST_F(ReplacementStoreTest, ConcurrentRequestsForOneShipmentCreateOneReplacement) {
  auto shipments = Create("ord-1");
  const std::string original = shipments[0].id();
  ReturnToSender(original);
  const std::size_t outbox_before = Outbox().size();

  // Eight racers under four request ids: repeats of one id and requests of different ids at once.
  std::vector<std::future<absl::StatusOr<v1::Shipment>>> racers;
  for (int i = 0; i < 8; ++i) {
    racers.push_back(std::async(std::launch::async, [this, original, i] {
      return Replace("race-" + std::to_string(i % 4), original);
    }));
  }
  std::set<std::string> answered;
  for (auto& racer : racers) {
    auto replaced = racer.get();
    ASSERT_TRUE(replaced.ok()) << replaced.status();
    answered.insert(replaced->id());
  }
  EXPECT_EQ(answered.size(), 1u);
  EXPECT_EQ(Replacements(original), 1);
  auto outbox = Outbox(outbox_before);
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED);
  EXPECT_EQ(outbox[0].shipment_id(), *answered.begin());
}

TEST_F(ReplacementStoreTest, AReplacementReturnedToSenderIsReplacedInTurnAndTheIndexesHoldOne) {
  auto shipments = Create("ord-1");
  const std::string original = shipments[0].id();
  ReturnToSender(original);
  auto first = Replace("reship-1", original);
  ASSERT_TRUE(first.ok()) << first.status();
  ReturnToSender(first->id());
  auto second = Replace("reship-2", first->id());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->replaces_shipment_id(), first->id());
  EXPECT_EQ(second->warehouse_id(), kFirstWarehouse);
  auto again = Replace("reship-3", original);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id(), first->id());

  // The schema refuses a second replacement of a shipment, and a second outbound shipment of a
  // warehouse group that replaces nothing, whatever writes them.
  auto insert = [this](const std::string& order_id, const std::string& replaces) {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec(
        "INSERT INTO shipments (order_id, kind, warehouse_id, status, address_line1, "
        "address_city, address_country, carrier, service_level, transport_mode, "
        "total_weight_grams, package_count, cost_currency, cost_minor, replaces_shipment_id) "
        "VALUES (" +
        tx.quote(order_id) + ", 'OUTBOUND', " + tx.quote(std::string(kFirstWarehouse)) +
        ", 'PENDING', '1 Main St', 'Berlin', 'DE', 'DHL', 'STANDARD', 'GROUND', 0, 1, 'EUR', 0, " +
        tx.quote(replaces) + ")");
    tx.commit();
  };
  EXPECT_THROW(insert("ord-1", original), pqxx::unique_violation);
  EXPECT_THROW(insert("ord-1", ""), pqxx::unique_violation);
  EXPECT_EQ(Query("SELECT count(*) FROM shipments WHERE order_id = 'ord-1'"), 4);
}

TEST_F(ReplacementStoreTest, EveryStatementOfAReplacementIsServedByAnIndex) {
  testing::ExpectServedByIndexes(
      *pool_, ShipmentStatements(),
      {{"shipments_find_replacement", std::string("'") + kUnknownShipment + "'"},
       {"shipments_get", std::string("'") + kUnknownShipment + "'"},
       {"shipments_lock", std::string("'") + kUnknownShipment + "'"},
       {"shipment_lines_get", std::string("'") + kUnknownShipment + "'"}});
}

}  // namespace
}  // namespace oms::shipping
