#include "inventory-service/src/allocation_mapping.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::inventory {
namespace {

TEST(AllocationMappingTest, UnspecifiedPlansAndReportsAsMinimizeSplits) {
  EXPECT_EQ(StrategyOf(v1::ALLOCATION_STRATEGY_UNSPECIFIED), Strategy::kMinimizeSplits);
  EXPECT_EQ(StrategyOf(v1::ALLOCATION_STRATEGY_SINGLE_WAREHOUSE), Strategy::kSingleWarehouse);
  EXPECT_EQ(StrategyOf(v1::ALLOCATION_STRATEGY_NEAREST_FIRST), Strategy::kNearestFirst);
  EXPECT_EQ(StrategyOf(v1::ALLOCATION_STRATEGY_PRIORITY), Strategy::kPriority);
  EXPECT_EQ(ProtoStrategy(v1::ALLOCATION_STRATEGY_UNSPECIFIED),
            v1::ALLOCATION_STRATEGY_MINIMIZE_SPLITS);
  EXPECT_EQ(ProtoStrategy(v1::ALLOCATION_STRATEGY_PRIORITY), v1::ALLOCATION_STRATEGY_PRIORITY);
}

TEST(AllocationMappingTest, ADestinationHasCoordinatesOnlyWhenItGivesALocation) {
  v1::Destination destination;
  destination.set_country("DE");
  destination.set_region("eu-central");
  Place place = PlaceOf(destination);
  EXPECT_EQ(place.country, "DE");
  EXPECT_FALSE(place.latitude.has_value());
  destination.mutable_location()->set_latitude(53.55);
  destination.mutable_location()->set_longitude(9.99);
  place = PlaceOf(destination);
  EXPECT_DOUBLE_EQ(*place.latitude, 53.55);
  EXPECT_DOUBLE_EQ(*place.longitude, 9.99);
}

TEST(AllocationMappingTest, LinesKeepTheirOrderAndRepeats) {
  google::protobuf::RepeatedPtrField<v1::OrderLine> order;
  for (auto [sku, quantity] : {std::pair{"SKU-B", 1}, {"SKU-A", 2}, {"SKU-B", 3}}) {
    auto* line = order.Add();
    line->set_sku(sku);
    line->set_quantity(quantity);
  }
  const std::vector<Line> lines = LinesOf(order);
  EXPECT_EQ(lines, (std::vector<Line>{{"SKU-B", 1}, {"SKU-A", 2}, {"SKU-B", 3}}));
  EXPECT_EQ(SkusOf(lines), (std::vector<std::string>{"SKU-B", "SKU-A", "SKU-B"}));
}

TEST(AllocationMappingTest, APlanBecomesAnAllocationAndShortfalls) {
  Plan plan;
  plan.groups = {{"id-BER", "BER-1", {{"SKU-A", 2}}, "nearest first", 12.5}};
  plan.shortfalls = {{"SKU-B", 3, 1}};
  v1::Allocation allocation;
  google::protobuf::RepeatedPtrField<v1::Shortfall> shortfalls;
  ToProto(plan, v1::ALLOCATION_STRATEGY_NEAREST_FIRST, &allocation, &shortfalls);
  EXPECT_EQ(allocation.strategy(), v1::ALLOCATION_STRATEGY_NEAREST_FIRST);
  ASSERT_EQ(allocation.groups_size(), 1);
  EXPECT_EQ(allocation.groups(0).warehouse_code(), "BER-1");
  EXPECT_EQ(allocation.groups(0).reason(), "nearest first");
  EXPECT_DOUBLE_EQ(allocation.groups(0).distance_km(), 12.5);
  EXPECT_EQ(allocation.groups(0).lines(0).quantity(), 2);
  ASSERT_EQ(shortfalls.size(), 1);
  EXPECT_EQ(shortfalls[0].sku(), "SKU-B");
  EXPECT_EQ(shortfalls[0].available(), 1);
}

TEST(AllocationMappingTest, InsufficientStockNamesEveryShortfallAndCarriesThem) {
  v1::InsufficientStock detail;
  for (auto [sku, wanted, available] : {std::tuple{"SKU-A", 3, 2}, {"SKU-B", 1, 0}}) {
    auto* s = detail.add_shortfalls();
    s->set_sku(sku);
    s->set_wanted(wanted);
    s->set_available(available);
  }
  absl::Status status = InsufficientStockError(detail);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(status), "INSUFFICIENT_STOCK");
  EXPECT_EQ(status.message(),
            "insufficient stock: SKU-A wanted 3, available 2; SKU-B wanted 1, available 0");
  auto payload = status.GetPayload("type.googleapis.com/oms.inventory.v1.InsufficientStock");
  ASSERT_TRUE(payload.has_value());
  v1::InsufficientStock carried;
  ASSERT_TRUE(carried.ParseFromString(std::string(*payload)));
  EXPECT_EQ(carried.shortfalls_size(), 2);
}

}  // namespace
}  // namespace oms::inventory
