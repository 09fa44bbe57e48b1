#include "order-service/src/fulfilment.h"

#include <gtest/gtest.h>

namespace oms::order {
namespace {

v1::OrderStatus StatusOf(std::initializer_list<const char*> statuses) {
  google::protobuf::RepeatedPtrField<v1::ShipmentSummary> shipments;
  for (const char* status : statuses) shipments.Add()->set_status(status);
  return FulfilmentStatus(shipments);
}

TEST(FulfilmentTest, TheOrderFollowsItsShipments) {
  EXPECT_EQ(StatusOf({"SHIPMENT_STATUS_PENDING", "SHIPMENT_STATUS_PACKED"}),
            v1::ORDER_STATUS_CONFIRMED);
  EXPECT_EQ(StatusOf({"SHIPMENT_STATUS_SHIPPED", "SHIPMENT_STATUS_PACKED"}),
            v1::ORDER_STATUS_PARTIALLY_SHIPPED);
  EXPECT_EQ(StatusOf({"SHIPMENT_STATUS_IN_TRANSIT", "SHIPMENT_STATUS_SHIPPED"}),
            v1::ORDER_STATUS_SHIPPED);
  EXPECT_EQ(StatusOf({"SHIPMENT_STATUS_DELIVERED", "SHIPMENT_STATUS_PENDING"}),
            v1::ORDER_STATUS_PARTIALLY_DELIVERED);
  EXPECT_EQ(StatusOf({"SHIPMENT_STATUS_DELIVERED", "SHIPMENT_STATUS_DELIVERED"}),
            v1::ORDER_STATUS_DELIVERED);
  // A cancelled shipment does not hold the order back; an exception before shipping is not
  // a shipment on its way.
  EXPECT_EQ(StatusOf({"SHIPMENT_STATUS_DELIVERED", "SHIPMENT_STATUS_CANCELLED"}),
            v1::ORDER_STATUS_DELIVERED);
  EXPECT_EQ(StatusOf({"SHIPMENT_STATUS_EXCEPTION"}), v1::ORDER_STATUS_CONFIRMED);
  EXPECT_EQ(StatusOf({}), v1::ORDER_STATUS_CONFIRMED);
}

TEST(FulfilmentTest, ShipmentsMoveOnlyOrdersPastConfirmation) {
  google::protobuf::RepeatedPtrField<v1::ShipmentSummary> shipped;
  shipped.Add()->set_status("SHIPMENT_STATUS_SHIPPED");
  EXPECT_EQ(OrderStatusWithShipments(v1::ORDER_STATUS_CONFIRMED, shipped, {}),
            v1::ORDER_STATUS_SHIPPED);
  EXPECT_EQ(OrderStatusWithShipments(v1::ORDER_STATUS_DELIVERED, shipped, {}),
            v1::ORDER_STATUS_SHIPPED);
  for (v1::OrderStatus stays :
       {v1::ORDER_STATUS_PENDING, v1::ORDER_STATUS_COMPLETED, v1::ORDER_STATUS_CANCELLED,
        v1::ORDER_STATUS_NEEDS_ATTENTION, v1::ORDER_STATUS_REJECTED}) {
    EXPECT_EQ(OrderStatusWithShipments(stays, shipped, {}), stays) << v1::OrderStatus_Name(stays);
    EXPECT_FALSE(StatusFollowsShipments(stays)) << v1::OrderStatus_Name(stays);
  }
  for (v1::OrderStatus follows :
       {v1::ORDER_STATUS_CONFIRMED, v1::ORDER_STATUS_PARTIALLY_SHIPPED, v1::ORDER_STATUS_SHIPPED,
        v1::ORDER_STATUS_PARTIALLY_DELIVERED, v1::ORDER_STATUS_DELIVERED}) {
    EXPECT_TRUE(StatusFollowsShipments(follows)) << v1::OrderStatus_Name(follows);
  }
}

// The order saga's last save says CONFIRMED; shipments that shipped or were delivered while it
// was PENDING decide what the order is.
TEST(FulfilmentTest, AConfirmationFindsTheShipmentsAsTheyStand) {
  google::protobuf::RepeatedPtrField<v1::ShipmentSummary> shipments;
  shipments.Add()->set_status("SHIPMENT_STATUS_PENDING");
  EXPECT_EQ(OrderStatusWithShipments(v1::ORDER_STATUS_CONFIRMED, shipments, {}),
            v1::ORDER_STATUS_CONFIRMED);
  shipments.Add()->set_status("SHIPMENT_STATUS_SHIPPED");
  EXPECT_EQ(OrderStatusWithShipments(v1::ORDER_STATUS_CONFIRMED, shipments, {}),
            v1::ORDER_STATUS_PARTIALLY_SHIPPED);
  shipments.Mutable(0)->set_status("SHIPMENT_STATUS_DELIVERED");
  shipments.Mutable(1)->set_status("SHIPMENT_STATUS_DELIVERED");
  EXPECT_EQ(OrderStatusWithShipments(v1::ORDER_STATUS_CONFIRMED, shipments, {}),
            v1::ORDER_STATUS_DELIVERED);
}

v1::ShipmentSummary Shipment(const std::string& id, const std::string& status) {
  v1::ShipmentSummary shipment;
  shipment.set_shipment_id(id);
  shipment.set_warehouse_id("wh-" + id);
  shipment.set_status(status);
  return shipment;
}

// The ship step's list keeps its order; its PENDING never hides a newer status an event
// recorded; a shipment only an event told of is still the order's.
TEST(FulfilmentTest, RecordedStatusesWinOverTheShipStepsList) {
  google::protobuf::RepeatedPtrField<v1::ShipmentSummary> listed, recorded;
  *listed.Add() = Shipment("s-1", "SHIPMENT_STATUS_PENDING");
  *listed.Add() = Shipment("s-2", "SHIPMENT_STATUS_PENDING");
  *recorded.Add() = Shipment("s-3", "SHIPMENT_STATUS_PACKED");
  *recorded.Add() = Shipment("s-2", "SHIPMENT_STATUS_DELIVERED");
  const auto merged = MergeShipments(listed, recorded);
  ASSERT_EQ(merged.size(), 3);
  EXPECT_EQ(merged[0].shipment_id(), "s-1");
  EXPECT_EQ(merged[0].status(), "SHIPMENT_STATUS_PENDING");  // no row: as listed
  EXPECT_EQ(merged[1].shipment_id(), "s-2");
  EXPECT_EQ(merged[1].warehouse_id(), "wh-s-2");
  EXPECT_EQ(merged[1].status(), "SHIPMENT_STATUS_DELIVERED");
  EXPECT_EQ(merged[2].shipment_id(), "s-3");
  EXPECT_EQ(merged[2].status(), "SHIPMENT_STATUS_PACKED");

  EXPECT_EQ(MergeShipments({}, recorded).size(), 2);  // the ship step not saved yet
  EXPECT_EQ(MergeShipments(listed, {}).size(), 2);    // no event yet (or saved before rows)
}

// Commit and capture only once the order saga can no longer release the hold or void the
// authorization.
// A parcel returned to sender keeps the order SHIPPED until its replacement has shipped; then the
// order follows the replacement, to DELIVERED. The replacement is never a shipment of its own.
TEST(FulfilmentTest, AReplacementCountsInThePlaceOfTheParcelItReplaces) {
  ShipmentList shipments;
  *shipments.Add() = Shipment("s-1", "SHIPMENT_STATUS_RETURNED_TO_SENDER");
  *shipments.Add() = Shipment("s-2", "SHIPMENT_STATUS_DELIVERED");
  v1::ShipmentSummary* replacement = shipments.Add();
  *replacement = Shipment("s-3", "SHIPMENT_STATUS_PENDING");
  replacement->set_replaces_shipment_id("s-1");
  EXPECT_EQ(FulfilmentStatus(shipments), v1::ORDER_STATUS_PARTIALLY_DELIVERED);
  replacement->set_status("SHIPMENT_STATUS_SHIPPED");
  EXPECT_EQ(FulfilmentStatus(shipments), v1::ORDER_STATUS_PARTIALLY_DELIVERED);
  replacement->set_status("SHIPMENT_STATUS_DELIVERED");
  EXPECT_EQ(FulfilmentStatus(shipments), v1::ORDER_STATUS_DELIVERED);
  shipments.Mutable(1)->set_status("SHIPMENT_STATUS_SHIPPED");
  replacement->set_status("SHIPMENT_STATUS_PACKED");
  EXPECT_EQ(FulfilmentStatus(shipments), v1::ORDER_STATUS_SHIPPED);
}

TEST(FulfilmentTest, ARefundedParcelIsFinishedAndAllRefundedCompletesTheOrder) {
  ShipmentList shipments;
  *shipments.Add() = Shipment("s-1", "SHIPMENT_STATUS_RETURNED_TO_SENDER");
  *shipments.Add() = Shipment("s-2", "SHIPMENT_STATUS_IN_TRANSIT");
  EXPECT_EQ(FulfilmentStatus(shipments), v1::ORDER_STATUS_SHIPPED);
  shipments.Mutable(0)->set_refunded(true);
  EXPECT_EQ(FulfilmentStatus(shipments), v1::ORDER_STATUS_SHIPPED);
  shipments.Mutable(1)->set_status("SHIPMENT_STATUS_DELIVERED");
  EXPECT_EQ(FulfilmentStatus(shipments), v1::ORDER_STATUS_DELIVERED);
  shipments.Mutable(1)->set_status("SHIPMENT_STATUS_RETURNED_TO_SENDER");
  shipments.Mutable(1)->set_refunded(true);
  EXPECT_EQ(FulfilmentStatus(shipments), v1::ORDER_STATUS_COMPLETED);
  EXPECT_EQ(OrderStatusWithShipments(v1::ORDER_STATUS_SHIPPED, shipments, {}),
            v1::ORDER_STATUS_COMPLETED);
}

TEST(FulfilmentTest, ShipmentSagasStartOnlyOnceTheOrderIsConfirmed) {
  for (v1::OrderStatus waits : {v1::ORDER_STATUS_PENDING, v1::ORDER_STATUS_REJECTED,
                                v1::ORDER_STATUS_NEEDS_ATTENTION, v1::ORDER_STATUS_UNSPECIFIED}) {
    EXPECT_FALSE(ShipmentSagasMayStart(waits)) << v1::OrderStatus_Name(waits);
  }
  for (v1::OrderStatus starts :
       {v1::ORDER_STATUS_CONFIRMED, v1::ORDER_STATUS_PARTIALLY_SHIPPED, v1::ORDER_STATUS_SHIPPED,
        v1::ORDER_STATUS_PARTIALLY_DELIVERED, v1::ORDER_STATUS_DELIVERED,
        v1::ORDER_STATUS_COMPLETED, v1::ORDER_STATUS_CANCELLED}) {
    EXPECT_TRUE(ShipmentSagasMayStart(starts)) << v1::OrderStatus_Name(starts);
  }
}

TEST(FulfilmentTest, ADeliveredOrderCompletesOnceNoFollowUpSagaIsOpen) {
  EXPECT_TRUE(IsComplete(v1::ORDER_STATUS_DELIVERED, 0));
  EXPECT_FALSE(IsComplete(v1::ORDER_STATUS_DELIVERED, 1));
  EXPECT_FALSE(IsComplete(v1::ORDER_STATUS_PARTIALLY_DELIVERED, 0));
  EXPECT_FALSE(IsComplete(v1::ORDER_STATUS_COMPLETED, 0));
}

}  // namespace
}  // namespace oms::order

namespace oms::order {
namespace {

TEST(FulfilmentTest, AnOrderWaitsPartiallyBackorderedWhileUnitsAreQueued) {
  inventory::v1::Allocation allocation;
  auto* queued = allocation.add_backordered();
  queued->set_sku("MUG");
  queued->set_quantity(3);
  v1::BackorderState state;
  EXPECT_EQ(QueuedUnits(allocation, state), 3);
  auto* fill = state.add_fills();
  auto* filled = fill->add_lines();
  filled->set_sku("MUG");
  filled->set_quantity(2);
  EXPECT_EQ(QueuedUnits(allocation, state), 1);

  ShipmentList shipments;
  *shipments.Add() = Shipment("s-1", "SHIPMENT_STATUS_DELIVERED");
  // What was held is delivered; the order still waits for the queued unit, and is not done.
  EXPECT_EQ(OrderStatusWithShipments(v1::ORDER_STATUS_CONFIRMED, shipments, {1, 0}),
            v1::ORDER_STATUS_PARTIALLY_BACKORDERED);
  EXPECT_EQ(OrderStatusWithShipments(v1::ORDER_STATUS_PARTIALLY_BACKORDERED, shipments, {}),
            v1::ORDER_STATUS_DELIVERED);
  EXPECT_EQ(OrderStatusWithShipments(v1::ORDER_STATUS_PENDING, shipments, {1, 0}),
            v1::ORDER_STATUS_PENDING);
  EXPECT_TRUE(ShipmentSagasMayStart(v1::ORDER_STATUS_PARTIALLY_BACKORDERED));

  filled->set_quantity(3);
  EXPECT_EQ(QueuedUnits(allocation, state), 0);
  filled->set_quantity(1);
  state.set_cancelled(true);
  EXPECT_EQ(QueuedUnits(allocation, state), 0);
}

// A fill taken in is a parcel to come: the order is not delivered (nor completed) before the
// fill's shipment exists and is delivered too.
TEST(FulfilmentTest, AFillWithoutItsShipmentKeepsTheOrderOpen) {
  v1::BackorderState state;
  state.add_fills()->set_sequence(4);
  ShipmentList shipments;
  *shipments.Add() = Shipment("s-1", "SHIPMENT_STATUS_DELIVERED");
  EXPECT_EQ(UnshippedFills(shipments, state), 1);
  EXPECT_EQ(FulfilmentStatus(shipments, {0, UnshippedFills(shipments, state)}),
            v1::ORDER_STATUS_PARTIALLY_DELIVERED);

  v1::ShipmentSummary fill_parcel = Shipment("s-2", "SHIPMENT_STATUS_SHIPPED");
  fill_parcel.set_backorder_fill_sequence(4);
  *shipments.Add() = fill_parcel;
  EXPECT_EQ(UnshippedFills(shipments, state), 0);
  EXPECT_EQ(FulfilmentStatus(shipments, {0, UnshippedFills(shipments, state)}),
            v1::ORDER_STATUS_PARTIALLY_DELIVERED);
  shipments[1].set_status("SHIPMENT_STATUS_DELIVERED");
  EXPECT_EQ(FulfilmentStatus(shipments, {}), v1::ORDER_STATUS_DELIVERED);
}

}  // namespace
}  // namespace oms::order
