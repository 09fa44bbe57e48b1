// The decisions of creating and cancelling shipments: tombstones, one create per order, the
// shape of a new shipment, and all-or-nothing cancellation.
#include "shipping-service/src/shipment_rules.h"

#include <cstdint>
#include <set>

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::shipping {
namespace {

constexpr char kFirst[] = "11111111-1111-4111-8111-111111111111";
constexpr char kSecond[] = "22222222-2222-4222-8222-222222222222";

// CreateAllowed's versions_with_shipments: none, or the order as placed (version 0).
const std::set<std::int64_t> kNoVersion = {};
const std::set<std::int64_t> kPlacedVersion = {0};

google::protobuf::RepeatedPtrField<v1::AllocationGroup> Groups(
    const std::vector<std::string>& warehouses) {
  google::protobuf::RepeatedPtrField<v1::AllocationGroup> groups;
  for (const auto& warehouse : warehouses) groups.Add()->set_warehouse_id(warehouse);
  return groups;
}

TEST(CreateAllowedTest, AFreshOrderMayBeCreated) {
  EXPECT_TRUE(CreateAllowed("ord-1", {}, Groups({kFirst, kSecond}), kNoVersion).ok());
}

TEST(CreateAllowedTest, ATombstoneRefusesTheCreateItCovers) {
  for (const std::string& tombstone : {std::string(), std::string(kSecond)}) {
    absl::Status refused =
        CreateAllowed("ord-1", {tombstone}, Groups({kFirst, kSecond}), kNoVersion);
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << tombstone;
    EXPECT_EQ(ReasonOf(refused), "SHIPMENT_CANCELLED") << tombstone;
  }
  // A tombstone of another warehouse covers nothing of this create.
  EXPECT_TRUE(CreateAllowed("ord-1", {kSecond}, Groups({kFirst}), kNoVersion).ok());
}

TEST(CreateAllowedTest, ExistingShipmentsRefuseASecondCreateAfterTombstones) {
  absl::Status exists = CreateAllowed("ord-1", {}, Groups({kFirst}), kPlacedVersion);
  EXPECT_EQ(exists.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(exists), "SHIPMENTS_EXIST");
  EXPECT_EQ(ReasonOf(CreateAllowed("ord-1", {""}, Groups({kFirst}), kPlacedVersion)),
            "SHIPMENT_CANCELLED");
}

TEST(CreateAllowedTest, ReSourcedGroupsComeAfterTheOrdersShipments) {
  auto groups = Groups({kFirst, kSecond});
  for (auto& group : groups) {
    group.set_resourced_from_shipment_id("0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10");
  }
  EXPECT_TRUE(CreateAllowed("ord-1", {}, groups, kPlacedVersion).ok());
  // Still refused by a cancellation of its warehouse that came first.
  EXPECT_EQ(ReasonOf(CreateAllowed("ord-1", {kSecond}, groups, kPlacedVersion)),
            "SHIPMENT_CANCELLED");
  // One of the order's first groups with them: the order has its first shipments already.
  groups.Mutable(1)->clear_resourced_from_shipment_id();
  EXPECT_EQ(ReasonOf(CreateAllowed("ord-1", {}, groups, kPlacedVersion)), "SHIPMENTS_EXIST");
}

TEST(CreateAllowedTest, BackorderFillGroupsMayComeBeforeOrAfterTheOrdersShipments) {
  auto groups = Groups({kFirst, kFirst});
  groups.Mutable(0)->set_backorder_fill_sequence(7);
  groups.Mutable(1)->set_backorder_fill_sequence(9);
  EXPECT_TRUE(CreateAllowed("ord-1", {}, groups, kPlacedVersion).ok());
  EXPECT_TRUE(CreateAllowed("ord-1", {}, groups, kNoVersion).ok());
  // Still refused by a cancellation of the order or of its warehouse that came first.
  EXPECT_EQ(ReasonOf(CreateAllowed("ord-1", {""}, groups, kPlacedVersion)), "SHIPMENT_CANCELLED");
  EXPECT_EQ(ReasonOf(CreateAllowed("ord-1", {kFirst}, groups, kNoVersion)), "SHIPMENT_CANCELLED");
  // One of the order's first groups with them: the order has its first shipments already.
  groups.Mutable(1)->clear_backorder_fill_sequence();
  EXPECT_EQ(ReasonOf(CreateAllowed("ord-1", {}, groups, kPlacedVersion)), "SHIPMENTS_EXIST");
}

TEST(CreateAllowedTest, EachOrderVersionHasItsOwnFirstShipments) {
  auto edited = Groups({kFirst, kSecond});
  for (auto& group : edited) group.set_order_version(2);
  // The order as placed has shipments: its second version has none yet.
  EXPECT_TRUE(CreateAllowed("ord-1", {}, edited, kPlacedVersion).ok());
  absl::Status exists = CreateAllowed("ord-1", {}, edited, {0, 2});
  EXPECT_EQ(exists.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(exists), "SHIPMENTS_EXIST");
  EXPECT_NE(exists.message().find("of version 2"), absl::string_view::npos) << exists;
  // Version 1 is the order as placed.
  auto placed = Groups({kFirst});
  placed.Mutable(0)->set_order_version(1);
  EXPECT_EQ(ReasonOf(CreateAllowed("ord-1", {}, placed, kPlacedVersion)), "SHIPMENTS_EXIST");
  EXPECT_EQ(FirstGroupVersions(placed), (std::set<std::int64_t>{0}));
  // A tombstone refuses every version.
  EXPECT_EQ(ReasonOf(CreateAllowed("ord-1", {""}, edited, kNoVersion)), "SHIPMENT_CANCELLED");
}

TEST(FirstGroupVersionsTest, TheVersionsOfTheOrdersOwnGroups) {
  auto groups = Groups({kFirst, kFirst, kSecond, kSecond});
  groups.Mutable(0)->set_order_version(3);
  groups.Mutable(1)->set_backorder_fill_sequence(7);
  groups.Mutable(2)->set_resourced_from_shipment_id("0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10");
  EXPECT_EQ(FirstGroupVersions(groups), (std::set<std::int64_t>{0, 3}));
}

TEST(FillGroupAllowedTest, OneShipmentPerFill) {
  v1::AllocationGroup group;
  group.set_warehouse_id(kFirst);
  group.set_backorder_fill_sequence(7);
  EXPECT_TRUE(FillGroupAllowed("ord-1", group, false).ok());
  absl::Status exists = FillGroupAllowed("ord-1", group, true);
  EXPECT_EQ(exists.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(exists), "SHIPMENTS_EXIST");
  EXPECT_NE(exists.message().find("backorder fill 7"), absl::string_view::npos) << exists;
}

TEST(ResourcedGroupAllowedTest, OnlyAnOutboundShipmentOfTheSameOrderOnce) {
  v1::AllocationGroup group;
  group.set_warehouse_id(kSecond);
  group.set_resourced_from_shipment_id("s-1");
  v1::Shipment source;
  source.set_id("s-1");
  source.set_order_id("ord-1");
  source.set_kind(v1::SHIPMENT_KIND_OUTBOUND);
  source.set_warehouse_id(kFirst);
  EXPECT_TRUE(ResourcedGroupAllowed("ord-1", 2, group, &source, false).ok());

  auto expect_invalid = [](const absl::Status& status) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_EQ(status.message().rfind("groups[2].resourced_from_shipment_id", 0), 0u) << status;
  };
  expect_invalid(ResourcedGroupAllowed("ord-1", 2, group, nullptr, false));
  expect_invalid(ResourcedGroupAllowed("ord-2", 2, group, &source, false));
  v1::Shipment inbound = source;
  inbound.set_kind(v1::SHIPMENT_KIND_RETURN);
  expect_invalid(ResourcedGroupAllowed("ord-1", 2, group, &inbound, false));

  absl::Status exists = ResourcedGroupAllowed("ord-1", 2, group, &source, true);
  EXPECT_EQ(exists.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(exists), "SHIPMENTS_EXIST");
}

TEST(NewShipmentTest, IsPendingAndCarriedAsPlanned) {
  Carriage carriage;
  carriage.rule = {"DE", "", 31'500, "DHL", "STANDARD", v1::TRANSPORT_MODE_GROUND, "EUR", 499, 40};
  carriage.freight.set_total_weight_grams(800);
  google::protobuf::RepeatedPtrField<v1::ShipmentLine> lines;
  auto* line = lines.Add();
  line->set_sku("MUG");
  line->set_quantity(2);
  line->set_unit_weight_grams(400);
  common::v1::Address address;
  address.set_city("Berlin");

  v1::Shipment shipment =
      NewShipment("ord-1", v1::SHIPMENT_KIND_OUTBOUND, kFirst, address, carriage, lines);
  EXPECT_TRUE(shipment.id().empty());
  EXPECT_EQ(shipment.order_id(), "ord-1");
  EXPECT_EQ(shipment.kind(), v1::SHIPMENT_KIND_OUTBOUND);
  EXPECT_EQ(shipment.warehouse_id(), kFirst);
  EXPECT_EQ(shipment.status(), v1::SHIPMENT_STATUS_PENDING);
  EXPECT_EQ(shipment.address().city(), "Berlin");
  EXPECT_EQ(shipment.carrier(), "DHL");
  EXPECT_EQ(shipment.service_level(), "STANDARD");
  EXPECT_EQ(shipment.transport_mode(), v1::TRANSPORT_MODE_GROUND);
  EXPECT_EQ(shipment.freight().total_weight_grams(), 800);
  ASSERT_EQ(shipment.lines_size(), 1);
  EXPECT_FALSE(shipment.has_pick_list());
}

TEST(ReplacementAllowedTest, OnlyAnOutboundParcelReturnedToSender) {
  v1::Shipment original;
  original.set_id("s-1");
  original.set_kind(v1::SHIPMENT_KIND_OUTBOUND);
  original.set_status(v1::SHIPMENT_STATUS_RETURNED_TO_SENDER);
  EXPECT_TRUE(ReplacementAllowed(original).ok());
  for (auto status : {v1::SHIPMENT_STATUS_PENDING, v1::SHIPMENT_STATUS_SHIPPED,
                      v1::SHIPMENT_STATUS_DELIVERY_FAILED, v1::SHIPMENT_STATUS_EXCEPTION,
                      v1::SHIPMENT_STATUS_DELIVERED, v1::SHIPMENT_STATUS_CANCELLED}) {
    v1::Shipment other = original;
    other.set_status(status);
    absl::Status refused = ReplacementAllowed(other);
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_EQ(ReasonOf(refused), "SHIPMENT_NOT_RETURNED_TO_SENDER") << status;
    EXPECT_NE(refused.message().find("shipment_id"), absl::string_view::npos) << refused;
  }
  v1::Shipment inbound = original;
  inbound.set_kind(v1::SHIPMENT_KIND_RETURN);
  EXPECT_EQ(ReasonOf(ReplacementAllowed(inbound)), "SHIPMENT_NOT_RETURNED_TO_SENDER");
}

TEST(ReplacementShipmentTest, SameOrderWarehouseAddressAndLinesCarriedAnewAndNamingTheOriginal) {
  v1::Shipment original;
  original.set_id("s-1");
  original.set_order_id("ord-1");
  original.set_kind(v1::SHIPMENT_KIND_OUTBOUND);
  original.set_warehouse_id(kFirst);
  original.set_status(v1::SHIPMENT_STATUS_RETURNED_TO_SENDER);
  original.set_tracking_number("TRACK-1");
  original.set_carrier("Old Carrier");
  original.set_order_version(2);
  original.mutable_address()->set_city("Berlin");
  auto* line = original.add_lines();
  line->set_sku("MUG");
  line->set_quantity(2);
  line->set_unit_weight_grams(400);
  Carriage carriage;
  carriage.rule = {"DE", "", 31'500, "DHL", "STANDARD", v1::TRANSPORT_MODE_GROUND, "EUR", 499, 40};
  carriage.freight.set_total_weight_grams(800);

  v1::Shipment replacement = ReplacementShipment(original, carriage);
  EXPECT_TRUE(replacement.id().empty());
  EXPECT_EQ(replacement.order_id(), "ord-1");
  EXPECT_EQ(replacement.kind(), v1::SHIPMENT_KIND_OUTBOUND);
  EXPECT_EQ(replacement.warehouse_id(), kFirst);
  EXPECT_EQ(replacement.status(), v1::SHIPMENT_STATUS_PENDING);
  EXPECT_EQ(replacement.address().city(), "Berlin");
  EXPECT_EQ(replacement.carrier(), "DHL");
  EXPECT_EQ(replacement.freight().total_weight_grams(), 800);
  EXPECT_TRUE(replacement.tracking_number().empty());
  ASSERT_EQ(replacement.lines_size(), 1);
  EXPECT_EQ(replacement.lines(0).sku(), "MUG");
  EXPECT_EQ(replacement.lines(0).quantity(), 2);
  EXPECT_EQ(replacement.lines(0).unit_weight_grams(), 400);
  EXPECT_EQ(replacement.replaces_shipment_id(), "s-1");
  EXPECT_EQ(replacement.order_version(), 2);
  EXPECT_TRUE(replacement.journal().empty());
}

TEST(AddPickListTest, OutboundOnly) {
  v1::Shipment outbound;
  outbound.set_kind(v1::SHIPMENT_KIND_OUTBOUND);
  outbound.set_warehouse_id(kFirst);
  auto* line = outbound.add_lines();
  line->set_sku("MUG");
  line->set_quantity(2);
  v1::Shipment inbound = outbound;
  inbound.set_kind(v1::SHIPMENT_KIND_RETURN);

  AddPickList(&outbound);
  AddPickList(&inbound);
  EXPECT_EQ(outbound.pick_list().warehouse_id(), kFirst);
  ASSERT_EQ(outbound.pick_list().lines_size(), 1);
  EXPECT_EQ(outbound.pick_list().lines(0).quantity(), 2);
  EXPECT_FALSE(inbound.has_pick_list());
}

TEST(PlanCancelTest, CancelsWhatIsNotCancelledYet) {
  auto plan = PlanCancel({{"s-1", v1::SHIPMENT_STATUS_PACKED, false},
                          {"s-2", v1::SHIPMENT_STATUS_CANCELLED, false},
                          {"s-3", v1::SHIPMENT_STATUS_PENDING, false}},
                         true);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->cancel, (std::vector<bool>{true, false, true}));
  EXPECT_FALSE(plan->tombstone);
}

TEST(PlanCancelTest, OneShippedTargetRefusesThemAll) {
  auto plan = PlanCancel({{"s-1", v1::SHIPMENT_STATUS_PENDING, false},
                          {"s-2", v1::SHIPMENT_STATUS_EXCEPTION, true},
                          {"s-3", v1::SHIPMENT_STATUS_DELIVERED, true}},
                         true);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(plan.status()), "SHIPMENT_ALREADY_SHIPPED");
  EXPECT_NE(plan.status().message().find("shipment s-2 "), absl::string_view::npos);
}

TEST(PlanCancelTest, NothingToCancelByOrderLeavesATombstone) {
  auto by_order = PlanCancel({}, true);
  ASSERT_TRUE(by_order.ok());
  EXPECT_TRUE(by_order->tombstone);
  EXPECT_TRUE(by_order->cancel.empty());
  auto cancelled_already = PlanCancel({{"s-1", v1::SHIPMENT_STATUS_CANCELLED, false}}, true);
  ASSERT_TRUE(cancelled_already.ok());
  EXPECT_FALSE(cancelled_already->tombstone);
  auto by_id = PlanCancel({{"s-1", v1::SHIPMENT_STATUS_CANCELLED, false}}, false);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->cancel, std::vector<bool>{false});
  EXPECT_FALSE(by_id->tombstone);
}

}  // namespace
}  // namespace oms::shipping
