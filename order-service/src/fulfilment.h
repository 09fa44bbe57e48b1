// An order's fulfilment status, derived from its shipments' statuses. Pure logic.
#pragma once

#include "google/protobuf/repeated_field.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

// Cancelled shipments do not count. All delivered: DELIVERED; some: PARTIALLY_DELIVERED; all
// shipped (or further): SHIPPED; some: PARTIALLY_SHIPPED; else CONFIRMED. Shipment statuses are
// shipping's names (SHIPMENT_STATUS_...).
v1::OrderStatus FulfilmentStatus(
    const google::protobuf::RepeatedPtrField<v1::ShipmentSummary>& shipments);

}  // namespace oms::order
