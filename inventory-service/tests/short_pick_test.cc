#include "inventory-service/src/short_pick.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::inventory {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);
const std::string kBerlin = "0a7e35f2-6c4c-4c8b-9d0e-000000000001";
const std::string kWarsaw = "0a7e35f2-6c4c-4c8b-9d0e-000000000002";
const std::string kLyon = "0a7e35f2-6c4c-4c8b-9d0e-000000000003";

ReservationHead Head(v1::ReservationState state, absl::Duration expires_in = absl::Minutes(10)) {
  return {"reservation-1", state, /*tombstone=*/false, kNow + expires_in, kNow};
}

google::protobuf::RepeatedPtrField<v1::OrderLine> Lines(
    std::vector<std::pair<std::string, int64_t>> lines) {
  google::protobuf::RepeatedPtrField<v1::OrderLine> out;
  for (const auto& [sku, quantity] : lines) {
    auto* line = out.Add();
    line->set_sku(sku);
    line->set_quantity(quantity);
  }
  return out;
}

v1::AllocationGroup Group(const std::string& warehouse_id, const std::string& code,
                          std::vector<std::pair<std::string, int64_t>> lines) {
  v1::AllocationGroup group;
  group.set_warehouse_id(warehouse_id);
  group.set_warehouse_code(code);
  group.set_reason("why " + code);
  *group.mutable_lines() = Lines(std::move(lines));
  return group;
}

// "CODE:SKU=n,SKU=n|CODE:..." for compact expectations.
std::string Describe(const v1::Allocation& allocation) {
  std::string text;
  for (const auto& group : allocation.groups()) {
    if (!text.empty()) text += "|";
    text += group.warehouse_code() + ":";
    for (int i = 0; i < group.lines_size(); ++i) {
      text +=
          (i ? "," : "") + group.lines(i).sku() + "=" + std::to_string(group.lines(i).quantity());
    }
  }
  return text;
}

TEST(ShortPickTest, OnlyAHeldUnexpiredReservationIsResourceable) {
  EXPECT_TRUE(CheckResourceable("order-1", Head(v1::RESERVATION_STATE_HELD)).ok());
  EXPECT_EQ(CheckResourceable("order-1", std::nullopt), NoReservation("order-1"));
  for (const auto& head :
       {Head(v1::RESERVATION_STATE_HELD, -absl::Seconds(1)), Head(v1::RESERVATION_STATE_COMMITTED),
        Head(v1::RESERVATION_STATE_RELEASED), Head(v1::RESERVATION_STATE_EXPIRED),
        ReservationHead{"r", v1::RESERVATION_STATE_RELEASED, true, std::nullopt, kNow}}) {
    absl::Status refused = CheckResourceable("order-1", head);
    EXPECT_EQ(refused.code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(refused.message().substr(0, 9), "order_id:") << refused;
  }
}

TEST(ShortPickTest, TheWarehouseMustStillHoldEveryMissingUnit) {
  const std::vector<ReservationLine> lines = {
      {kBerlin, "BER", "A", 5, /*committed=*/1, /*released=*/1},  // holds 3
      {kBerlin, "BER", "B", 2, 0, 0},
      {kWarsaw, "WAW", "C", 4, 0, 0},
  };
  auto missing = ShortPickQuantities(lines, kBerlin, Lines({{"B", 2}, {"A", 3}}));
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(*missing, (std::vector<LineQuantity>{{kBerlin, "B", 2}, {kBerlin, "A", 3}}));

  absl::Status short_a = ShortPickQuantities(lines, kBerlin, Lines({{"B", 1}, {"A", 4}})).status();
  EXPECT_EQ(short_a.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(short_a), "RESERVATION_LINE_SHORT");
  EXPECT_NE(short_a.message().find("lines[1]"), std::string::npos) << short_a;
  EXPECT_NE(short_a.message().find(" A "), std::string::npos) << short_a;
  // Another warehouse's hold of the SKU does not count.
  EXPECT_EQ(ReasonOf(ShortPickQuantities(lines, kBerlin, Lines({{"C", 1}})).status()),
            "RESERVATION_LINE_SHORT");
}

TEST(ShortPickTest, TheAllocationMovesTheUnitsFromOneGroupToOthers) {
  v1::Allocation held;
  held.set_strategy(v1::ALLOCATION_STRATEGY_NEAREST_FIRST);
  *held.add_groups() = Group(kBerlin, "BER", {{"A", 3}, {"B", 2}});
  *held.add_groups() = Group(kWarsaw, "WAW", {{"A", 1}});
  v1::Allocation moved;
  moved.set_strategy(v1::ALLOCATION_STRATEGY_MINIMIZE_SPLITS);
  *moved.add_groups() = Group(kWarsaw, "WAW", {{"A", 2}, {"B", 1}});
  *moved.add_groups() = Group(kLyon, "LYS", {{"B", 1}});

  const v1::Allocation after =
      ReallocatedAllocation(held, kBerlin, {{kBerlin, "A", 2}, {kBerlin, "B", 2}}, moved);
  EXPECT_EQ(Describe(after), "BER:A=1|WAW:A=3,B=1|LYS:B=1");
  EXPECT_EQ(after.strategy(), v1::ALLOCATION_STRATEGY_NEAREST_FIRST);
  EXPECT_EQ(after.groups(1).reason(), "why WAW");  // a group that held already keeps its reason
  EXPECT_EQ(after.groups(2).reason(), "why LYS");

  // A group left with nothing goes.
  const v1::Allocation emptied = ReallocatedAllocation(after, kBerlin, {{kBerlin, "A", 1}}, [] {
    v1::Allocation to_lyon;
    *to_lyon.add_groups() = Group(kLyon, "LYS", {{"A", 1}});
    return to_lyon;
  }());
  EXPECT_EQ(Describe(emptied), "WAW:A=3,B=1|LYS:B=1,A=1");
}

// An order edit's units join the groups of their warehouses; what the reservation was planned
// with (its strategy, the units it went without) stays.
TEST(ShortPickTest, AddedUnitsJoinTheirWarehousesGroups) {
  v1::Allocation held;
  held.set_strategy(v1::ALLOCATION_STRATEGY_PRIORITY);
  *held.add_groups() = Group(kBerlin, "BER", {{"A", 3}});
  *held.add_unfilled() = Lines({{"B", 1}})[0];
  v1::Allocation added;
  added.set_strategy(v1::ALLOCATION_STRATEGY_MINIMIZE_SPLITS);
  *added.add_groups() = Group(kBerlin, "BER", {{"A", 2}, {"C", 1}});
  *added.add_groups() = Group(kWarsaw, "WAW", {{"C", 4}});

  const v1::Allocation after = AllocationWithAdded(held, added);
  EXPECT_EQ(Describe(after), "BER:A=5,C=1|WAW:C=4");
  EXPECT_EQ(after.strategy(), v1::ALLOCATION_STRATEGY_PRIORITY);
  ASSERT_EQ(after.unfilled_size(), 1);
  EXPECT_EQ(after.unfilled(0).sku(), "B");
  EXPECT_EQ(Describe(AllocationWithAdded(v1::Allocation(), added)), "BER:A=2,C=1|WAW:C=4");
}

}  // namespace
}  // namespace oms::inventory
