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

// The order's status once its shipments are `shipments`: fulfilment moves only orders past
// confirmation (CONFIRMED to DELIVERED); any other status (PENDING, final, parked) stays.
v1::OrderStatus StatusAfterShipmentEvent(
    v1::OrderStatus current,
    const google::protobuf::RepeatedPtrField<v1::ShipmentSummary>& shipments);

// A DELIVERED order is COMPLETED once none of its follow-up sagas (stock commits, captures,
// cancellations, returns) is still open.
bool IsComplete(v1::OrderStatus status, int64_t open_follow_up_sagas);

}  // namespace oms::order
