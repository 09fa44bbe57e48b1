// What the order saga's phase means for the order: the only place a saga decides the order's
// lifecycle status. Pure logic.
#pragma once

#include <string>

#include "oms/order/v1/order.pb.h"
#include "order-service/src/saga.h"

namespace oms::order {

// PENDING while it runs or compensates, CONFIRMED once completed, REJECTED once compensated,
// NEEDS_ATTENTION while parked. The order's status written is this refined by its shipments
// (fulfilment.h OrderStatusWithShipments): goods may have shipped before the saga's last save.
v1::OrderStatus OrderStatusOf(SagaPhase phase);

// The rejection reason clients see for a saga's failure reason: INSUFFICIENT_STOCK,
// PAYMENT_DECLINED, DESTINATION_NOT_SERVED, or DEPENDENCY_UNAVAILABLE for anything else.
std::string RejectionReasonOf(const std::string& failure_reason);

// The payload of an order saga whose reserve step holds the stock until the goods ship (every
// order saga this release starts): its keep-reservation step has nothing left to do. An order
// saga without it (started by an earlier release) reserved with inventory's short hold and
// extends it at keep-reservation.
inline constexpr char kHoldFromReserve[] = "hold-from-reserve";

}  // namespace oms::order
