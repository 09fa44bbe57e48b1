#include "order-service/src/fulfilment.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace oms::order {
namespace {

// Shipped means the goods left the warehouse: shipping's statuses from SHIPPED on.
bool HasShipped(const std::string& status) {
  for (const char* shipped :
       {"SHIPMENT_STATUS_SHIPPED", "SHIPMENT_STATUS_IN_TRANSIT", "SHIPMENT_STATUS_OUT_FOR_DELIVERY",
        "SHIPMENT_STATUS_DELIVERED", "SHIPMENT_STATUS_DELIVERY_FAILED",
        "SHIPMENT_STATUS_RETURNED_TO_SENDER", "SHIPMENT_STATUS_LOST"}) {
    if (status == shipped) return true;
  }
  return false;
}

}  // namespace

bool AwaitsParcelDecision(const std::string& status) {
  return status == "SHIPMENT_STATUS_RETURNED_TO_SENDER" || status == "SHIPMENT_STATUS_LOST";
}

ShipmentList MergeShipments(const ShipmentList& listed, const ShipmentList& recorded) {
  std::map<std::string, const v1::ShipmentSummary*> rows;
  for (const auto& row : recorded) rows[row.shipment_id()] = &row;
  // Listed shipments (the ship step's) replace nothing: replacements come from the events only.
  std::set<std::string> listed_ids;
  ShipmentList merged = listed;
  for (auto& shipment : merged) {
    listed_ids.insert(shipment.shipment_id());
    auto row = rows.find(shipment.shipment_id());
    if (row == rows.end()) continue;
    shipment.set_status(row->second->status());
    *shipment.mutable_short_picked() = row->second->short_picked();
  }
  for (const auto& row : recorded) {
    if (!listed_ids.count(row.shipment_id())) *merged.Add() = row;
  }
  return merged;
}

int64_t QueuedUnits(const inventory::v1::Allocation& allocation, const v1::BackorderState& state) {
  if (state.cancelled()) return 0;
  int64_t queued = 0;
  for (const auto& line : allocation.backordered()) queued += line.quantity();
  for (const auto& fill : state.fills()) {
    for (const auto& line : fill.lines()) queued -= line.quantity();
  }
  return std::max<int64_t>(queued, 0);
}

int UnshippedFills(const ShipmentList& shipments, const v1::BackorderState& state) {
  std::set<int64_t> shipped;
  for (const auto& shipment : shipments) shipped.insert(shipment.backorder_fill_sequence());
  int unshipped = 0;
  for (const auto& fill : state.fills()) unshipped += shipped.count(fill.sequence()) == 0;
  return unshipped;
}

v1::OrderStatus FulfilmentStatus(const ShipmentList& shipments,
                                 const BackorderProgress& backorders) {
  if (backorders.queued_units > 0) return v1::ORDER_STATUS_PARTIALLY_BACKORDERED;
  // A parcel returned to sender and shipped again counts as its replacement once that has
  // shipped (until then it stays shipped, as it was): the order does not go back to CONFIRMED.
  std::map<std::string, std::string> replacement_status;
  for (const auto& shipment : shipments) {
    if (!shipment.replaces_shipment_id().empty() && HasShipped(shipment.status())) {
      replacement_status[shipment.replaces_shipment_id()] = shipment.status();
    }
  }
  int counted = 0, shipped = 0, delivered = 0, finished = 0;
  for (const auto& shipment : shipments) {
    if (!shipment.replaces_shipment_id().empty()) continue;
    const auto replaced = replacement_status.find(shipment.shipment_id());
    const std::string& status =
        replaced != replacement_status.end() ? replaced->second : shipment.status();
    if (status == "SHIPMENT_STATUS_CANCELLED") continue;
    ++counted;
    if (HasShipped(status)) ++shipped;
    if (status == "SHIPMENT_STATUS_DELIVERED") ++delivered;
    if (status == "SHIPMENT_STATUS_DELIVERED" || shipment.refunded()) ++finished;
  }
  counted += backorders.unshipped_fills;
  if (counted == 0) return v1::ORDER_STATUS_CONFIRMED;
  // A parcel refunded after it came back will not be delivered: with every other parcel
  // delivered the order is, and with none it is over.
  if (finished == counted) {
    return delivered > 0 ? v1::ORDER_STATUS_DELIVERED : v1::ORDER_STATUS_COMPLETED;
  }
  if (delivered > 0) return v1::ORDER_STATUS_PARTIALLY_DELIVERED;
  if (shipped == counted) return v1::ORDER_STATUS_SHIPPED;
  if (shipped > 0) return v1::ORDER_STATUS_PARTIALLY_SHIPPED;
  return v1::ORDER_STATUS_CONFIRMED;
}

bool StatusFollowsShipments(v1::OrderStatus lifecycle) {
  switch (lifecycle) {
    case v1::ORDER_STATUS_CONFIRMED:
    case v1::ORDER_STATUS_PARTIALLY_SHIPPED:
    case v1::ORDER_STATUS_SHIPPED:
    case v1::ORDER_STATUS_PARTIALLY_DELIVERED:
    case v1::ORDER_STATUS_DELIVERED:
    case v1::ORDER_STATUS_PARTIALLY_BACKORDERED:
      return true;
    default:
      return false;
  }
}

v1::OrderStatus OrderStatusWithShipments(v1::OrderStatus lifecycle, const ShipmentList& shipments,
                                         const BackorderProgress& backorders) {
  return StatusFollowsShipments(lifecycle) ? FulfilmentStatus(shipments, backorders) : lifecycle;
}

bool ShipmentSagasMayStart(v1::OrderStatus status) {
  switch (status) {
    case v1::ORDER_STATUS_CONFIRMED:
    case v1::ORDER_STATUS_PARTIALLY_SHIPPED:
    case v1::ORDER_STATUS_SHIPPED:
    case v1::ORDER_STATUS_PARTIALLY_DELIVERED:
    case v1::ORDER_STATUS_DELIVERED:
    case v1::ORDER_STATUS_COMPLETED:
    case v1::ORDER_STATUS_PARTIALLY_BACKORDERED:
    // A partial cancellation leaves the order's fulfilment status; a complete one cancelled
    // only shipments that had not shipped. Goods that shipped are charged for all the same.
    case v1::ORDER_STATUS_CANCELLED:
      return true;
    default:
      return false;  // PENDING, REJECTED, NEEDS_ATTENTION: the order saga has not confirmed it
  }
}

bool IsComplete(v1::OrderStatus status, int64_t open_follow_up_sagas) {
  return status == v1::ORDER_STATUS_DELIVERED && open_follow_up_sagas == 0;
}

}  // namespace oms::order
