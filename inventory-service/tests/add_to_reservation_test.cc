// AddToReservation (an order edit's added units) against a real PostgreSQL: the units are
// planned and held in the order's existing reservation, all or nothing, once per request id; the
// books (levels, ledger, reservation lines and allocation) agree afterwards, and a release by
// warehouse and lines gives back exactly what was added.

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "inventory-service/tests/reservation_test_fixture.h"

namespace oms::inventory {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr char kShortfallsUrl[] = "type.googleapis.com/oms.inventory.v1.InsufficientStock";

class AddToReservationTest : public ReservationUseCasesTest {
 protected:
  v1::AddToReservationRequest AddRequest(const std::string& order_id,
                                         std::vector<std::pair<std::string, int64_t>> lines) {
    v1::AddToReservationRequest request;
    request.set_request_id(order_id + ":add");
    request.set_order_id(order_id);
    *request.mutable_lines() = ReserveRequest(order_id, std::move(lines)).lines();
    *request.mutable_destination() = ReserveRequest(order_id, {}).destination();
    return request;
  }

  absl::StatusOr<v1::AddToReservationResponse> Add(const v1::AddToReservationRequest& request,
                                                   Outcome* outcome = nullptr) {
    v1::AddToReservationResponse response;
    Outcome ignored;
    absl::Status status = store_->Add(request, &response, outcome ? outcome : &ignored);
    if (!status.ok()) return status;
    return response;
  }

  // What every active warehouse has available of `sku`, together.
  int64_t Available(const std::string& sku) {
    v1::GetAvailabilityResponse response;
    EXPECT_TRUE(inventory_->GetAvailability(sku, &response).ok());
    return response.total_available();
  }

  // Gives back the units of each group of `added` at its warehouse, as an order edit undone
  // would: ReleaseReservation with the warehouse and the group's lines.
  void ReleaseEachGroup(const std::string& order_id, const v1::Allocation& added) {
    for (const auto& group : added.groups()) {
      std::vector<std::pair<std::string, int64_t>> units;
      for (const auto& line : group.lines()) units.emplace_back(line.sku(), line.quantity());
      auto released = Release(order_id, group.warehouse_id(), units);
      ASSERT_TRUE(released.ok()) << released.status();
    }
  }
};

TEST_F(AddToReservationTest, AddedUnitsOfAHeldSkuAndOfANewSkuAreHeld) {
  Receive(berlin_, "SKU-A", 10);
  Receive(berlin_, "SKU-B", 5);
  auto reserved = Reserve(ReserveRequest("order-1", {{"SKU-A", 3}}));
  ASSERT_TRUE(reserved.ok()) << reserved.status();
  const int64_t available_a = Available("SKU-A");
  const int64_t available_b = Available("SKU-B");

  Outcome outcome;
  auto added = Add(AddRequest("order-1", {{"SKU-A", 2}, {"SKU-B", 1}}), &outcome);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_FALSE(outcome.replayed);
  EXPECT_EQ(outcome.movements, 2);

  // The answer: where the added units are held, in a group like the planner's.
  ASSERT_EQ(added->allocation().groups_size(), 1);
  const v1::AllocationGroup& group = added->allocation().groups(0);
  EXPECT_EQ(group.warehouse_id(), berlin_);
  EXPECT_EQ(group.warehouse_code(), "BER-1");
  EXPECT_FALSE(group.reason().empty());
  EXPECT_GT(group.distance_km(), 0);
  EXPECT_EQ(added->allocation().strategy(), v1::ALLOCATION_STRATEGY_MINIMIZE_SPLITS);
  EXPECT_EQ(UnitsOf(added->allocation(), "SKU-A"), "BER-1=2");
  EXPECT_EQ(UnitsOf(added->allocation(), "SKU-B"), "BER-1=1");

  // The reservation: the held SKU's line grew, the new SKU got a line, the allocation says so,
  // and the expiry stayed.
  const v1::Reservation& reservation = added->reservation();
  EXPECT_EQ(reservation.id(), reserved->id());
  EXPECT_EQ(reservation.state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(reservation.lines_size(), 2);
  EXPECT_EQ(LineOf(reservation, berlin_, "SKU-A"), "5/0/0/5");
  EXPECT_EQ(LineOf(reservation, berlin_, "SKU-B"), "1/0/0/1");
  EXPECT_EQ(UnitsOf(reservation.allocation(), "SKU-A"), "BER-1=5");
  EXPECT_EQ(UnitsOf(reservation.allocation(), "SKU-B"), "BER-1=1");
  EXPECT_TRUE(MessageDifferencer::Equals(reservation.expire_time(), reserved->expire_time()));
  EXPECT_TRUE(MessageDifferencer::Equals(Get("order-1"), reservation));

  // Availability fell by exactly the added units; the ledger holds them as a reserve would.
  EXPECT_EQ(Available("SKU-A"), available_a - 2);
  EXPECT_EQ(Available("SKU-B"), available_b - 1);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 5);
  EXPECT_EQ(Level(berlin_, "SKU-B", "reserved"), 1);
  EXPECT_EQ(LedgerOf("order-1:add"),
            (std::vector<std::string>{"RESERVE BER-1 SKU-A 0/2", "RESERVE BER-1 SKU-B 0/1"}));
  EXPECT_EQ(Count("SELECT count(*) FROM stock_movements WHERE request_id = 'order-1:add' "
                  "AND order_id = 'order-1' AND reservation_id = '" +
                  reservation.id() + "'"),
            2);
  EXPECT_EQ(Violations(), "");
}

TEST_F(AddToReservationTest, UnitsOneWarehouseCannotHoldAreSplitAcrossTwo) {
  Receive(berlin_, "SKU-A", 3);
  Receive(warsaw_, "SKU-A", 3);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 2}})).ok());

  // Berlin has 1 left, Warsaw 3: neither holds 4 alone.
  auto added = Add(AddRequest("order-1", {{"SKU-A", 4}}));
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->allocation().groups_size(), 2);
  EXPECT_EQ(UnitsOf(added->allocation(), "SKU-A"), "BER-1=1,WAW-1=3");
  EXPECT_EQ(LineOf(added->reservation(), berlin_, "SKU-A"), "3/0/0/3");
  EXPECT_EQ(LineOf(added->reservation(), warsaw_, "SKU-A"), "3/0/0/3");
  EXPECT_EQ(UnitsOf(added->reservation().allocation(), "SKU-A"), "BER-1=3,WAW-1=3");
  EXPECT_EQ(Available("SKU-A"), 0);
  EXPECT_EQ(Violations(), "");
}

TEST_F(AddToReservationTest, AShortfallIsInsufficientStockAndChangesNothing) {
  Receive(berlin_, "SKU-A", 3);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 2}})).ok());
  const std::string before = Books();
  const v1::Reservation reservation = Get("order-1");

  auto refused = Add(AddRequest("order-1", {{"SKU-A", 2}, {"SKU-B", 1}}));
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
  EXPECT_TRUE(MessageDifferencer::Equals(Get("order-1"), reservation));
  EXPECT_EQ(Available("SKU-A"), 1);
  EXPECT_EQ(Violations(), "");
}

// A refusal is the answer to its request id: stock received later must not let a late duplicate
// hold what the caller already handled as not there.
TEST_F(AddToReservationTest, ARefusalIsReplayedAfterStockArrives) {
  Receive(berlin_, "SKU-A", 3);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 3}})).ok());
  const auto request = AddRequest("order-1", {{"SKU-A", 2}});
  auto refused = Add(request);
  ASSERT_EQ(ReasonOf(refused.status()), "INSUFFICIENT_STOCK");
  Receive(warsaw_, "SKU-A", 10);
  const std::string before = Books();

  Outcome outcome;
  auto again = Add(request, &outcome);
  EXPECT_TRUE(outcome.replayed);
  EXPECT_EQ(ReasonOf(again.status()), "INSUFFICIENT_STOCK");
  EXPECT_EQ(again.status().message(), refused.status().message());
  EXPECT_EQ(again.status().GetPayload(kShortfallsUrl), refused.status().GetPayload(kShortfallsUrl));
  EXPECT_EQ(Books(), before);
  EXPECT_EQ(Available("SKU-A"), 10);
  EXPECT_EQ(Violations(), "");
}

TEST_F(AddToReservationTest, ARepeatIsAnsweredAsTheFirstTimeWithoutASecondEffect) {
  Receive(berlin_, "SKU-A", 10);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 3}})).ok());
  const auto request = AddRequest("order-1", {{"SKU-A", 2}});
  auto first = Add(request);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string after_first = Books();

  Outcome outcome;
  auto again = Add(request, &outcome);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(outcome.replayed);
  EXPECT_TRUE(MessageDifferencer::Equals(*again, *first));
  EXPECT_EQ(Books(), after_first);
  EXPECT_EQ(Available("SKU-A"), 5);

  auto changed = AddRequest("order-1", {{"SKU-A", 1}});
  auto reused = Add(changed);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(reused.status()), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(Books(), after_first);
  EXPECT_EQ(Violations(), "");
}

// Without a reservation NOT_FOUND; with one that holds nothing any more, or soon will not,
// RESERVATION_NOT_HELD as an extension is refused. Nothing is held for any of them.
TEST_F(AddToReservationTest, OnlyAHeldReservationTakesUnits) {
  Receive(berlin_, "SKU-A", 10);
  ASSERT_TRUE(Reserve(ReserveRequest("order-released", {{"SKU-A", 1}})).ok());
  ASSERT_TRUE(Release("order-released").ok());
  ASSERT_TRUE(Reserve(ReserveRequest("order-shipped", {{"SKU-A", 1}})).ok());
  ASSERT_TRUE(Commit("order-shipped", "ship-1", berlin_, "SKU-A", 1).ok());
  ASSERT_TRUE(Release("order-tombstone").ok());
  ASSERT_TRUE(Reserve(ReserveRequest("order-late", {{"SKU-A", 1}})).ok());
  Exec(
      "UPDATE reservations SET expires_at = now() - interval '1 second' "
      "WHERE order_id = 'order-late'");
  const std::string before = Books();

  auto none = Add(AddRequest("order-none", {{"SKU-A", 1}}));
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(none.status().message().substr(0, 9), "order_id:") << none.status();
  for (const auto& [order_id, state] :
       {std::pair{"order-released", "RELEASED"}, std::pair{"order-shipped", "COMMITTED"},
        std::pair{"order-tombstone", "RELEASED"}, std::pair{"order-late", "EXPIRED"}}) {
    auto refused = Add(AddRequest(order_id, {{"SKU-A", 1}}));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << order_id;
    EXPECT_EQ(ReasonOf(refused.status()), "RESERVATION_NOT_HELD") << order_id;
    EXPECT_NE(refused.status().message().find(state), std::string::npos) << refused.status();
  }
  EXPECT_EQ(Books(), before);
  EXPECT_EQ(Violations(), "");
}

// An edit undone: each group of the answer released at its warehouse with its lines puts
// availability back exactly, the new SKU's line included, and the order keeps what it held.
TEST_F(AddToReservationTest, ReleasingTheAddedUnitsByWarehouseRestoresAvailability) {
  Receive(berlin_, "SKU-A", 3);
  Receive(berlin_, "SKU-B", 2);
  Receive(warsaw_, "SKU-A", 5);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 2}})).ok());
  const int64_t available_a = Available("SKU-A");
  const int64_t available_b = Available("SKU-B");

  // No warehouse has both: the units are held at two.
  auto added = Add(AddRequest("order-1", {{"SKU-A", 4}, {"SKU-B", 1}}));
  ASSERT_TRUE(added.ok()) << added.status();
  ASSERT_EQ(added->allocation().groups_size(), 2);
  EXPECT_EQ(Available("SKU-A"), available_a - 4);
  EXPECT_EQ(Available("SKU-B"), available_b - 1);
  EXPECT_EQ(Violations(), "");

  ReleaseEachGroup("order-1", added->allocation());
  EXPECT_EQ(Available("SKU-A"), available_a);
  EXPECT_EQ(Available("SKU-B"), available_b);
  const v1::Reservation after = Get("order-1");
  EXPECT_EQ(after.state(), v1::RESERVATION_STATE_HELD);
  int64_t held = 0;
  for (const auto& line : after.lines()) held += line.held();
  EXPECT_EQ(held, 2);
  EXPECT_EQ(LineOf(after, berlin_, "SKU-B"), "1/0/1/0");
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved") + Level(warsaw_, "SKU-A", "reserved"), 2);
  EXPECT_EQ(Level(berlin_, "SKU-B", "reserved"), 0);
  EXPECT_EQ(Violations(), "");

  // What the order held before the edit ships as ever.
  auto shipped = Commit("order-1", "ship-1", berlin_, "SKU-A", 2);
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_EQ(shipped->state(), v1::RESERVATION_STATE_COMMITTED);
  EXPECT_EQ(Violations(), "");
}

TEST_F(AddToReservationTest, TheAddedUnitsCommitWhereTheyAreHeld) {
  Receive(berlin_, "SKU-A", 5);
  Receive(berlin_, "SKU-B", 5);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 1}})).ok());
  ASSERT_TRUE(Add(AddRequest("order-1", {{"SKU-A", 1}, {"SKU-B", 2}})).ok());

  ASSERT_TRUE(Commit("order-1", "ship-a", berlin_, "SKU-A", 2).ok());
  auto shipped = Commit("order-1", "ship-b", berlin_, "SKU-B", 2);
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_EQ(shipped->state(), v1::RESERVATION_STATE_COMMITTED);
  EXPECT_EQ(Level(berlin_, "SKU-A", "on_hand"), 3);
  EXPECT_EQ(Level(berlin_, "SKU-B", "on_hand"), 3);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved") + Level(berlin_, "SKU-B", "reserved"), 0);
  EXPECT_EQ(Violations(), "");
}

// Two orders' edits race six other orders' reserves for the last 3 units: exactly three win,
// the others are refused, nothing is oversold or deadlocks, and the books add up.
TEST_F(AddToReservationTest, EditsRacingReservesForTheLastUnitsNeverOversell) {
  Receive(berlin_, "SKU-A", 2);
  Receive(warsaw_, "LAST", 3);
  ASSERT_TRUE(Reserve(ReserveRequest("edit-0", {{"SKU-A", 1}})).ok());
  ASSERT_TRUE(Reserve(ReserveRequest("edit-1", {{"SKU-A", 1}})).ok());

  constexpr int kClients = 8;
  const RaceOutcome race = RaceForStock(kClients, [this](int i) {
    const std::string order_id = (i < 2 ? "edit-" : "race-") + std::to_string(i);
    return i < 2 ? Add(AddRequest(order_id, {{"LAST", 1}})).status()
                 : Reserve(ReserveRequest(order_id, {{"LAST", 1}})).status();
  });
  EXPECT_EQ(race.won, 3);
  EXPECT_EQ(race.refused, kClients - 3);
  EXPECT_EQ(Level(warsaw_, "LAST", "reserved"), 3);
  EXPECT_EQ(Level(warsaw_, "LAST", "on_hand"), 3);
  EXPECT_EQ(Violations(), "");
}

}  // namespace
}  // namespace oms::inventory
