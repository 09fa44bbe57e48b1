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

}  // namespace
}  // namespace oms::order
