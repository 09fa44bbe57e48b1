// What a shipment of an order is billed when it ships, as a pure function of the order as
// captured and reserved, so that the captures of all its shipments add up exactly to the total
// authorized (docs/commerce.md):
//  - the warehouses of the allocation take each line's units in the order of their ids: a
//    warehouse's first unit of a line is the quantity of that SKU in the groups of lower ids;
//    its units carry their share of the line's discount (adjustments.h: the first
//    discount % quantity units of the line one minor unit more);
//  - the order's shipping charge and its tax are each split over the allocation's groups by
//    largest remainder, weighted by each group's goods after discounts.
// Pure logic.
#pragma once

#include <cstdint>
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

// The charge of warehouse `warehouse_id`'s shipment of `shipped` (SKU, quantity) units.
// INVALID_ARGUMENT for an SKU the order does not have or more units than its line.
[[nodiscard]] absl::StatusOr<ShipmentCharge> ChargeOfShipment(
    const v1::Order& order, const std::string& warehouse_id,
    const std::vector<std::pair<std::string, int64_t>>& shipped);

}  // namespace oms::order
