#include "order-service/src/fulfilment.h"

#include <string>

namespace oms::order {
namespace {

// Shipped means the goods left the warehouse: shipping's statuses from SHIPPED on.
bool HasShipped(const std::string& status) {
  for (const char* shipped :
       {"SHIPMENT_STATUS_SHIPPED", "SHIPMENT_STATUS_IN_TRANSIT", "SHIPMENT_STATUS_OUT_FOR_DELIVERY",
        "SHIPMENT_STATUS_DELIVERED", "SHIPMENT_STATUS_DELIVERY_FAILED",
        "SHIPMENT_STATUS_RETURNED_TO_SENDER"}) {
    if (status == shipped) return true;
  }
  return false;
}

}  // namespace

v1::OrderStatus FulfilmentStatus(
    const google::protobuf::RepeatedPtrField<v1::ShipmentSummary>& shipments) {
  int counted = 0, shipped = 0, delivered = 0;
  for (const auto& shipment : shipments) {
    if (shipment.status() == "SHIPMENT_STATUS_CANCELLED") continue;
    ++counted;
    if (HasShipped(shipment.status())) ++shipped;
    if (shipment.status() == "SHIPMENT_STATUS_DELIVERED") ++delivered;
  }
  if (counted == 0) return v1::ORDER_STATUS_CONFIRMED;
  if (delivered == counted) return v1::ORDER_STATUS_DELIVERED;
  if (delivered > 0) return v1::ORDER_STATUS_PARTIALLY_DELIVERED;
  if (shipped == counted) return v1::ORDER_STATUS_SHIPPED;
  if (shipped > 0) return v1::ORDER_STATUS_PARTIALLY_SHIPPED;
  return v1::ORDER_STATUS_CONFIRMED;
}

v1::OrderStatus StatusAfterShipmentEvent(
    v1::OrderStatus current,
    const google::protobuf::RepeatedPtrField<v1::ShipmentSummary>& shipments) {
  switch (current) {
    case v1::ORDER_STATUS_CONFIRMED:
    case v1::ORDER_STATUS_PARTIALLY_SHIPPED:
    case v1::ORDER_STATUS_SHIPPED:
    case v1::ORDER_STATUS_PARTIALLY_DELIVERED:
    case v1::ORDER_STATUS_DELIVERED:
      return FulfilmentStatus(shipments);
    default:
      return current;
  }
}

bool IsComplete(v1::OrderStatus status, int64_t open_follow_up_sagas) {
  return status == v1::ORDER_STATUS_DELIVERED && open_follow_up_sagas == 0;
}

}  // namespace oms::order
