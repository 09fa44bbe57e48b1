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

TEST(FulfilmentTest, ShipmentEventsMoveOnlyOrdersPastConfirmation) {
  google::protobuf::RepeatedPtrField<v1::ShipmentSummary> shipped;
  shipped.Add()->set_status("SHIPMENT_STATUS_SHIPPED");
  EXPECT_EQ(StatusAfterShipmentEvent(v1::ORDER_STATUS_CONFIRMED, shipped),
            v1::ORDER_STATUS_SHIPPED);
  EXPECT_EQ(StatusAfterShipmentEvent(v1::ORDER_STATUS_DELIVERED, shipped),
            v1::ORDER_STATUS_SHIPPED);
  for (v1::OrderStatus stays :
       {v1::ORDER_STATUS_PENDING, v1::ORDER_STATUS_COMPLETED, v1::ORDER_STATUS_CANCELLED,
        v1::ORDER_STATUS_NEEDS_ATTENTION, v1::ORDER_STATUS_REJECTED}) {
    EXPECT_EQ(StatusAfterShipmentEvent(stays, shipped), stays) << v1::OrderStatus_Name(stays);
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
