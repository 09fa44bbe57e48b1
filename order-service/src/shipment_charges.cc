#include "order-service/src/shipment_charges.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "order-service/src/adjustments.h"

namespace oms::order {
namespace {

// The quantity of each SKU the warehouses of lower ids than `warehouse_id` ship.
std::map<std::string, int64_t> UnitsBefore(const v1::Order& order,
                                           const std::string& warehouse_id) {
  std::map<std::string, int64_t> before;
  for (const auto& group : order.allocation().groups()) {
    if (group.warehouse_id() >= warehouse_id) continue;
    for (const auto& line : group.lines()) before[line.sku()] += line.quantity();
  }
  return before;
}

struct RangeCharge {
  int64_t discount = 0;     // of the range's units
  int64_t extra_units = 0;  // units discounted one minor unit more (the range's first)
  int64_t goods = 0;        // unit prices less the discount
  int64_t tax = 0;
};

// Units [first, first + count) of `line`.
RangeCharge ChargeOfRange(const v1::OrderLine& line, int64_t first, int64_t count) {
  const int64_t discount = line.discount().amount_minor();
  const int64_t unit_discount = discount / line.quantity();
  RangeCharge charge;
  charge.extra_units = std::clamp(discount % line.quantity() - first, int64_t{0}, count);
  charge.discount = unit_discount * count + charge.extra_units;
  charge.goods = line.unit_price().amount_minor() * count - charge.discount;
  charge.tax = (count - charge.extra_units) * line.unit_tax().amount_minor() +
               charge.extra_units * line.extra_unit_tax().amount_minor();
  return charge;
}

// The goods after discounts of each group of the allocation, and the index of `warehouse_id`'s
// (-1: none).
std::vector<int64_t> GroupGoods(const v1::Order& order, const std::string& warehouse_id,
                                int* index) {
  std::map<std::string, const v1::OrderLine*> lines;
  for (const auto& line : order.lines()) lines[line.sku()] = &line;
  std::vector<int64_t> goods;
  *index = -1;
  for (const auto& group : order.allocation().groups()) {
    if (group.warehouse_id() == warehouse_id) *index = static_cast<int>(goods.size());
    const std::map<std::string, int64_t> before = UnitsBefore(order, group.warehouse_id());
    int64_t sum = 0;
    for (const auto& line : group.lines()) {
      auto ordered = lines.find(line.sku());
      if (ordered == lines.end()) continue;
      const auto first = before.find(line.sku());
      sum += ChargeOfRange(*ordered->second, first == before.end() ? 0 : first->second,
                           line.quantity())
                 .goods;
    }
    goods.push_back(sum);
  }
  return goods;
}

}  // namespace

absl::StatusOr<ShipmentCharge> ChargeOfShipment(
    const v1::Order& order, const std::string& warehouse_id,
    const std::vector<std::pair<std::string, int64_t>>& shipped) {
  const std::map<std::string, int64_t> before = UnitsBefore(order, warehouse_id);
  ShipmentCharge charge;
  for (const auto& [sku, quantity] : shipped) {
    const std::string& wanted = sku;  // a lambda may not capture a structured binding (clang 14)
    const auto ordered =
        std::find_if(order.lines().begin(), order.lines().end(),
                     [&wanted](const v1::OrderLine& line) { return line.sku() == wanted; });
    const auto first_found = before.find(sku);
    const int64_t first = first_found == before.end() ? 0 : first_found->second;
    if (ordered == order.lines().end() || quantity < 1 || first + quantity > ordered->quantity()) {
      return absl::InvalidArgumentError(absl::StrCat("shipment of warehouse ", warehouse_id, ": ",
                                                     quantity, " units of ", sku,
                                                     " are not units of the order's lines"));
    }
    const RangeCharge range = ChargeOfRange(*ordered, first, quantity);
    billing::v1::BillableLine billable;
    billable.set_sku(sku);
    billable.set_description(ordered->name());
    billable.set_quantity(quantity);
    *billable.mutable_unit_price() = ordered->unit_price();
    // Taxed as quoted when the order was placed, so the captures add up to what was authorized
    // even after the destination's rate changed.
    billable.set_tax_rate_bp(ordered->tax_rate_bp());
    billable.set_unit_discount_minor(ordered->discount().amount_minor() / ordered->quantity());
    billable.set_extra_discount_units(range.extra_units);
    charge.lines.push_back(std::move(billable));
    charge.total += range.goods + range.tax;
  }
  int index = -1;
  const std::vector<int64_t> goods = GroupGoods(order, warehouse_id, &index);
  if (index >= 0) {
    const auto at = static_cast<std::size_t>(index);
    charge.shipping = LargestRemainder(order.shipping_charge().amount_minor(), goods)[at];
    charge.shipping_tax = LargestRemainder(order.shipping_tax().amount_minor(), goods)[at];
  }
  charge.total += charge.shipping + charge.shipping_tax;
  return charge;
}

}  // namespace oms::order
