// ResourceReservation (a short pick) against a real PostgreSQL: the units move from the warehouse
// that could not pick them to others, all or nothing, once per request id, and the books (levels,
// ledger, reservation lines and allocation) agree afterwards, also while other orders race for
// the same units.
#include <atomic>

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/status.h"
#include "common/testing/query_plan.h"
#include "inventory-service/src/reservation_store.h"
#include "inventory-service/src/stock_store.h"
#include "inventory-service/tests/reservation_test_fixture.h"

namespace oms::inventory {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr char kShortfallsUrl[] = "type.googleapis.com/oms.inventory.v1.InsufficientStock";

class ResourceReservationTest : public ReservationUseCasesTest {
 protected:
  v1::ResourceReservationRequest ResourceRequest(
      const std::string& order_id, const std::string& from_warehouse_id,
      std::vector<std::pair<std::string, int64_t>> lines) {
    v1::ResourceReservationRequest request;
    request.set_request_id(order_id + ":resource");
    request.set_order_id(order_id);
    request.set_from_warehouse_id(from_warehouse_id);
    *request.mutable_lines() = ReserveRequest(order_id, std::move(lines)).lines();
    *request.mutable_destination() = ReserveRequest(order_id, {}).destination();
    return request;
  }

  absl::StatusOr<v1::ResourceReservationResponse> Resource(
      const v1::ResourceReservationRequest& request, Outcome* outcome = nullptr) {
    v1::ResourceReservationResponse response;
    Outcome ignored;
    absl::Status status = store_->Resource(request, &response, outcome ? outcome : &ignored);
    if (!status.ok()) return status;
    return response;
  }
};

TEST_F(ResourceReservationTest, MovesTheMissingUnitsToAnotherWarehouse) {
  Receive(berlin_, "SKU-A", 5);
  Receive(warsaw_, "SKU-A", 5);
  Receive(berlin_, "SKU-B", 4);
  auto reserved = Reserve(ReserveRequest("order-1", {{"SKU-A", 3}, {"SKU-B", 2}}));
  ASSERT_TRUE(reserved.ok()) << reserved.status();
  ASSERT_EQ(UnitsOf(reserved->allocation(), "SKU-A"), "BER-1=3");

  Outcome outcome;
  auto moved = Resource(ResourceRequest("order-1", berlin_, {{"SKU-A", 2}}), &outcome);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_FALSE(outcome.replayed);
  EXPECT_EQ(outcome.movements, 3);

  // The answer: only the moved units, in a group like the planner's.
  ASSERT_EQ(moved->allocation().groups_size(), 1);
  const v1::AllocationGroup& group = moved->allocation().groups(0);
  EXPECT_EQ(group.warehouse_id(), warsaw_);
  EXPECT_EQ(group.warehouse_code(), "WAW-1");
  EXPECT_FALSE(group.reason().empty());
  EXPECT_GT(group.distance_km(), 0);
  EXPECT_EQ(moved->allocation().strategy(), v1::ALLOCATION_STRATEGY_MINIMIZE_SPLITS);
  EXPECT_EQ(UnitsOf(moved->allocation(), "SKU-A"), "WAW-1=2");

  // The reservation: still held, its lines and allocation saying where the units are now.
  const v1::Reservation& reservation = moved->reservation();
  EXPECT_EQ(reservation.state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(LineOf(reservation, berlin_, "SKU-A"), "3/0/2/1");
  EXPECT_EQ(LineOf(reservation, warsaw_, "SKU-A"), "2/0/0/2");
  EXPECT_EQ(LineOf(reservation, berlin_, "SKU-B"), "2/0/0/2");
  EXPECT_EQ(UnitsOf(reservation.allocation(), "SKU-A"), "BER-1=1,WAW-1=2");
  EXPECT_EQ(UnitsOf(reservation.allocation(), "SKU-B"), "BER-1=2");
  EXPECT_TRUE(MessageDifferencer::Equals(Get("order-1"), reservation));

  // Berlin gave back and wrote off the two units it could not find; Warsaw holds two.
  EXPECT_EQ(Level(berlin_, "SKU-A", "on_hand"), 3);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 1);
  EXPECT_EQ(Level(warsaw_, "SKU-A", "on_hand"), 5);
  EXPECT_EQ(Level(warsaw_, "SKU-A", "reserved"), 2);
  EXPECT_EQ(LedgerOf("order-1:resource"),
            (std::vector<std::string>{"RELEASE BER-1 SKU-A 0/-2", "CORRECTION BER-1 SKU-A -2/0",
                                      "RESERVE WAW-1 SKU-A 0/2"}));
  EXPECT_EQ(Count("SELECT count(*) FROM stock_movements WHERE request_id = 'order-1:resource' "
                  "AND order_id = 'order-1' AND reservation_id = '" +
                  reservation.id() + "'"),
            3);
  EXPECT_EQ(Count("SELECT count(*) FROM stock_movements WHERE request_id = 'order-1:resource' "
                  "AND kind <> 'RESERVE' AND reason = 'short pick: not found by the picker'"),
            2);
  EXPECT_EQ(Violations(), "");
}

TEST_F(ResourceReservationTest, AWarehouseThatAlreadyHoldsTheSkuForTheOrderHoldsMore) {
  Receive(berlin_, "SKU-A", 5);
  Receive(warsaw_, "SKU-A", 6);
  auto reserved = Reserve(ReserveRequest("order-1", {{"SKU-A", 7}}));
  ASSERT_TRUE(reserved.ok()) << reserved.status();
  ASSERT_EQ(UnitsOf(reserved->allocation(), "SKU-A"), "BER-1=5,WAW-1=2");

  // Every unit Berlin held goes: its group leaves the allocation.
  auto moved = Resource(ResourceRequest("order-1", berlin_, {{"SKU-A", 4}}));
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(UnitsOf(moved->allocation(), "SKU-A"), "WAW-1=4");
  EXPECT_EQ(LineOf(moved->reservation(), warsaw_, "SKU-A"), "6/0/0/6");
  EXPECT_EQ(LineOf(moved->reservation(), berlin_, "SKU-A"), "5/0/4/1");
  EXPECT_EQ(UnitsOf(moved->reservation().allocation(), "SKU-A"), "BER-1=1,WAW-1=6");
  EXPECT_EQ(moved->reservation().allocation().groups_size(), 2);
  EXPECT_EQ(Level(warsaw_, "SKU-A", "reserved"), 6);

  auto rest = ResourceRequest("order-1", berlin_, {{"SKU-A", 1}});
  rest.set_request_id("order-1:resource-2");
  Receive(warsaw_, "SKU-A", 1);
  auto again = Resource(rest);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->reservation().allocation().groups_size(), 1);
  EXPECT_EQ(UnitsOf(again->reservation().allocation(), "SKU-A"), "WAW-1=7");
  EXPECT_EQ(Level(berlin_, "SKU-A", "on_hand"), 0);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 0);
  EXPECT_EQ(Violations(), "");
}

TEST_F(ResourceReservationTest, NotEnoughElsewhereIsInsufficientStockAndChangesNothing) {
  Receive(berlin_, "SKU-A", 10);  // spare units at the warehouse that could not pick don't count
  Receive(warsaw_, "SKU-A", 1);
  Receive(berlin_, "SKU-B", 5);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 3}, {"SKU-B", 2}})).ok());
  const std::string before = Books();

  auto refused = Resource(ResourceRequest("order-1", berlin_, {{"SKU-A", 2}, {"SKU-B", 1}}));
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(refused.status()), "INSUFFICIENT_STOCK");
  auto payload = refused.status().GetPayload(kShortfallsUrl);
  ASSERT_TRUE(payload.has_value());
  v1::InsufficientStock detail;
  ASSERT_TRUE(detail.ParseFromString(std::string(*payload)));
  ASSERT_EQ(detail.shortfalls_size(), 2);
  EXPECT_EQ(detail.shortfalls(0).sku(), "SKU-A");
  EXPECT_EQ(detail.shortfalls(0).wanted(), 2);
  EXPECT_EQ(detail.shortfalls(0).available(), 1);
  EXPECT_EQ(detail.shortfalls(1).sku(), "SKU-B");
  EXPECT_EQ(detail.shortfalls(1).available(), 0);
  EXPECT_EQ(Books(), before);
  EXPECT_EQ(Violations(), "");
}

// The same short pick allowed to cancel what no other warehouse has: the one SKU-A Warsaw has
// is held there, the other SKU-A and the SKU-B are cancelled; all three are released and written
// off in Berlin.
TEST_F(ResourceReservationTest, CancellingTheUnavailableHoldsWhatTheOthersHaveAndCancelsTheRest) {
  Receive(berlin_, "SKU-A", 10);
  Receive(warsaw_, "SKU-A", 1);
  Receive(berlin_, "SKU-B", 5);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 3}, {"SKU-B", 2}})).ok());
  v1::ResourceReservationRequest request =
      ResourceRequest("order-1", berlin_, {{"SKU-A", 2}, {"SKU-B", 1}});
  request.set_cancel_unavailable(true);
  auto partly = Resource(request);
  ASSERT_TRUE(partly.ok()) << partly.status();
  EXPECT_EQ(UnitsOf(partly->allocation(), "SKU-A"), "WAW-1=1");
  EXPECT_EQ(UnitsOf(partly->allocation(), "SKU-B"), "");
  ASSERT_EQ(partly->cancelled_size(), 2);
  EXPECT_EQ(partly->cancelled(0).sku(), "SKU-A");
  EXPECT_EQ(partly->cancelled(0).quantity(), 1);
  EXPECT_EQ(partly->cancelled(1).sku(), "SKU-B");
  EXPECT_EQ(partly->cancelled(1).quantity(), 1);
  EXPECT_EQ(LineOf(partly->reservation(), berlin_, "SKU-A"), "3/0/2/1");
  EXPECT_EQ(LineOf(partly->reservation(), berlin_, "SKU-B"), "2/0/1/1");
  EXPECT_EQ(LineOf(partly->reservation(), warsaw_, "SKU-A"), "1/0/0/1");
  EXPECT_EQ(Violations(), "");

  // Nothing anywhere: everything cancelled, nothing held.
  ASSERT_TRUE(Reserve(ReserveRequest("order-2", {{"SKU-B", 2}})).ok());
  request = ResourceRequest("order-2", berlin_, {{"SKU-B", 2}});
  request.set_cancel_unavailable(true);
  auto none = Resource(request);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->allocation().groups_size(), 0);
  ASSERT_EQ(none->cancelled_size(), 1);
  EXPECT_EQ(none->cancelled(0).quantity(), 2);
  EXPECT_EQ(LineOf(none->reservation(), berlin_, "SKU-B"), "2/0/2/0");
  EXPECT_EQ(Violations(), "");
}

// A cancelled shipment's own units at a warehouse that holds another shipment's too: only those
// are released, never more than is held.
TEST_F(ResourceReservationTest, AReleaseOfSomeUnitsLeavesTheRestHeld) {
  Receive(berlin_, "SKU-A", 10);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 3}})).ok());
  auto released = Release("order-1", berlin_, {{"SKU-A", 1}});
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(LineOf(*released, berlin_, "SKU-A"), "3/0/1/2");
  EXPECT_EQ(released->state(), v1::RESERVATION_STATE_HELD);
  released = Release("order-1", berlin_, {{"SKU-A", 1}, {"SKU-B", 1}});
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(LineOf(*released, berlin_, "SKU-A"), "3/0/2/1");
  EXPECT_EQ(Violations(), "");
}

// An order that takes what there is: the warehouses' 3 of 5 SKU-A are held and 2 are left
// unfilled; with none of SKU-B at all it is refused as ever, and without the flag too.
TEST_F(ResourceReservationTest, AReserveTakingWhatThereIsLeavesTheRestUnfilled) {
  Receive(berlin_, "SKU-A", 2);
  Receive(warsaw_, "SKU-A", 1);
  v1::ReserveStockRequest request = ReserveRequest("order-1", {{"SKU-A", 5}});
  EXPECT_EQ(ReasonOf(Reserve(request).status()), "INSUFFICIENT_STOCK");
  request.set_request_id("order-1:partly");
  request.set_cancel_unavailable(true);
  auto partly = Reserve(request);
  ASSERT_TRUE(partly.ok()) << partly.status();
  EXPECT_EQ(LineOf(*partly, berlin_, "SKU-A"), "2/0/0/2");
  EXPECT_EQ(LineOf(*partly, warsaw_, "SKU-A"), "1/0/0/1");
  ASSERT_EQ(partly->allocation().unfilled_size(), 1);
  EXPECT_EQ(partly->allocation().unfilled(0).sku(), "SKU-A");
  EXPECT_EQ(partly->allocation().unfilled(0).quantity(), 2);
  EXPECT_EQ(Violations(), "");

  v1::ReserveStockRequest nothing = ReserveRequest("order-2", {{"SKU-B", 1}});
  nothing.set_cancel_unavailable(true);
  EXPECT_EQ(ReasonOf(Reserve(nothing).status()), "INSUFFICIENT_STOCK");
}

TEST_F(ResourceReservationTest, NeverFromTheWarehouseThatCouldNotPick) {
  Receive(berlin_, "SKU-A", 10);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 2}})).ok());
  const std::string before = Books();
  auto refused = Resource(ResourceRequest("order-1", berlin_, {{"SKU-A", 1}}));
  EXPECT_EQ(ReasonOf(refused.status()), "INSUFFICIENT_STOCK");
  EXPECT_EQ(Books(), before);

  Receive(warsaw_, "SKU-A", 1);
  auto request = ResourceRequest("order-1", berlin_, {{"SKU-A", 1}});
  request.set_request_id("order-1:resource-after-receipt");
  auto moved = Resource(request);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(UnitsOf(moved->allocation(), "SKU-A"), "WAW-1=1");
  EXPECT_EQ(Violations(), "");
}

TEST_F(ResourceReservationTest, MoreThanTheWarehouseHoldsForTheOrderIsReservationLineShort) {
  Receive(berlin_, "SKU-A", 5);
  Receive(warsaw_, "SKU-A", 9);
  Receive(berlin_, "SKU-B", 5);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 2}, {"SKU-B", 1}})).ok());
  const std::string before = Books();

  auto too_many = Resource(ResourceRequest("order-1", berlin_, {{"SKU-A", 1}, {"SKU-B", 2}}));
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(too_many.status()), "RESERVATION_LINE_SHORT");
  EXPECT_NE(too_many.status().message().find("SKU-B"), std::string::npos) << too_many.status();
  EXPECT_NE(too_many.status().message().find("lines[1]"), std::string::npos) << too_many.status();

  // Warsaw holds nothing for the order.
  auto elsewhere = ResourceRequest("order-1", warsaw_, {{"SKU-A", 1}});
  elsewhere.set_request_id("order-1:resource-waw");
  EXPECT_EQ(ReasonOf(Resource(elsewhere).status()), "RESERVATION_LINE_SHORT");
  EXPECT_EQ(Books(), before);
}

TEST_F(ResourceReservationTest, WithoutAHeldReservationItIsNotFound) {
  Receive(berlin_, "SKU-A", 5);
  Receive(warsaw_, "SKU-A", 5);
  EXPECT_EQ(Resource(ResourceRequest("order-none", berlin_, {{"SKU-A", 1}})).status().code(),
            absl::StatusCode::kNotFound);

  ASSERT_TRUE(Release("order-tombstone").ok());
  EXPECT_EQ(Resource(ResourceRequest("order-tombstone", berlin_, {{"SKU-A", 1}})).status().code(),
            absl::StatusCode::kNotFound);

  ASSERT_TRUE(Reserve(ReserveRequest("order-shipped", {{"SKU-A", 1}})).ok());
  ASSERT_TRUE(Commit("order-shipped", "ship-1", berlin_, "SKU-A", 1).ok());
  auto shipped = Resource(ResourceRequest("order-shipped", berlin_, {{"SKU-A", 1}}));
  EXPECT_EQ(shipped.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(shipped.status().message().find("COMMITTED"), std::string::npos) << shipped.status();

  ASSERT_TRUE(Reserve(ReserveRequest("order-late", {{"SKU-A", 1}})).ok());
  Exec(
      "UPDATE reservations SET expires_at = now() - interval '1 second' "
      "WHERE order_id = 'order-late'");
  auto late = Resource(ResourceRequest("order-late", berlin_, {{"SKU-A", 1}}));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Level(berlin_, "SKU-A", "on_hand"), 4);
  EXPECT_EQ(Level(warsaw_, "SKU-A", "reserved"), 0);
}

TEST_F(ResourceReservationTest, ARepeatIsAnsweredAsTheFirstTimeWithoutASecondEffect) {
  Receive(berlin_, "SKU-A", 5);
  Receive(warsaw_, "SKU-A", 5);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 3}})).ok());
  const auto request = ResourceRequest("order-1", berlin_, {{"SKU-A", 2}});
  auto first = Resource(request);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string after_first = Books();

  Outcome outcome;
  auto again = Resource(request, &outcome);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(outcome.replayed);
  EXPECT_TRUE(MessageDifferencer::Equals(*again, *first));
  EXPECT_EQ(Books(), after_first);

  auto changed = ResourceRequest("order-1", berlin_, {{"SKU-A", 1}});
  EXPECT_EQ(ReasonOf(Resource(changed).status()), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(Books(), after_first);
  EXPECT_EQ(Violations(), "");
}

// A refusal is the answer to its request id: the units received later must not let a late
// duplicate move what the caller already handled as not movable.
TEST_F(ResourceReservationTest, ARefusalIsRememberedAfterStockArrives) {
  Receive(berlin_, "SKU-A", 5);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 3}})).ok());
  const auto request = ResourceRequest("order-1", berlin_, {{"SKU-A", 2}});
  auto refused = Resource(request);
  ASSERT_EQ(ReasonOf(refused.status()), "INSUFFICIENT_STOCK");
  Receive(warsaw_, "SKU-A", 10);
  const std::string before = Books();

  Outcome outcome;
  auto again = Resource(request, &outcome);
  EXPECT_TRUE(outcome.replayed);
  EXPECT_EQ(ReasonOf(again.status()), "INSUFFICIENT_STOCK");
  EXPECT_EQ(again.status().message(), refused.status().message());
  EXPECT_EQ(again.status().GetPayload(kShortfallsUrl), refused.status().GetPayload(kShortfallsUrl));
  EXPECT_EQ(Books(), before);
  EXPECT_EQ(Violations(), "");
}

TEST_F(ResourceReservationTest, TheMovedUnitsCommitWhereTheyAreHeldNow) {
  Receive(berlin_, "SKU-A", 5);
  Receive(warsaw_, "SKU-A", 5);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 3}})).ok());
  ASSERT_TRUE(Resource(ResourceRequest("order-1", berlin_, {{"SKU-A", 2}})).ok());

  // The units Berlin gave up are not Berlin's to ship any more.
  EXPECT_EQ(ReasonOf(Commit("order-1", "ship-ber-2", berlin_, "SKU-A", 2).status()),
            "COMMIT_EXCEEDS_HOLD");
  auto warsaw_shipped = Commit("order-1", "ship-waw", warsaw_, "SKU-A", 2);
  ASSERT_TRUE(warsaw_shipped.ok()) << warsaw_shipped.status();
  EXPECT_EQ(warsaw_shipped->state(), v1::RESERVATION_STATE_HELD);  // Berlin still holds one
  auto berlin_shipped = Commit("order-1", "ship-ber", berlin_, "SKU-A", 1);
  ASSERT_TRUE(berlin_shipped.ok()) << berlin_shipped.status();
  EXPECT_EQ(berlin_shipped->state(), v1::RESERVATION_STATE_COMMITTED);
  EXPECT_EQ(LineOf(*berlin_shipped, berlin_, "SKU-A"), "3/1/2/0");
  EXPECT_EQ(LineOf(*berlin_shipped, warsaw_, "SKU-A"), "2/2/0/0");
  EXPECT_EQ(Level(berlin_, "SKU-A", "on_hand"), 2);  // 5, less 2 not found, less 1 shipped
  EXPECT_EQ(Level(warsaw_, "SKU-A", "on_hand"), 3);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved") + Level(warsaw_, "SKU-A", "reserved"), 0);
  EXPECT_EQ(Violations(), "");
}

// Two orders' short picks at Berlin race six other orders' reserves for the last 3 units, all
// in Warsaw: exactly three win, the others are refused, nothing is oversold or deadlocks, and the
// books add up.
TEST_F(ResourceReservationTest, ShortPicksRacingReservesForTheLastUnitsNeverOversell) {
  Receive(berlin_, "LAST", 2);
  Receive(warsaw_, "LAST", 3);
  auto berlin_only = [this](const std::string& order_id) {
    auto request = ReserveRequest(order_id, {{"LAST", 1}});
    request.set_strategy(v1::ALLOCATION_STRATEGY_SINGLE_WAREHOUSE);
    return Reserve(request);
  };
  ASSERT_TRUE(berlin_only("short-0").ok());
  ASSERT_TRUE(berlin_only("short-1").ok());
  ASSERT_EQ(Level(berlin_, "LAST", "reserved"), 2);
  ASSERT_EQ(Level(warsaw_, "LAST", "reserved"), 0);

  constexpr int kClients = 8;
  std::atomic<int> resourced{0};
  const RaceOutcome race = RaceForStock(kClients, [&](int i) {
    if (i >= 2) return Reserve(ReserveRequest("race-" + std::to_string(i), {{"LAST", 1}})).status();
    auto moved = Resource(ResourceRequest("short-" + std::to_string(i), berlin_, {{"LAST", 1}}));
    if (moved.ok()) ++resourced;
    return moved.status();
  });
  EXPECT_EQ(race.won, 3);
  EXPECT_EQ(race.refused, kClients - 3);
  EXPECT_EQ(Level(warsaw_, "LAST", "reserved"), 3);
  EXPECT_EQ(Level(warsaw_, "LAST", "on_hand"), 3);
  EXPECT_EQ(Level(berlin_, "LAST", "on_hand"), 2 - resourced.load());
  EXPECT_EQ(Level(berlin_, "LAST", "reserved"), 2 - resourced.load());
  EXPECT_EQ(Violations(), "");
}

TEST_F(ResourceReservationTest, ItsStatementsAreServedByIndexes) {
  const std::string id = "'0b4c7f6e-8d2a-4c55-9a51-3f6f0f1d2e3a'";
  testing::ExpectServedByIndexes(
      *pool_, ReservationStatements(),
      {{"reservations_set_allocation", id + ", ''"},
       {"reservation_lines_hold", id + ", '{" + berlin_ + "}', '{SKU-A}', '{1}'"}});
  testing::ExpectServedByIndexes(*pool_, StockStatements(),
                                 {{"stock_levels_lock_skus", "'{SKU-A}'"}});
}

}  // namespace
}  // namespace oms::inventory
