// An order's fulfilment: its shipments as the ship step listed them and shipping's events
// recorded them, and the status derived from them. Pure logic. Every writer of an order's status
// (the order saga's saves, the shipment event feed) derives it with OrderStatusWithShipments.
#pragma once

#include <cstdint>

#include "google/protobuf/repeated_field.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

using ShipmentList = google::protobuf::RepeatedPtrField<v1::ShipmentSummary>;

// The order's shipments: those `listed` (as the order saga's ship step saved them), in that
// order, each with the status and short pick its recorded row has when it has one (a row
// follows shipping's events, which come after the shipment's creation); then those only
// `recorded`, in that order (an event can come before the ship step is saved).
ShipmentList MergeShipments(const ShipmentList& listed, const ShipmentList& recorded);

// A parcel that will not reach the customer as it is: back at the sender (RETURNED_TO_SENDER) or
// given up by the carrier (LOST). An operator decides: reship or refund (docs/commerce.md).
bool AwaitsParcelDecision(const std::string& status);

// Units still queued for stock: allocation.backordered less what the fills took, none once the
// backorders were cancelled.
int64_t QueuedUnits(const inventory::v1::Allocation& allocation, const v1::BackorderState& state);

// What of an order's backordered units is not in its shipments yet: units still queued for
// stock, and fills (units a receipt held for the order) whose shipment is not created yet.
struct BackorderProgress {
  int64_t queued_units = 0;
  int unshipped_fills = 0;
};

// The fills of `state` that none of `shipments` ships (backorder_fill_sequence).
int UnshippedFills(const ShipmentList& shipments, const v1::BackorderState& state);

// With units queued for stock: PARTIALLY_BACKORDERED, whatever the shipments say (what is held
// ships meanwhile; the order is not done). Else: a fill without its shipment yet counts as a
// shipment not shipped, and cancelled shipments do not count. All delivered: DELIVERED; some:
// PARTIALLY_DELIVERED; all shipped (or further): SHIPPED; some: PARTIALLY_SHIPPED; else CONFIRMED.
// A shipment replaced (replaces_shipment_id) counts with its replacement's status once that has
// shipped; a parcel refunded after it came back (refunded) counts as finished like a delivered one,
// and an order whose every parcel was refunded so is COMPLETED. Shipment statuses are shipping's
// names (SHIPMENT_STATUS_...).
v1::OrderStatus FulfilmentStatus(const ShipmentList& shipments,
                                 const BackorderProgress& backorders = {});

// Whether an order whose lifecycle status is `lifecycle` takes its status from its shipments
// (CONFIRMED to DELIVERED, PARTIALLY_BACKORDERED); a writer of any other status need not read them.
bool StatusFollowsShipments(v1::OrderStatus lifecycle);

// The order's status once its lifecycle status is `lifecycle` (what the order saga or the
// order's current status says) and its shipments are `shipments`: fulfilment refines only an
// order past confirmation (CONFIRMED to DELIVERED, PARTIALLY_BACKORDERED); any other status
// (PENDING, final, parked) stays.
v1::OrderStatus OrderStatusWithShipments(v1::OrderStatus lifecycle, const ShipmentList& shipments,
                                         const BackorderProgress& backorders);

// Whether the sagas of an order's shipped shipments (commit the stock, capture the share) may
// start: only once the order saga has confirmed the order. Until its forward path completes it
// may still compensate, releasing the hold and voiding the authorization those sagas would commit
// and capture (RELIABILITY.md I3, I5: no capture on a rejected order). A SHIPPED event taken in
// before that is kept with its shipment's row, and the confirming save starts the saga.
bool ShipmentSagasMayStart(v1::OrderStatus status);

// A DELIVERED order is COMPLETED once none of its follow-up sagas (stock commits, captures,
// cancellations, returns) is still open.
bool IsComplete(v1::OrderStatus status, int64_t open_follow_up_sagas);

}  // namespace oms::order
