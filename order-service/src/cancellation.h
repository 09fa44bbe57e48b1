// Cancelling an order, as pure logic: when an order may be cancelled, and which of its shipments
// a cancellation takes (those that have not left the warehouse).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

// The cancellation of an order in `status` with `shipments`, for `reason`. Its candidates are the
// shipments still PENDING, PICKED or PACKED while the order is CONFIRMED, PARTIALLY_SHIPPED or
// PARTIALLY_BACKORDERED (whose queued units the saga cancels too);
// none otherwise (everything shipped, or the order is final), and then NothingToCancel answers
// unless a cancellation was started already. FAILED_PRECONDITION / ORDER_NOT_CONFIRMED while the
// order is PENDING (still being placed).
[[nodiscard]] absl::StatusOr<v1::CancelPlan> PlanCancel(
    v1::OrderStatus status,
    const google::protobuf::RepeatedPtrField<v1::ShipmentSummary>& shipments,
    const std::string& reason);

// Whether a cancellation may start as far as the order's backorder fills go: ABORTED /
// BACKORDER_FILL_IN_PROGRESS while the order is CONFIRMED, PARTIALLY_SHIPPED or
// PARTIALLY_BACKORDERED and a fill taken in has no shipment listed yet (its saga is creating it),
// whether or not anything else is left to cancel. A cancellation planned now could not take that
// shipment, which would then ship; once it is listed, a cancellation takes it as any other. (A fill
// arriving once a cancellation has started is not taken in: PgBackorderFillStore.)
[[nodiscard]] absl::Status FillShipmentsListed(const v1::Order& order);

// The refusal of a cancellation whose plan has no candidates: FAILED_PRECONDITION /
// NOTHING_TO_CANCEL.
[[nodiscard]] absl::Status NothingToCancel(const std::string& order_id, v1::OrderStatus status);

}  // namespace oms::order
