#include "order-service/src/cancellation.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "oms/shipping/v1/shipping.pb.h"
#include "order-service/src/fulfilment.h"
#include "order-service/src/order_status.h"

namespace oms::order {
namespace {

// Shipments that have not left the warehouse (shipping's names, SHIPMENT_STATUS_...).
bool StillInWarehouse(const std::string& status_name) {
  shipping::v1::ShipmentStatus status = shipping::v1::SHIPMENT_STATUS_UNSPECIFIED;
  if (!shipping::v1::ShipmentStatus_Parse(status_name, &status)) return false;
  return status == shipping::v1::SHIPMENT_STATUS_PENDING ||
         status == shipping::v1::SHIPMENT_STATUS_PICKED ||
         status == shipping::v1::SHIPMENT_STATUS_PACKED;
}

// An order whose unshipped parts a cancellation takes; in any other (placed) status there is
// nothing left to take.
bool StillShipping(v1::OrderStatus status) {
  return status == v1::ORDER_STATUS_CONFIRMED || status == v1::ORDER_STATUS_PARTIALLY_SHIPPED ||
         status == v1::ORDER_STATUS_PARTIALLY_BACKORDERED;
}

}  // namespace

absl::StatusOr<v1::CancelPlan> PlanCancel(
    v1::OrderStatus status,
    const google::protobuf::RepeatedPtrField<v1::ShipmentSummary>& shipments,
    const std::string& reason) {
  if (status == v1::ORDER_STATUS_PENDING) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "ORDER_NOT_CONFIRMED",
                      "the order is still being placed; cancel it once it is confirmed");
  }
  v1::CancelPlan plan;
  plan.set_reason(reason);
  if (!StillShipping(status)) return plan;
  for (const auto& shipment : shipments) {
    // A replacement carries goods already paid for and sent once: nothing of it is voided.
    if (!shipment.replaces_shipment_id().empty()) continue;
    if (StillInWarehouse(shipment.status())) *plan.add_candidates() = shipment;
  }
  return plan;
}

absl::Status FillShipmentsListed(const v1::Order& order) {
  // A final order's fills ship no more (a cancelled order's are released unlisted).
  if (!StillShipping(order.status())) return absl::OkStatus();
  v1::BackorderState fills;
  *fills.mutable_fills() = order.backorder_fills();
  if (UnshippedFills(order.shipments(), fills) == 0) return absl::OkStatus();
  return WithReason(absl::StatusCode::kAborted, "BACKORDER_FILL_IN_PROGRESS",
                    absl::StrCat("order ", order.id(),
                                 " has a backorder fill whose shipment is being created; cancel "
                                 "again once it is listed among the order's shipments"));
}

absl::Status NothingToCancel(const std::string& order_id, v1::OrderStatus status) {
  return WithReason(absl::StatusCode::kFailedPrecondition, "NOTHING_TO_CANCEL",
                    absl::StrCat("order ", order_id, " is ", StatusName(status),
                                 ": nothing of it can be cancelled any more"));
}

}  // namespace oms::order
