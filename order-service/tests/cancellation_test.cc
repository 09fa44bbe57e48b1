// Cancelling an order as pure logic: when it may be cancelled, and which shipments it takes.
#include "order-service/src/cancellation.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::order {
namespace {

google::protobuf::RepeatedPtrField<v1::ShipmentSummary> Shipments(
    std::initializer_list<const char*> statuses) {
  google::protobuf::RepeatedPtrField<v1::ShipmentSummary> shipments;
  int n = 0;
  for (const char* status : statuses) {
    auto* shipment = shipments.Add();
    shipment->set_shipment_id("s-" + std::to_string(++n));
    shipment->set_warehouse_id("w-" + std::to_string(n));
    shipment->set_status(status);
  }
  return shipments;
}

TEST(CancellationTest, AnOrderStillBeingPlacedCannotBeCancelledYet) {
  auto plan = PlanCancel(v1::ORDER_STATUS_PENDING, Shipments({"SHIPMENT_STATUS_PENDING"}), "");
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(plan.status()), "ORDER_NOT_CONFIRMED");
}

TEST(CancellationTest, ItTakesTheShipmentsThatHaveNotLeftTheWarehouse) {
  const auto shipments =
      Shipments({"SHIPMENT_STATUS_PENDING", "SHIPMENT_STATUS_PICKED", "SHIPMENT_STATUS_PACKED",
                 "SHIPMENT_STATUS_SHIPPED", "SHIPMENT_STATUS_DELIVERED",
                 "SHIPMENT_STATUS_CANCELLED", "SHIPMENT_STATUS_EXCEPTION", "not a status"});
  for (auto status : {v1::ORDER_STATUS_CONFIRMED, v1::ORDER_STATUS_PARTIALLY_SHIPPED}) {
    auto plan = PlanCancel(status, shipments, "changed my mind");
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ(plan->reason(), "changed my mind");
    ASSERT_EQ(plan->candidates_size(), 3) << v1::OrderStatus_Name(status);
    EXPECT_EQ(plan->candidates(0).shipment_id(), "s-1");
    EXPECT_EQ(plan->candidates(0).warehouse_id(), "w-1");
    EXPECT_EQ(plan->candidates(1).shipment_id(), "s-2");
    EXPECT_EQ(plan->candidates(2).shipment_id(), "s-3");
    EXPECT_TRUE(plan->cancelled_shipment_ids().empty());
  }
}

// A replacement of a parcel returned to sender carries goods paid for and sent once: cancelling
// the order leaves it (and voids nothing for it).
TEST(CancellationTest, ItLeavesTheReplacementOfAParcelReturnedToSender) {
  auto shipments = Shipments(
      {"SHIPMENT_STATUS_PENDING", "SHIPMENT_STATUS_RETURNED_TO_SENDER", "SHIPMENT_STATUS_PENDING"});
  shipments.Mutable(2)->set_replaces_shipment_id("s-2");
  auto plan = PlanCancel(v1::ORDER_STATUS_PARTIALLY_SHIPPED, shipments, "");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->candidates_size(), 1);
  EXPECT_EQ(plan->candidates(0).shipment_id(), "s-1");
}

// A fill taken in whose shipment is not listed yet would ship past a cancellation planned now.
TEST(CancellationTest, ItWaitsForEachBackorderFillsShipmentToBeListed) {
  v1::Order order;
  order.set_id("order-1");
  order.set_status(v1::ORDER_STATUS_CONFIRMED);
  *order.mutable_shipments() = Shipments({"SHIPMENT_STATUS_PENDING"});
  EXPECT_TRUE(FillShipmentsListed(order).ok());

  order.add_backorder_fills()->set_sequence(7);
  for (auto status : {v1::ORDER_STATUS_CONFIRMED, v1::ORDER_STATUS_PARTIALLY_SHIPPED,
                      v1::ORDER_STATUS_PARTIALLY_BACKORDERED}) {
    order.set_status(status);
    const absl::Status waiting = FillShipmentsListed(order);
    EXPECT_EQ(waiting.code(), absl::StatusCode::kAborted) << v1::OrderStatus_Name(status);
    EXPECT_EQ(ReasonOf(waiting), "BACKORDER_FILL_IN_PROGRESS");
  }
  // A cancelled order's fill is released unlisted: nothing waits for it.
  order.set_status(v1::ORDER_STATUS_CANCELLED);
  EXPECT_TRUE(FillShipmentsListed(order).ok());
  order.set_status(v1::ORDER_STATUS_CONFIRMED);

  auto* fill_shipment = order.add_shipments();
  fill_shipment->set_shipment_id("s-fill");
  fill_shipment->set_backorder_fill_sequence(7);
  fill_shipment->set_status("SHIPMENT_STATUS_PENDING");
  EXPECT_TRUE(FillShipmentsListed(order).ok());
}

TEST(CancellationTest, AShippedOrFinalOrderHasNothingToCancel) {
  const auto waiting = Shipments({"SHIPMENT_STATUS_PENDING"});
  for (auto status :
       {v1::ORDER_STATUS_SHIPPED, v1::ORDER_STATUS_PARTIALLY_DELIVERED, v1::ORDER_STATUS_DELIVERED,
        v1::ORDER_STATUS_COMPLETED, v1::ORDER_STATUS_CANCELLED, v1::ORDER_STATUS_REJECTED,
        v1::ORDER_STATUS_NEEDS_ATTENTION}) {
    auto plan = PlanCancel(status, waiting, "");
    ASSERT_TRUE(plan.ok()) << v1::OrderStatus_Name(status);
    EXPECT_TRUE(plan->candidates().empty()) << v1::OrderStatus_Name(status);
  }
  auto all_shipped =
      PlanCancel(v1::ORDER_STATUS_CONFIRMED,
                 Shipments({"SHIPMENT_STATUS_SHIPPED", "SHIPMENT_STATUS_IN_TRANSIT"}), "");
  ASSERT_TRUE(all_shipped.ok());
  EXPECT_TRUE(all_shipped->candidates().empty());

  absl::Status refused = NothingToCancel("order-1", v1::ORDER_STATUS_SHIPPED);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(refused), "NOTHING_TO_CANCEL");
  EXPECT_EQ(refused.message(), "order order-1 is SHIPPED: nothing of it can be cancelled any more");
}

}  // namespace
}  // namespace oms::order
