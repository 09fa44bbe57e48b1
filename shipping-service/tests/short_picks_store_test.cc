// Short picks on a real PostgreSQL: the missing units leave the shipment's lines in one
// transaction with their journal entry and outbox event, a shipment left with none is cancelled,
// once per shipment however many reports race; the shipments that take over the missing units
// may share a warehouse with the order's others, and each of their events names the shipment
// that short-picked them; every new statement is served by an index.
#include <future>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/testing/query_plan.h"
#include "shipping-service/src/shipments_store.h"
#include "shipping-service/tests/shipping_store_fixture.h"

namespace oms::shipping {
namespace {

constexpr char kFirstWarehouse[] = "11111111-1111-4111-8111-111111111111";
constexpr char kSecondWarehouse[] = "22222222-2222-4222-8222-222222222222";
constexpr char kUnknownShipment[] = "0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10";

class ShortPickStoreTest : public ShippingStoreTest {
 protected:
  absl::StatusOr<v1::Shipment> ShortPick(
      const std::string& request_id, const std::string& shipment_id,
      const std::vector<std::pair<std::string, std::int64_t>>& missing,
      const std::string& note = "", const std::string& warehouse_id = "") {
    v1::ReportShortPickRequest request;
    request.set_request_id(request_id);
    request.set_shipment_id(shipment_id);
    for (const auto& [sku, quantity] : missing) {
      auto* line = request.add_missing();
      line->set_sku(sku);
      line->set_quantity(quantity);
    }
    request.set_note(note);
    request.set_warehouse_id(warehouse_id);
    v1::Shipment shipment;
    absl::Status status = store_->ReportShortPick(request, &shipment);
    if (!status.ok()) return status;
    return shipment;
  }

  // The units shipment `source` short-picked, sent from `warehouse_id`.
  absl::StatusOr<v1::CreateShipmentsResponse> Resource(
      const std::string& request_id, const std::string& order_id, const std::string& source,
      const std::string& warehouse_id, const std::string& sku, std::int64_t quantity) {
    v1::CreateShipmentsRequest request = CreateRequest(order_id);
    request.set_request_id(request_id);
    request.clear_groups();
    auto* group = request.add_groups();
    group->set_warehouse_id(warehouse_id);
    group->set_resourced_from_shipment_id(source);
    AddLine(group, sku, quantity, 400);
    v1::CreateShipmentsResponse response;
    absl::Status status = store_->CreateShipments(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  // The return of one MUG of `order_id` to the first warehouse (RMA rma-1).
  static v1::CreateReturnShipmentRequest ReturnOfOneMug(const std::string& order_id) {
    v1::CreateReturnShipmentRequest give_back;
    give_back.set_request_id("rma-1:create");
    give_back.set_order_id(order_id);
    give_back.set_return_id("rma-1");
    give_back.set_warehouse_id(kFirstWarehouse);
    *give_back.mutable_pickup_address() = CreateRequest(order_id).destination();
    give_back.add_lines()->set_sku("MUG");
    give_back.mutable_lines(0)->set_quantity(1);
    return give_back;
  }

  long long Lines(const std::string& shipment_id) {
    return Query("SELECT count(*) FROM shipment_lines WHERE shipment_id = '" + shipment_id + "'");
  }
  long long Journaled(const std::string& shipment_id) {
    return Query("SELECT count(*) FROM shipment_journal WHERE shipment_id = '" + shipment_id +
                 "' AND type = 'SHORT_PICKED'");
  }
};

template <typename T>
void ExpectRefused(const absl::StatusOr<T>& answer, absl::StatusCode code,
                   const std::string& reason_or_field) {
  EXPECT_EQ(answer.status().code(), code) << answer.status();
  if (code == absl::StatusCode::kInvalidArgument) {
    EXPECT_EQ(answer.status().message().rfind(reason_or_field + ":", 0), 0u) << answer.status();
  } else if (!reason_or_field.empty()) {
    EXPECT_EQ(ReasonOf(answer.status()), reason_or_field) << answer.status();
  }
}

std::string LinesText(const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines) {
  std::string text;
  for (const auto& line : lines) {
    text += line.sku() + "×" + std::to_string(line.quantity()) + "@" +
            std::to_string(line.unit_weight_grams()) + " ";
  }
  return text;
}

TEST_F(ShortPickStoreTest, TheMissingUnitsLeaveTheLinesWithTheirJournalEntryAndEvent) {
  auto shipments = Create("ord-1");  // MUG 2 and BOOK 1 from the first warehouse
  const std::string id = shipments[0].id();
  ASSERT_TRUE(Event(id, v1::SHIPMENT_EVENT_TYPE_PICKED, 5).ok());
  const std::size_t outbox_before = Outbox().size();

  // One MUG of two (the line keeps as many as go missing) and the only BOOK (the line goes).
  auto picked = ShortPick("dock-1:short", id, {{"MUG", 1}, {"BOOK", 1}}, "bin A-3 empty");
  ASSERT_TRUE(picked.ok()) << picked.status();
  EXPECT_EQ(picked->id(), id);
  EXPECT_EQ(picked->status(), v1::SHIPMENT_STATUS_PICKED);
  EXPECT_EQ(LinesText(picked->lines()), "MUG×1@400 ");
  EXPECT_EQ(picked->freight().total_weight_grams(), 400);
  EXPECT_EQ(picked->freight().package_count(), 1);
  EXPECT_EQ(picked->freight().estimated_cost().amount_minor(),
            shipments[0].freight().estimated_cost().amount_minor());
  ASSERT_EQ(picked->pick_list().lines_size(), 1);
  EXPECT_EQ(picked->pick_list().lines(0).quantity(), 1);
  ASSERT_EQ(picked->journal_size(), 2);
  const v1::JournalEntry& entry = picked->journal(1);
  EXPECT_EQ(entry.type(), v1::SHIPMENT_EVENT_TYPE_SHORT_PICKED);
  EXPECT_EQ(entry.note(), "short picked: 1 × MUG, 1 × BOOK; bin A-3 empty");
  EXPECT_TRUE(entry.has_occurred_at());
  EXPECT_GT(picked->update_time().seconds(), 0);

  // As stored.
  const v1::Shipment read = Get(id);
  EXPECT_EQ(LinesText(read.lines()), "MUG×1@400 ");
  EXPECT_EQ(read.status(), v1::SHIPMENT_STATUS_PICKED);
  EXPECT_EQ(read.freight().total_weight_grams(), 400);
  EXPECT_EQ(read.journal_size(), 2);
  EXPECT_EQ(Lines(id), 1);
  EXPECT_EQ(Query("SELECT count(*) FROM shipments WHERE id = '" + id + "' AND short_picked"), 1);
  // The other warehouse's shipment is untouched.
  EXPECT_EQ(LinesText(Get(shipments[1].id()).lines()), "LAMP×1@3000 ");

  // Announced once, in the same transaction: the lines left, the units missing, the cause.
  auto events = Outbox(outbox_before);
  ASSERT_EQ(events.size(), 1u);
  const v1::OutboxEvent& event = events[0];
  EXPECT_EQ(event.type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHORT_PICKED);
  EXPECT_EQ(event.shipment_id(), id);
  EXPECT_EQ(event.order_id(), "ord-1");
  EXPECT_EQ(event.kind(), v1::SHIPMENT_KIND_OUTBOUND);
  EXPECT_EQ(event.warehouse_id(), kFirstWarehouse);
  EXPECT_EQ(event.status(), v1::SHIPMENT_STATUS_PICKED);
  EXPECT_EQ(LinesText(event.lines()), "MUG×1@400 ");
  EXPECT_EQ(LinesText(event.short_picked_lines()), "MUG×1@400 BOOK×1@1000 ");
  EXPECT_EQ(event.cause().id(), entry.id());
  EXPECT_EQ(event.cause().type(), v1::SHIPMENT_EVENT_TYPE_SHORT_PICKED);
  EXPECT_EQ(event.cause().note(), entry.note());
  EXPECT_TRUE(event.resourced_from_shipment_id().empty());

  // Picked and shipped on with what is left.
  ASSERT_TRUE(Event(id, v1::SHIPMENT_EVENT_TYPE_SHIPPED, 30).ok());
  auto shipped = Outbox(outbox_before + 1);
  ASSERT_EQ(shipped.size(), 1u);
  EXPECT_EQ(shipped[0].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED);
  EXPECT_EQ(LinesText(shipped[0].lines()), "MUG×1@400 ");
}

TEST_F(ShortPickStoreTest, EveryUnitMissingCancelsTheShipmentWithTheShortPickAlone) {
  auto shipments = Create("ord-1");
  const std::string id = shipments[1].id();  // LAMP 1 from the second warehouse
  const std::size_t outbox_before = Outbox().size();

  auto picked = ShortPick("dock-2:short", id, {{"LAMP", 1}});
  ASSERT_TRUE(picked.ok()) << picked.status();
  EXPECT_EQ(picked->status(), v1::SHIPMENT_STATUS_CANCELLED);
  EXPECT_TRUE(picked->lines().empty());
  EXPECT_EQ(picked->freight().total_weight_grams(), 0);
  EXPECT_EQ(Lines(id), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM shipments WHERE id = '" + id +
                  "' AND cancelled AND status = 'CANCELLED' AND short_picked"),
            1);
  EXPECT_EQ(Get(id).status(), v1::SHIPMENT_STATUS_CANCELLED);

  // One event, not a SHIPMENT_CANCELLED besides: its status says the shipment is cancelled.
  auto events = Outbox(outbox_before);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHORT_PICKED);
  EXPECT_EQ(events[0].status(), v1::SHIPMENT_STATUS_CANCELLED);
  EXPECT_TRUE(events[0].lines().empty());
  EXPECT_EQ(LinesText(events[0].short_picked_lines()), "LAMP×1@3000 ");
  EXPECT_EQ(events[0].cause().type(), v1::SHIPMENT_EVENT_TYPE_SHORT_PICKED);

  // Cancelled as CancelShipment leaves it: no event taken, a cancel changes nothing more.
  ExpectRefused(Event(id, v1::SHIPMENT_EVENT_TYPE_PICKED, 5), absl::StatusCode::kFailedPrecondition,
                "SHIPMENT_CANCELLED");
  ASSERT_TRUE(CancelById("ord-1:cancel", id).ok());
  EXPECT_EQ(Outbox(outbox_before).size(), 1u);
  // And it was short-picked: that is what a second report hears.
  ExpectRefused(ShortPick("dock-2:again", id, {{"LAMP", 1}}), absl::StatusCode::kFailedPrecondition,
                "ALREADY_SHORT_PICKED");
}

TEST_F(ShortPickStoreTest, ARepeatAnswersTheSameAndASecondReportIsRefusedAndRemembered) {
  auto shipments = Create("ord-1");
  auto other = Create("ord-2");
  const std::string id = shipments[0].id();
  auto first = ShortPick("dock-1:short", id, {{"MUG", 1}});
  ASSERT_TRUE(first.ok()) << first.status();
  const std::size_t outbox_after = Outbox().size();

  // The same request id: the same shipment as first answered, nothing more.
  auto repeat = ShortPick("dock-1:short", id, {{"MUG", 1}});
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(LinesText(Get(id).lines()), "MUG×1@400 BOOK×1@1000 ");
  EXPECT_EQ(Journaled(id), 1);
  EXPECT_EQ(Outbox().size(), outbox_after);
  // The same request id with another body is another request.
  ExpectRefused(ShortPick("dock-1:short", id, {{"MUG", 2}}), absl::StatusCode::kFailedPrecondition,
                "IDEMPOTENCY_KEY_REUSED");

  // Another request id: once per shipment, whatever it asks.
  ExpectRefused(ShortPick("dock-1:second", id, {{"BOOK", 1}}),
                absl::StatusCode::kFailedPrecondition, "ALREADY_SHORT_PICKED");
  EXPECT_EQ(Query("SELECT refusal_code FROM request_results WHERE request_id = 'dock-1:second'"),
            static_cast<long long>(absl::StatusCode::kFailedPrecondition));
  ExpectRefused(ShortPick("dock-1:second", id, {{"BOOK", 1}}),
                absl::StatusCode::kFailedPrecondition, "ALREADY_SHORT_PICKED");

  // Units the shipment does not have: a refusal kept as its request id's answer too.
  ExpectRefused(ShortPick("dock-1:vase", other[0].id(), {{"VASE", 1}}),
                absl::StatusCode::kInvalidArgument, "missing[0].sku");
  ExpectRefused(ShortPick("dock-1:vase", other[0].id(), {{"VASE", 1}}),
                absl::StatusCode::kInvalidArgument, "missing[0].sku");
  EXPECT_EQ(Query("SELECT count(*) FROM request_results WHERE request_id = 'dock-1:vase' "
                  "AND refusal_code IS NOT NULL"),
            1);
  EXPECT_EQ(Journaled(other[0].id()), 0);
  EXPECT_EQ(Outbox().size(), outbox_after);
}

TEST_F(ShortPickStoreTest, UnitsTheShipmentDoesNotHaveAreRefusedNamingTheLineAndChangeNothing) {
  auto shipments = Create("ord-1");
  const std::string id = shipments[0].id();
  const std::size_t outbox_before = Outbox().size();
  ExpectRefused(ShortPick("r-1", id, {{"MUG", 1}, {"LAMP", 1}}), absl::StatusCode::kInvalidArgument,
                "missing[1].sku");  // the other warehouse's
  ExpectRefused(ShortPick("r-2", id, {{"MUG", 3}}), absl::StatusCode::kInvalidArgument,
                "missing[0].quantity");
  ExpectRefused(ShortPick("r-3", id, {{"BOOK", 1}, {"MUG", 2}, {"BOOK", 1}}),
                absl::StatusCode::kInvalidArgument, "missing[2].sku");
  EXPECT_EQ(LinesText(Get(id).lines()), "MUG×2@400 BOOK×1@1000 ");
  EXPECT_EQ(Journaled(id), 0);
  EXPECT_EQ(Outbox().size(), outbox_before);
  // Refused on its lines, never short-picked: a good report still goes through.
  ASSERT_TRUE(ShortPick("r-4", id, {{"MUG", 2}}).ok());
}

TEST_F(ShortPickStoreTest, OnlyAnOutboundShipmentNotYetShippedIsPickable) {
  auto shipments = Create("ord-1");
  auto cancelled = Create("ord-2");
  ASSERT_TRUE(CancelById("ord-2:cancel", cancelled[0].id()).ok());
  ASSERT_TRUE(Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_PACKED, 1).ok());
  ASSERT_TRUE(Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 2).ok());
  ASSERT_TRUE(Event(shipments[1].id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 2).ok());
  ASSERT_TRUE(Event(shipments[1].id(), v1::SHIPMENT_EVENT_TYPE_RETURNED_TO_SENDER, 9).ok());
  v1::CreateReplacementShipmentRequest reship;
  reship.set_request_id("ord-1:reship");
  reship.set_shipment_id(shipments[1].id());
  v1::Shipment replacement;
  ASSERT_TRUE(store_->CreateReplacementShipment(reship, &replacement).ok());
  ASSERT_TRUE(Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_DELIVERED, 30).ok());
  v1::Shipment return_shipment;
  ASSERT_TRUE(store_->CreateReturnShipment(ReturnOfOneMug("ord-1"), &return_shipment).ok());
  const std::size_t outbox_before = Outbox().size();

  for (const auto& [name, id, sku] : {std::tuple{"delivered", shipments[0].id(), "MUG"},
                                      std::tuple{"returned to sender", shipments[1].id(), "LAMP"},
                                      std::tuple{"cancelled", cancelled[0].id(), "MUG"},
                                      std::tuple{"replacement", replacement.id(), "LAMP"},
                                      std::tuple{"return", return_shipment.id(), "MUG"}}) {
    ExpectRefused(ShortPick(std::string("r-") + name, id, {{sku, 1}}),
                  absl::StatusCode::kFailedPrecondition, "SHIPMENT_NOT_PICKABLE");
    EXPECT_EQ(Journaled(id), 0) << name;
  }
  // Shipped (not yet delivered) is as late.
  auto late = Create("ord-3");
  ASSERT_TRUE(Event(late[0].id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 2).ok());
  ExpectRefused(ShortPick("r-shipped", late[0].id(), {{"MUG", 1}}),
                absl::StatusCode::kFailedPrecondition, "SHIPMENT_NOT_PICKABLE");
  EXPECT_EQ(LinesText(Get(late[0].id()).lines()), "MUG×2@400 BOOK×1@1000 ");
  for (const auto& event : Outbox(outbox_before)) {
    EXPECT_NE(event.type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHORT_PICKED) << event.shipment_id();
  }
}

TEST_F(ShortPickStoreTest, AnotherWarehousesShipmentIsNotFoundAsAMissingOne) {
  auto shipments = Create("ord-1");
  const std::string id = shipments[0].id();
  auto unknown = ShortPick("r-unknown", kUnknownShipment, {{"MUG", 1}});
  ExpectRefused(unknown, absl::StatusCode::kNotFound, "");
  auto foreign = ShortPick("r-foreign", id, {{"MUG", 1}}, "", kSecondWarehouse);
  ExpectRefused(foreign, absl::StatusCode::kNotFound, "");
  std::string foreign_message(foreign.status().message());
  foreign_message.replace(foreign_message.find(id), id.size(), kUnknownShipment);
  EXPECT_EQ(foreign_message, unknown.status().message());
  EXPECT_EQ(Journaled(id), 0);
  auto own = ShortPick("r-own", id, {{"MUG", 1}}, "", kFirstWarehouse);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(LinesText(own->lines()), "MUG×1@400 BOOK×1@1000 ");
}

TEST_F(ShortPickStoreTest, ConcurrentReportsOnOneShipmentTakeEffectOnce) {
  auto shipments = Create("ord-1");
  const std::string id = shipments[0].id();
  const std::size_t outbox_before = Outbox().size();

  // Eight racers under four request ids: repeats of one id and reports of different ids at once.
  std::vector<std::future<std::pair<std::string, absl::StatusOr<v1::Shipment>>>> racers;
  for (int i = 0; i < 8; ++i) {
    racers.push_back(std::async(std::launch::async, [this, id, i] {
      const std::string request_id = "race-" + std::to_string(i % 4);
      return std::make_pair(request_id, ShortPick(request_id, id, {{"MUG", 1}}));
    }));
  }
  std::set<std::string> took_effect;
  int refused = 0;
  for (auto& racer : racers) {
    auto [request_id, answer] = racer.get();
    if (answer.ok()) {
      took_effect.insert(request_id);
      EXPECT_EQ(LinesText(answer->lines()), "MUG×1@400 BOOK×1@1000 ");
    } else {
      ++refused;
      EXPECT_EQ(ReasonOf(answer.status()), "ALREADY_SHORT_PICKED") << answer.status();
    }
  }
  EXPECT_EQ(took_effect.size(), 1u);
  EXPECT_EQ(refused, 6);  // the two racers of the winning id both answer the shipment
  EXPECT_EQ(LinesText(Get(id).lines()), "MUG×1@400 BOOK×1@1000 ");
  EXPECT_EQ(Journaled(id), 1);
  auto events = Outbox(outbox_before);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHORT_PICKED);
}

TEST_F(ShortPickStoreTest, TheMissingUnitsShipFromAWarehouseThatShipsTheOrderAlready) {
  auto shipments = Create("ord-1");  // a shipment from each warehouse
  const std::string source = shipments[0].id();
  ASSERT_TRUE(ShortPick("dock-1:short", source, {{"MUG", 1}}).ok());
  const std::size_t outbox_before = Outbox().size();

  // The second warehouse ships ord-1 already; it sends the missing MUG too.
  auto created = Resource("ord-1:resource", "ord-1", source, kSecondWarehouse, "MUG", 1);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->shipments_size(), 1);
  const v1::Shipment resourced = created->shipments(0);
  EXPECT_EQ(resourced.resourced_from_shipment_id(), source);
  EXPECT_EQ(resourced.warehouse_id(), kSecondWarehouse);
  EXPECT_EQ(resourced.status(), v1::SHIPMENT_STATUS_PENDING);
  EXPECT_EQ(LinesText(resourced.lines()), "MUG×1@400 ");
  EXPECT_EQ(Get(resourced.id()).resourced_from_shipment_id(), source);
  EXPECT_TRUE(Get(source).resourced_from_shipment_id().empty());

  // Every event of it names the short-picked shipment.
  ASSERT_TRUE(Event(resourced.id(), v1::SHIPMENT_EVENT_TYPE_PICKED, 60).ok());
  ASSERT_TRUE(Event(resourced.id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 90).ok());
  std::vector<v1::OutboxEventType> types;
  for (const auto& event : Outbox(outbox_before)) {
    types.push_back(event.type());
    EXPECT_EQ(event.shipment_id(), resourced.id());
    EXPECT_EQ(event.resourced_from_shipment_id(), source) << event.type();
  }
  EXPECT_EQ(types, (std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED,
                                                     v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED,
                                                     v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED}));

  // The same request id answers the same; another one finds the group made.
  auto repeat = Resource("ord-1:resource", "ord-1", source, kSecondWarehouse, "MUG", 1);
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->shipments(0).id(), resourced.id());
  ExpectRefused(Resource("ord-1:resource-2", "ord-1", source, kSecondWarehouse, "MUG", 1),
                absl::StatusCode::kAlreadyExists, "SHIPMENTS_EXIST");
  // From the short-picked shipment's own warehouse too, once.
  auto same_warehouse = Resource("ord-1:resource-3", "ord-1", source, kFirstWarehouse, "MUG", 1);
  ASSERT_TRUE(same_warehouse.ok()) << same_warehouse.status();
  // The order's first groups are still made once.
  v1::CreateShipmentsResponse again;
  absl::Status first_again = store_->CreateShipments(CreateRequest("ord-1"), &again);
  ASSERT_TRUE(first_again.ok()) << first_again;  // the same request id: the first answer
  EXPECT_EQ(again.shipments(0).id(), source);
  auto plain = CreateRequest("ord-1");
  plain.set_request_id("ord-1:create-again");
  EXPECT_EQ(ReasonOf(store_->CreateShipments(plain, &again)), "SHIPMENTS_EXIST");

  v1::ListShipmentsResponse listed;
  ASSERT_TRUE(store_->ListShipments("ord-1", &listed).ok());
  std::multiset<std::string> sources;
  for (const auto& shipment : listed.shipments()) {
    sources.insert(shipment.resourced_from_shipment_id());
  }
  EXPECT_EQ(sources, (std::multiset<std::string>{"", "", source, source}));

  // The schema holds one per short-picked shipment and warehouse, and one first shipment per
  // warehouse of the order, whatever writes them.
  auto insert = [this](const std::string& warehouse_id, const std::string& resourced_from) {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec(
        "INSERT INTO shipments (order_id, kind, warehouse_id, status, address_line1, "
        "address_city, address_country, carrier, service_level, transport_mode, "
        "total_weight_grams, package_count, cost_currency, cost_minor, "
        "resourced_from_shipment_id) VALUES ('ord-1', 'OUTBOUND', " +
        tx.quote(warehouse_id) +
        ", 'PENDING', '1 Main St', 'Berlin', 'DE', 'DHL', 'STANDARD', 'GROUND', 0, 1, 'EUR', 0, " +
        tx.quote(resourced_from) + ")");
    tx.commit();
  };
  EXPECT_THROW(insert(kSecondWarehouse, source), pqxx::unique_violation);
  EXPECT_THROW(insert(kSecondWarehouse, ""), pqxx::unique_violation);
  EXPECT_EQ(Query("SELECT count(*) FROM shipments WHERE order_id = 'ord-1'"), 4);
}

TEST_F(ShortPickStoreTest, AGroupMustNameAnOutboundShipmentOfTheSameOrder) {
  auto shipments = Create("ord-1");
  auto others = Create("ord-2");
  ASSERT_TRUE(Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 1).ok());
  ASSERT_TRUE(Event(shipments[0].id(), v1::SHIPMENT_EVENT_TYPE_DELIVERED, 9).ok());
  v1::Shipment return_shipment;
  ASSERT_TRUE(store_->CreateReturnShipment(ReturnOfOneMug("ord-1"), &return_shipment).ok());
  const long long before = Query("SELECT count(*) FROM shipments");
  const std::size_t outbox_before = Outbox().size();

  const std::string field = "groups[0].resourced_from_shipment_id";
  ExpectRefused(Resource("r-other-order", "ord-1", others[0].id(), kSecondWarehouse, "MUG", 1),
                absl::StatusCode::kInvalidArgument, field);
  ExpectRefused(Resource("r-unknown", "ord-1", kUnknownShipment, kSecondWarehouse, "MUG", 1),
                absl::StatusCode::kInvalidArgument, field);
  ExpectRefused(Resource("r-return", "ord-1", return_shipment.id(), kSecondWarehouse, "MUG", 1),
                absl::StatusCode::kInvalidArgument, field);
  EXPECT_EQ(Query("SELECT count(*) FROM shipments"), before);
  EXPECT_EQ(Outbox(outbox_before).size(), 0u);
}

TEST_F(ShortPickStoreTest, EveryStatementOfAShortPickIsServedByAnIndex) {
  const std::string id = std::string("'") + kUnknownShipment + "'";
  testing::ExpectServedByIndexes(*pool_, ShipmentStatements(),
                                 {{"shipments_find_resourced", id + ", '" + kFirstWarehouse + "'"},
                                  {"shipments_short_pick", id + ", 0, 1"},
                                  {"shipment_lines_delete_emptied", id + ", '{MUG}', '{1}'"},
                                  {"shipment_lines_reduce", id + ", '{MUG}', '{1}'"}});
}

}  // namespace
}  // namespace oms::shipping
