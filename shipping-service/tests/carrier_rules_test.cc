// Carrier choice, freight and pick lists.
#include "shipping-service/src/carrier_rules.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::shipping {
namespace {

CarrierRule Rule(const std::string& country, const std::string& region, std::int64_t max_grams,
                 const std::string& carrier, v1::TransportMode mode, std::int64_t base,
                 std::int64_t per_kg) {
  return {country, region, max_grams, carrier, "STANDARD", mode, "EUR", base, per_kg};
}

common::v1::Address To(const std::string& country, const std::string& region = "") {
  common::v1::Address address;
  address.set_country(country);
  address.set_region(region);
  return address;
}

const std::vector<CarrierRule> kRules = {
    Rule("DE", "", 31'500, "DHL", v1::TRANSPORT_MODE_GROUND, 499, 50),
    Rule("DE", "", 30'000'000, "DB Cargo", v1::TRANSPORT_MODE_RAIL, 9'900, 20),
    Rule("DE", "BY", 31'500, "Hermes", v1::TRANSPORT_MODE_GROUND, 450, 50),
    Rule("US", "", 31'500, "UPS", v1::TRANSPORT_MODE_AIR, 1'999, 300),
    Rule("US", "", 31'500, "USPS", v1::TRANSPORT_MODE_AIR, 1'499, 300),
};

TEST(ChooseCarrierTest, SmallestWeightClassThatCarriesTheWeight) {
  auto light = ChooseCarrier(kRules, To("DE"), 2'000);
  ASSERT_TRUE(light.ok()) << light.status();
  EXPECT_EQ(light->carrier, "DHL");
  auto heavy = ChooseCarrier(kRules, To("DE"), 500'000);
  ASSERT_TRUE(heavy.ok());
  EXPECT_EQ(heavy->carrier, "DB Cargo");
  EXPECT_EQ(heavy->transport_mode, v1::TRANSPORT_MODE_RAIL);
}

TEST(ChooseCarrierTest, RegionSpecificRuleWins) {
  auto bavaria = ChooseCarrier(kRules, To("DE", "BY"), 2'000);
  ASSERT_TRUE(bavaria.ok());
  EXPECT_EQ(bavaria->carrier, "Hermes");
  auto berlin = ChooseCarrier(kRules, To("DE", "BE"), 2'000);
  ASSERT_TRUE(berlin.ok());
  EXPECT_EQ(berlin->carrier, "DHL");
}

TEST(ChooseCarrierTest, CheaperEstimateBreaksTies) {
  auto chosen = ChooseCarrier(kRules, To("US"), 1'000);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->carrier, "USPS");
}

TEST(ChooseCarrierTest, UnservedDestinationOrWeightIsRefusedWithItsReason) {
  for (auto [address, grams] : {std::pair{To("ZZ"), 1'000LL}, std::pair{To("US"), 40'000LL}}) {
    auto chosen = ChooseCarrier(kRules, address, grams);
    EXPECT_EQ(chosen.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ReasonOf(chosen.status()), "DESTINATION_NOT_SERVED");
  }
}

TEST(FreightTest, PackagesOfTwentyKilosAndStartedKilograms) {
  const CarrierRule rule = kRules[0];
  v1::Freight empty = ComputeFreight(rule, 0);
  EXPECT_EQ(empty.package_count(), 1);
  EXPECT_EQ(empty.estimated_cost().amount_minor(), 499);
  v1::Freight freight = ComputeFreight(rule, 45'001);  // 3 packages, 46 started kg
  EXPECT_EQ(freight.total_weight_grams(), 45'001);
  EXPECT_EQ(freight.package_count(), 3);
  EXPECT_EQ(freight.estimated_cost().currency(), "EUR");
  EXPECT_EQ(freight.estimated_cost().amount_minor(), 3 * 499 + 46 * 50);
}

TEST(FreightTest, WeightAndPickListComeFromTheLines) {
  google::protobuf::RepeatedPtrField<v1::ShipmentLine> lines;
  auto* mug = lines.Add();
  mug->set_sku("MUG");
  mug->set_quantity(3);
  mug->set_unit_weight_grams(400);
  auto* book = lines.Add();
  book->set_sku("BOOK");
  book->set_quantity(2);
  book->set_unit_weight_grams(1'000);
  EXPECT_EQ(TotalWeightGrams(lines), 3'200);
  v1::PickList pick_list = MakePickList("11111111-1111-4111-8111-111111111111", lines);
  EXPECT_EQ(pick_list.warehouse_id(), "11111111-1111-4111-8111-111111111111");
  ASSERT_EQ(pick_list.lines_size(), 2);
  EXPECT_EQ(pick_list.lines(0).sku(), "BOOK");
  EXPECT_EQ(pick_list.lines(0).sequence(), 1);
  EXPECT_EQ(pick_list.lines(1).sku(), "MUG");
  EXPECT_EQ(pick_list.lines(1).quantity(), 3);
  EXPECT_EQ(pick_list.lines(1).sequence(), 2);
}

TEST(PlanCarriageTest, ChoosesForTheLinesWeightAndChargesThatWeight) {
  google::protobuf::RepeatedPtrField<v1::ShipmentLine> lines;
  auto* lamp = lines.Add();
  lamp->set_sku("LAMP");
  lamp->set_quantity(2);
  lamp->set_unit_weight_grams(20'000);  // 40 kg: too heavy for the parcel rule
  auto carriage = PlanCarriage(kRules, To("DE"), lines);
  ASSERT_TRUE(carriage.ok()) << carriage.status();
  EXPECT_EQ(carriage->rule.carrier, "DB Cargo");
  EXPECT_EQ(carriage->freight.total_weight_grams(), 40'000);
  EXPECT_EQ(carriage->freight.package_count(), 2);
  EXPECT_EQ(carriage->freight.estimated_cost().amount_minor(), 2 * 9'900 + 40 * 20);

  auto unserved = PlanCarriage(kRules, To("ZZ"), lines);
  EXPECT_EQ(ReasonOf(unserved.status()), "DESTINATION_NOT_SERVED");
}

}  // namespace
}  // namespace oms::shipping
