#include "inventory-service/src/allocation.h"

#include <gtest/gtest.h>

namespace oms::inventory {
namespace {

// Berlin, Lyon and Warsaw, as in the demo data; Hamburg as a destination.
Candidate Warehouse(const std::string& code, double lat, double lon, int priority,
                    std::map<std::string, int64_t> available, const std::string& country = "DE",
                    const std::string& region = "eu-central") {
  return {"id-" + code, code, {country, region, lat, lon}, priority, true, std::move(available)};
}

const Place kHamburg{"DE", "eu-central", 53.55, 9.99};
const Place kNoCoordinates{"DE", "eu-central", std::nullopt, std::nullopt};

// The plan as "CODE:SKU=n,SKU=n|CODE:..." for compact expectations.
std::string Describe(const Plan& plan) {
  std::string text;
  for (const auto& group : plan.groups) {
    if (!text.empty()) text += "|";
    text += group.code + ":";
    for (std::size_t i = 0; i < group.lines.size(); ++i) {
      text += (i ? "," : "") + group.lines[i].sku + "=" + std::to_string(group.lines[i].quantity);
    }
  }
  return text;
}

struct Case {
  const char* name;
  std::vector<Line> lines;
  Place destination;
  Strategy strategy;
  std::vector<Candidate> warehouses;
  std::string expected;                    // Describe() of a feasible plan, or "" if infeasible
  std::vector<Shortfall> shortfalls = {};  // when infeasible
};

class PlannerTest : public ::testing::TestWithParam<Case> {};

TEST_P(PlannerTest, Plans) {
  const Case& c = GetParam();
  Plan plan = PlanAllocation(c.lines, c.destination, c.strategy, c.warehouses);
  EXPECT_EQ(plan.feasible, !c.expected.empty());
  EXPECT_EQ(Describe(plan), c.expected);
  EXPECT_EQ(plan.shortfalls, c.shortfalls);
  for (const auto& group : plan.groups) EXPECT_FALSE(group.reason.empty());
}

const Candidate kBerlin = Warehouse("BER", 52.52, 13.40, 10, {{"A", 5}, {"B", 5}});
const Candidate kLyon = Warehouse("LYS", 45.76, 4.84, 20, {{"A", 10}, {"B", 10}}, "FR", "eu-west");
const Candidate kWarsaw = Warehouse("WAW", 52.23, 21.01, 30, {{"A", 4}}, "PL", "eu-east");

INSTANTIATE_TEST_SUITE_P(
    Allocation, PlannerTest,
    ::testing::Values(Case{"WholeOrderFromTheNearestWarehouseThatHoldsIt",
                           {{"A", 2}, {"B", 2}},
                           kHamburg,
                           Strategy::kMinimizeSplits,
                           {kWarsaw, kLyon, kBerlin},
                           "BER:A=2,B=2"},
                      Case{"OneFarWarehouseBeatsTwoNearOnes",
                           {{"A", 8}, {"B", 8}},
                           kHamburg,
                           Strategy::kMinimizeSplits,
                           {kBerlin, kWarsaw, kLyon},
                           "LYS:A=8,B=8"},
                      Case{"ALineSplitAcrossTwoWarehouses",
                           {{"A", 8}},
                           kHamburg,
                           Strategy::kMinimizeSplits,
                           {kBerlin, kWarsaw},
                           "BER:A=5|WAW:A=3"},
                      Case{"SameSkuLinesAreMerged",
                           {{"A", 1}, {"A", 2}},
                           kHamburg,
                           Strategy::kMinimizeSplits,
                           {kBerlin},
                           "BER:A=3"},
                      Case{"TiesGoToTheNearer",
                           {{"A", 1}},
                           kHamburg,
                           Strategy::kMinimizeSplits,
                           {Warehouse("FAR", 48.14, 11.58, 1, {{"A", 9}}),  // Munich, best priority
                            Warehouse("NEAR", 53.07, 8.80, 50, {{"A", 9}})},  // Bremen
                           "NEAR:A=1"},
                      Case{"WithoutDistanceTiesGoToPriority",
                           {{"A", 1}},
                           kNoCoordinates,
                           Strategy::kMinimizeSplits,
                           {Warehouse("P20", 0, 0, 20, {{"A", 9}}),
                            Warehouse("P10", 0, 0, 10, {{"A", 9}})},
                           "P10:A=1"},
                      Case{"WithoutCoordinatesTheSameRegionIsNearest",
                           {{"A", 1}},
                           kNoCoordinates,
                           Strategy::kNearestFirst,
                           {Warehouse("OTHER", 0, 0, 1, {{"A", 9}}, "FR", "eu-west"),
                            Warehouse("HOME", 0, 0, 99, {{"A", 9}})},
                           "HOME:A=1"},
                      Case{"NearestFirstFillsTheNearestThenTheNext",
                           {{"A", 12}},
                           kHamburg,
                           Strategy::kNearestFirst,
                           {kLyon, kWarsaw, kBerlin},
                           "BER:A=5|WAW:A=4|LYS:A=3"},
                      Case{"PriorityFillsByPriority",
                           {{"A", 12}},
                           kHamburg,
                           Strategy::kPriority,
                           {kWarsaw, kLyon, kBerlin},
                           "BER:A=5|LYS:A=7"},
                      Case{"SingleWarehouseTakesOneThatHoldsAll",
                           {{"A", 6}, {"B", 1}},
                           kHamburg,
                           Strategy::kSingleWarehouse,
                           {kBerlin, kLyon},
                           "LYS:A=6,B=1"},
                      Case{"SingleWarehouseRefusesASplit",
                           {{"A", 9}},
                           kHamburg,
                           Strategy::kSingleWarehouse,
                           {kBerlin, kWarsaw},
                           "",
                           {{"A", 9, 5}}},
                      Case{"EveryShortfallIsListed",
                           {{"A", 30}, {"B", 2}, {"C", 1}},
                           kHamburg,
                           Strategy::kMinimizeSplits,
                           {kBerlin, kLyon, kWarsaw},
                           "",
                           {{"A", 30, 19}, {"C", 1, 0}}},
                      Case{"InactiveWarehousesAreSkipped",
                           {{"A", 1}},
                           kHamburg,
                           Strategy::kMinimizeSplits,
                           {[] {
                              Candidate closed = kBerlin;
                              closed.active = false;
                              return closed;
                            }(),
                            kLyon},
                           "LYS:A=1"},
                      Case{"InactiveWarehousesDoNotCountAsStock",
                           {{"A", 6}},
                           kHamburg,
                           Strategy::kNearestFirst,
                           {[] {
                              Candidate closed = kLyon;
                              closed.active = false;
                              return closed;
                            }(),
                            kBerlin},
                           "",
                           {{"A", 6, 5}}}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(PlannerTest, GroupsSayWhyAndHowFar) {
  Plan plan = PlanAllocation({{"A", 1}}, kHamburg, Strategy::kMinimizeSplits, {kBerlin});
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_NEAR(plan.groups[0].distance_km, 255, 10);  // Hamburg to Berlin
  EXPECT_NE(plan.groups[0].reason.find("km away"), std::string::npos);
  Plan unlocated = PlanAllocation({{"A", 1}}, kNoCoordinates, Strategy::kMinimizeSplits, {kBerlin});
  EXPECT_EQ(unlocated.groups[0].distance_km, -1);
  EXPECT_NE(unlocated.groups[0].reason.find("destination's region"), std::string::npos);
}

// A short pick is planned again without the warehouse that could not find the units, which
// must not come back even as the best choice, nor count in what is available.
TEST(PlannerTest, ExcludedWarehousesAreNeitherUsedNorCounted) {
  Plan plan = PlanAllocation({{"A", 2}}, kHamburg, Strategy::kMinimizeSplits,
                             {kBerlin, kLyon, kWarsaw}, {kBerlin.warehouse_id});
  EXPECT_EQ(Describe(plan), "WAW:A=2");
  Plan short_plan = PlanAllocation({{"A", 9}}, kHamburg, Strategy::kNearestFirst,
                                   {kBerlin, kWarsaw}, {kBerlin.warehouse_id});
  EXPECT_FALSE(short_plan.feasible);
  EXPECT_EQ(short_plan.shortfalls, (std::vector<Shortfall>{{"A", 9, 4}}));
  Plan single = PlanAllocation({{"A", 1}, {"B", 1}}, kHamburg, Strategy::kSingleWarehouse,
                               {kBerlin, kLyon}, {kBerlin.warehouse_id});
  EXPECT_EQ(Describe(single), "LYS:A=1,B=1");
}

TEST(PlannerTest, ManyWarehousesFallBackToAGreedyCoverThatStillCovers) {
  std::vector<Candidate> many;
  for (int i = 0; i < 60; ++i) {
    many.push_back(Warehouse("W" + std::to_string(100 + i), 50 + i * 0.1, 10, i, {{"A", 1}}));
  }
  Plan plan = PlanAllocation({{"A", 7}}, kHamburg, Strategy::kMinimizeSplits, many);
  ASSERT_TRUE(plan.feasible);
  int64_t total = 0;
  for (const auto& group : plan.groups) total += group.lines[0].quantity;
  EXPECT_EQ(total, 7);
  EXPECT_EQ(plan.groups.size(), 7u);
}

}  // namespace
}  // namespace oms::inventory
