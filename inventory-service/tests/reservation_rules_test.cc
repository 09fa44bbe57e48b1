#include "inventory-service/src/reservation_rules.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::inventory {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);
const std::string kBerlin = "0a7e35f2-6c4c-4c8b-9d0e-000000000001";
const std::string kWarsaw = "0a7e35f2-6c4c-4c8b-9d0e-000000000002";

ReservationHead Head(v1::ReservationState state, absl::Duration expires_in = absl::Minutes(10)) {
  return {"reservation-1", state, /*tombstone=*/false, kNow + expires_in, kNow};
}

ReservationHead Tombstone() {
  return {"reservation-1", v1::RESERVATION_STATE_RELEASED, true, std::nullopt, kNow};
}

ReservationLine LineOf(const std::string& warehouse_id, const std::string& sku, int64_t quantity,
                       int64_t committed = 0, int64_t released = 0) {
  return {warehouse_id, "CODE", sku, quantity, committed, released};
}

google::protobuf::RepeatedPtrField<v1::ShipmentLine> Ship(
    std::vector<std::tuple<std::string, std::string, int64_t>> lines) {
  google::protobuf::RepeatedPtrField<v1::ShipmentLine> shipped;
  for (const auto& [warehouse_id, sku, quantity] : lines) {
    auto* line = shipped.Add();
    line->set_warehouse_id(warehouse_id);
    line->set_sku(sku);
    line->set_quantity(quantity);
  }
  return shipped;
}

TEST(ReservationRulesTest, StatesMapToTheirStoredTextAndBack) {
  for (auto state : {v1::RESERVATION_STATE_HELD, v1::RESERVATION_STATE_COMMITTED,
                     v1::RESERVATION_STATE_RELEASED, v1::RESERVATION_STATE_EXPIRED}) {
    EXPECT_EQ(ReservationStateFromText(ReservationStateText(state)), state);
  }
  EXPECT_EQ(ReservationStateText(v1::RESERVATION_STATE_COMMITTED), "COMMITTED");
  EXPECT_EQ(ReservationStateFromText("HELD"), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(ReservationStateFromText("held"), v1::RESERVATION_STATE_UNSPECIFIED);
  EXPECT_EQ(ReservationStateFromText("LOST"), v1::RESERVATION_STATE_UNSPECIFIED);
}

TEST(ReservationRulesTest, ExpiryIsReachedAtTheExpiryTimeOnTheDatabaseClock) {
  EXPECT_FALSE(PastExpiry(Head(v1::RESERVATION_STATE_HELD, absl::Seconds(1))));
  EXPECT_TRUE(PastExpiry(Head(v1::RESERVATION_STATE_HELD, absl::ZeroDuration())));
  EXPECT_TRUE(PastExpiry(Head(v1::RESERVATION_STATE_HELD, -absl::Seconds(1))));
  EXPECT_FALSE(PastExpiry(Tombstone()));  // no expiry at all
}

TEST(ReservationRulesTest, AnOrderIsReservableOnlyOnce) {
  EXPECT_TRUE(CheckReservable("order-1", std::nullopt).ok());
  absl::Status taken = CheckReservable("order-1", Head(v1::RESERVATION_STATE_RELEASED));
  EXPECT_EQ(taken.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(taken), "RESERVATION_EXISTS");
  EXPECT_EQ(ReasonOf(CheckReservable("order-1", Tombstone())), "RESERVATION_RELEASED");
}

TEST(ReservationRulesTest, OnlyAHeldUnexpiredReservationMayBeCommittedOrExtended) {
  EXPECT_TRUE(CheckHeld("order-1", Head(v1::RESERVATION_STATE_HELD)).ok());
  struct Case {
    ReservationHead head;
    std::string says;
  };
  for (const auto& [head, says] :
       {Case{Head(v1::RESERVATION_STATE_HELD, -absl::Seconds(1)), "is EXPIRED"},
        Case{Head(v1::RESERVATION_STATE_EXPIRED), "is EXPIRED"},
        Case{Head(v1::RESERVATION_STATE_COMMITTED), "is COMMITTED"},
        Case{Head(v1::RESERVATION_STATE_RELEASED), "is RELEASED"},
        Case{Tombstone(), "is RELEASED before it was made"}}) {
    absl::Status refused = CheckHeld("order-1", head);
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ReasonOf(refused), "RESERVATION_NOT_HELD");
    EXPECT_NE(refused.message().find("the reservation of order order-1 " + says),
              absl::string_view::npos)
        << refused;
  }
  EXPECT_EQ(NoReservation("order-1").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(NoReservation("order-1").message(), "order_id: no reservation for order order-1");
}

TEST(ReservationRulesTest, AReleaseFreesAHeldReservationEvenPastItsExpiry) {
  EXPECT_TRUE(MayRelease(Head(v1::RESERVATION_STATE_HELD)));
  EXPECT_TRUE(MayRelease(Head(v1::RESERVATION_STATE_HELD, -absl::Hours(1))));
  EXPECT_FALSE(MayRelease(Head(v1::RESERVATION_STATE_COMMITTED)));
  EXPECT_FALSE(MayRelease(Head(v1::RESERVATION_STATE_EXPIRED)));
  EXPECT_FALSE(MayRelease(Tombstone()));
}

TEST(ReservationRulesTest, APlanHoldsEachOfItsGroupsLines) {
  Plan plan;
  plan.feasible = true;
  plan.groups = {{kBerlin, "BER-1", {{"SKU-A", 5}, {"SKU-B", 1}}, "", -1},
                 {kWarsaw, "WAW-1", {{"SKU-A", 2}}, "", -1}};
  EXPECT_EQ(HeldByPlan(plan),
            (std::vector<LineQuantity>{
                {kBerlin, "SKU-A", 5}, {kBerlin, "SKU-B", 1}, {kWarsaw, "SKU-A", 2}}));
}

TEST(ReservationRulesTest, ACommitShipsAtMostWhatIsHeldPerWarehouseAndSku) {
  const std::vector<ReservationLine> lines = {LineOf(kBerlin, "SKU-A", 5, /*committed=*/2),
                                              LineOf(kWarsaw, "SKU-A", 3, 0, /*released=*/1)};
  auto shipped = CommitQuantities(lines, Ship({{kBerlin, "SKU-A", 1}, {kBerlin, "SKU-A", 2}}));
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_EQ(*shipped, (std::vector<LineQuantity>{{kBerlin, "SKU-A", 3}}));  // merged, all held

  // Upper-case ids name the same warehouse.
  std::string upper = kWarsaw;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  shipped = CommitQuantities(lines, Ship({{upper, "SKU-A", 2}}));
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_EQ(*shipped, (std::vector<LineQuantity>{{kWarsaw, "SKU-A", 2}}));

  for (const auto& too_much : {Ship({{kBerlin, "SKU-A", 4}}), Ship({{kWarsaw, "SKU-A", 3}}),
                               Ship({{kBerlin, "SKU-B", 1}}),  // a line it does not have
                               Ship({{kBerlin, "SKU-A", 2}, {kBerlin, "SKU-A", 2}})}) {
    auto refused = CommitQuantities(lines, too_much);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ReasonOf(refused.status()), "COMMIT_EXCEEDS_HOLD");
  }
}

TEST(ReservationRulesTest, AReleaseTakesWhatIsHeldInOneWarehouseOrAll) {
  const std::vector<ReservationLine> lines = {LineOf(kBerlin, "SKU-A", 5, /*committed=*/2),
                                              LineOf(kBerlin, "SKU-B", 1, /*committed=*/1),
                                              LineOf(kWarsaw, "SKU-A", 3, 0, /*released=*/1)};
  EXPECT_EQ(ReleaseQuantities(lines, ""),
            (std::vector<LineQuantity>{{kBerlin, "SKU-A", 3}, {kWarsaw, "SKU-A", 2}}));
  EXPECT_EQ(ReleaseQuantities(lines, kWarsaw), (std::vector<LineQuantity>{{kWarsaw, "SKU-A", 2}}));
  EXPECT_TRUE(ReleaseQuantities(lines, "0a7e35f2-6c4c-4c8b-9d0e-000000000003").empty());
  EXPECT_TRUE(ReleaseQuantities({LineOf(kBerlin, "SKU-A", 2, 1, 1)}, "").empty());
  // One shipment's units of a warehouse holding another's too; never more than is held.
  google::protobuf::RepeatedPtrField<v1::OrderLine> only;
  only.Add()->set_sku("SKU-A");
  only.Mutable(0)->set_quantity(2);
  EXPECT_EQ(ReleaseQuantities(lines, kBerlin, only),
            (std::vector<LineQuantity>{{kBerlin, "SKU-A", 2}}));
  only.Mutable(0)->set_quantity(9);
  EXPECT_EQ(ReleaseQuantities(lines, kBerlin, only),
            (std::vector<LineQuantity>{{kBerlin, "SKU-A", 3}}));
}

TEST(ReservationRulesTest, AReservationSettlesOnceItHoldsNothing) {
  EXPECT_EQ(SettledState({LineOf(kBerlin, "SKU-A", 5, 5), LineOf(kWarsaw, "SKU-A", 3, 0, 3)}),
            v1::RESERVATION_STATE_COMMITTED);
  EXPECT_EQ(SettledState({LineOf(kBerlin, "SKU-A", 5, 0, 5)}), v1::RESERVATION_STATE_RELEASED);
  EXPECT_EQ(SettledState({LineOf(kBerlin, "SKU-A", 5, 5), LineOf(kWarsaw, "SKU-A", 3, 0, 2)}),
            std::nullopt);
  EXPECT_EQ(SettledState({}), std::nullopt);
}

// Units still queued keep the reservation HELD, whatever its lines say: a fill needs it.
TEST(ReservationRulesTest, AReservationWithQueuedUnitsDoesNotSettle) {
  EXPECT_EQ(SettledOrderState({LineOf(kBerlin, "SKU-A", 5, 5)}, 3), std::nullopt);
  EXPECT_EQ(SettledOrderState({}, 3), std::nullopt);
  EXPECT_EQ(SettledOrderState({LineOf(kBerlin, "SKU-A", 5, 5)}, 0),
            v1::RESERVATION_STATE_COMMITTED);
  EXPECT_EQ(SettledOrderState({LineOf(kBerlin, "SKU-A", 5, 0, 2)}, 0), std::nullopt);
  EXPECT_EQ(SettledOrderState({}, 0), v1::RESERVATION_STATE_RELEASED);
}

TEST(ReservationRulesTest, MovesFollowTheirKind) {
  const std::vector<LineQuantity> quantities = {{kBerlin, "SKU-A", 3}, {kWarsaw, "SKU-B", 2}};
  EXPECT_EQ(MovesOf(MovementKind::kCommit, quantities),
            (std::vector<Move>{{"SKU-A", kBerlin, -3, -3}, {"SKU-B", kWarsaw, -2, -2}}));
  EXPECT_EQ(MovesOf(MovementKind::kReserve, quantities)[1], (Move{"SKU-B", kWarsaw, 0, 2}));
}

}  // namespace
}  // namespace oms::inventory
