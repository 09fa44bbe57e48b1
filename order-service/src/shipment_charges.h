// What a shipment of an order is billed when it ships, as a pure function of the order as
// captured and reserved and of its shipments, so that the captures of all its shipments add up
// exactly to the total authorized (docs/commerce.md):
//  - the warehouses of the allocation take each line's units in the order of their ids: a
//    warehouse's first unit of a line is the quantity of that SKU in the groups of lower ids;
//    its units carry their share of the line's discount (adjustments.h: the first
//    discount % quantity units of the line one minor unit more);
//  - units no warehouse had when the order was reserved (allocation.unfilled, SHIP_AVAILABLE)
//    are the last of their lines, and voided;
//  - the order's shipping charge and its tax are each split over the allocation's groups (and
//    the unfilled units) by largest remainder, weighted by each one's goods after discounts;
//  - a short pick (ShipmentSummary.short_picked) takes the last units of each SKU of its
//    shipment's range away, with their largest-remainder share of the shipment's shipping
//    shares (weighted by the goods kept and moved); the shipments made to take them over
//    (resourced_from_shipment_id) share them out in the order of their warehouse ids (then
//    shipment ids), units in turn and shipping shares by largest remainder, and the units no
//    warehouse had (short_pick_cancelled) are the last, their share voided; each may be
//    short-picked in turn;
//  - units queued for stock (allocation.backordered, BACKORDER) come last too; each fill of
//    them (Order.backorder_fills, in sequence order, ShipmentSummary.backorder_fill_sequence)
//    takes the first units still queued of its SKUs, with their largest-remainder share of the
//    shipping shares of what was still queued (so a fill's part never changes once taken in),
//    and what stays queued when the backorders are cancelled is voided.
// Pure logic.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "oms/billing/v1/billing.pb.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

struct ShipmentCharge {
  std::vector<billing::v1::BillableLine> lines;  // taxed at the order's quoted rates
  int64_t shipping = 0;                          // its share of the shipping charge
  int64_t shipping_tax = 0;                      // and of the shipping charge's tax
  int64_t total = 0;  // goods after discounts, their tax, shipping and its tax
};

// The charge of `shipment`'s shipping `shipped` (SKU, quantity) units: the order's own summary
// of that shipment id when it has one (with its short pick and, for a re-sourced shipment, its
// lines), else `shipment` as given. INVALID_ARGUMENT for an SKU the shipment does not carry or
// more units than it carries; UNAVAILABLE while a re-sourced shipment, or another re-sourced
// from the same short pick, is not listed with its lines yet (the RESOURCE saga's save lists
// them: ask again later).
[[nodiscard]] absl::StatusOr<ShipmentCharge> ChargeOfShipment(
    const v1::Order& order, const v1::ShipmentSummary& shipment,
    const std::vector<std::pair<std::string, int64_t>>& shipped);

// The units of each SKU the shipment carries (its group's or lines, less its short pick), and
// what all of them are billed. Errors as ChargeOfShipment's.
[[nodiscard]] absl::StatusOr<std::map<std::string, int64_t>> UnitsOfShipment(
    const v1::Order& order, const v1::ShipmentSummary& shipment);
[[nodiscard]] absl::StatusOr<ShipmentCharge> FullChargeOfShipment(
    const v1::Order& order, const v1::ShipmentSummary& shipment);

// What the units the order does without (allocation.unfilled: no warehouse had them when it was
// reserved, SHIP_AVAILABLE) would have been billed: the last units of their lines, with their
// share of the shipping shares. 0 when there are none.
[[nodiscard]] int64_t UnfilledValue(const v1::Order& order);

// What the units still queued after every fill taken in would be billed (0 when none):
// the share a cancellation of the backorders voids. INVALID_ARGUMENT when a fill takes units
// that were not queued.
[[nodiscard]] absl::StatusOr<int64_t> QueuedValue(const v1::Order& order);

// What the units of shipment `shipment_id`'s short pick that no warehouse had
// (short_pick_cancelled) would have been billed: their goods, tax and share of the shipping
// shares, the last of the short pick's units after those its new shipments took. Errors as
// ChargeOfShipment's; UNAVAILABLE also until every unit short-picked has a shipment or is
// cancelled.
[[nodiscard]] absl::StatusOr<int64_t> CancelledValueOfShortPick(const v1::Order& order,
                                                                const std::string& shipment_id);

}  // namespace oms::order
