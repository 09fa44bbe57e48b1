// The decisions of a short pick: which shipments may still be short-picked, what the missing units
// leave of the lines and the freight, and the journal's note.
#include "shipping-service/src/short_pick_rules.h"

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/status.h"
#include "shipping-service/src/shipment_status.h"

namespace oms::shipping {
namespace {

v1::Shipment Outbound(v1::ShipmentStatus status) {
  v1::Shipment shipment;
  shipment.set_id("s-1");
  shipment.set_kind(v1::SHIPMENT_KIND_OUTBOUND);
  shipment.set_status(status);
  return shipment;
}

// MUG 4 × 400 g, BOOK 1 × 1 kg, LAMP 2 × 12 kg: 26.6 kg in two packages, quoted at 9.99.
v1::Shipment Packed() {
  v1::Shipment shipment = Outbound(v1::SHIPMENT_STATUS_PACKED);
  for (auto [sku, quantity, grams] :
       {std::tuple{"MUG", 4, 400}, std::tuple{"BOOK", 1, 1'000}, std::tuple{"LAMP", 2, 12'000}}) {
    auto* line = shipment.add_lines();
    line->set_sku(sku);
    line->set_quantity(quantity);
    line->set_unit_weight_grams(grams);
  }
  shipment.mutable_freight()->set_total_weight_grams(26'600);
  shipment.mutable_freight()->set_package_count(2);
  shipment.mutable_freight()->mutable_estimated_cost()->set_currency("EUR");
  shipment.mutable_freight()->mutable_estimated_cost()->set_amount_minor(999);
  return shipment;
}

google::protobuf::RepeatedPtrField<v1::ReturnLine> Missing(
    const std::vector<std::pair<std::string, std::int64_t>>& lines) {
  google::protobuf::RepeatedPtrField<v1::ReturnLine> missing;
  for (const auto& [sku, quantity] : lines) {
    auto* line = missing.Add();
    line->set_sku(sku);
    line->set_quantity(quantity);
  }
  return missing;
}

TEST(ShortPickAllowedTest, AnOutboundShipmentNotYetShippedOnce) {
  for (auto status :
       {v1::SHIPMENT_STATUS_PENDING, v1::SHIPMENT_STATUS_PICKED, v1::SHIPMENT_STATUS_PACKED}) {
    EXPECT_TRUE(ShortPickAllowed(Outbound(status), false).ok()) << status;
    absl::Status again = ShortPickAllowed(Outbound(status), true);
    EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ReasonOf(again), "ALREADY_SHORT_PICKED");
  }
  for (auto status : {v1::SHIPMENT_STATUS_SHIPPED, v1::SHIPMENT_STATUS_IN_TRANSIT,
                      v1::SHIPMENT_STATUS_DELIVERED, v1::SHIPMENT_STATUS_EXCEPTION,
                      v1::SHIPMENT_STATUS_RETURNED_TO_SENDER, v1::SHIPMENT_STATUS_CANCELLED}) {
    absl::Status refused = ShortPickAllowed(Outbound(status), false);
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_EQ(ReasonOf(refused), "SHIPMENT_NOT_PICKABLE") << status;
    EXPECT_NE(refused.message().find(StatusName(status)), absl::string_view::npos) << refused;
  }
  // A shipment emptied by its short pick is CANCELLED, and still answers that it was.
  EXPECT_EQ(ReasonOf(ShortPickAllowed(Outbound(v1::SHIPMENT_STATUS_CANCELLED), true)),
            "ALREADY_SHORT_PICKED");
  v1::Shipment inbound = Outbound(v1::SHIPMENT_STATUS_PENDING);
  inbound.set_kind(v1::SHIPMENT_KIND_RETURN);
  EXPECT_EQ(ReasonOf(ShortPickAllowed(inbound, false)), "SHIPMENT_NOT_PICKABLE");
  v1::Shipment replacement = Outbound(v1::SHIPMENT_STATUS_PENDING);
  replacement.set_replaces_shipment_id("s-0");
  EXPECT_EQ(ReasonOf(ShortPickAllowed(replacement, false)), "SHIPMENT_NOT_PICKABLE");
  // A shipment taking over another's short-picked units is picked like any other.
  v1::Shipment resourced = Outbound(v1::SHIPMENT_STATUS_PENDING);
  resourced.set_resourced_from_shipment_id("s-0");
  EXPECT_TRUE(ShortPickAllowed(resourced, false).ok());
}

TEST(PlanShortPickTest, LinesLoseTheMissingUnitsAndAnEmptiedLineGoes) {
  auto plan = PlanShortPick(Packed(), Missing({{"LAMP", 1}, {"BOOK", 1}}));
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->left.size(), 2);
  EXPECT_EQ(plan->left[0].sku(), "MUG");
  EXPECT_EQ(plan->left[0].quantity(), 4);
  EXPECT_EQ(plan->left[1].sku(), "LAMP");
  EXPECT_EQ(plan->left[1].quantity(), 1);
  EXPECT_EQ(plan->left[1].unit_weight_grams(), 12'000);
  ASSERT_EQ(plan->missing.size(), 2);  // in the request's order, with their weights
  EXPECT_EQ(plan->missing[0].sku(), "LAMP");
  EXPECT_EQ(plan->missing[0].quantity(), 1);
  EXPECT_EQ(plan->missing[0].unit_weight_grams(), 12'000);
  EXPECT_EQ(plan->missing[1].sku(), "BOOK");
  EXPECT_EQ(plan->missing[1].unit_weight_grams(), 1'000);
  EXPECT_FALSE(plan->emptied);
  // 1.6 kg + 12 kg: one package; the quote stays.
  EXPECT_EQ(plan->freight.total_weight_grams(), 13'600);
  EXPECT_EQ(plan->freight.package_count(), 1);
  EXPECT_EQ(plan->freight.estimated_cost().amount_minor(), 999);
}

TEST(PlanShortPickTest, EveryUnitMissingEmptiesTheShipment) {
  auto plan = PlanShortPick(Packed(), Missing({{"MUG", 4}, {"BOOK", 1}, {"LAMP", 2}}));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->left.empty());
  EXPECT_TRUE(plan->emptied);
  EXPECT_EQ(plan->freight.total_weight_grams(), 0);
  EXPECT_EQ(plan->freight.package_count(), 1);  // the column's floor
}

TEST(PlanShortPickTest, UnitsTheShipmentDoesNotHaveAreRefusedNamingTheLine) {
  auto expect_field = [](const absl::StatusOr<ShortPick>& plan, const std::string& field) {
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument) << plan.status();
    EXPECT_EQ(plan.status().message().rfind(field + ":", 0), 0u) << plan.status();
  };
  expect_field(PlanShortPick(Packed(), Missing({{"MUG", 1}, {"VASE", 1}})), "missing[1].sku");
  expect_field(PlanShortPick(Packed(), Missing({{"MUG", 5}})), "missing[0].quantity");
  expect_field(PlanShortPick(Packed(), Missing({{"MUG", 0}})), "missing[0].quantity");
  expect_field(PlanShortPick(Packed(), Missing({{"MUG", 1}, {"MUG", 1}})), "missing[1].sku");
}

TEST(ShortPickNoteTest, NamesTheMissingUnitsThenTheReportersNote) {
  auto plan = PlanShortPick(Packed(), Missing({{"MUG", 2}, {"LAMP", 1}}));
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(ShortPickNote(plan->missing, ""), "short picked: 2 × MUG, 1 × LAMP");
  EXPECT_EQ(ShortPickNote(plan->missing, "bin A-3 empty"),
            "short picked: 2 × MUG, 1 × LAMP; bin A-3 empty");
}

}  // namespace
}  // namespace oms::shipping
