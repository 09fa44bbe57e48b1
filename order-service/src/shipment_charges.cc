#include "order-service/src/shipment_charges.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "order-service/src/adjustments.h"

namespace oms::order {
namespace {

using OrderLines = google::protobuf::RepeatedPtrField<inventory::v1::OrderLine>;

// Units [first, first + count) of one line.
struct Range {
  int64_t first = 0;
  int64_t count = 0;
};

// What one shipment carries: a range of units of each of its SKUs' lines, and its shares of the
// shipping charge and of its tax.
struct Part {
  std::map<std::string, Range> ranges;
  int64_t shipping = 0;
  int64_t shipping_tax = 0;
};

const v1::OrderLine* LineOf(const v1::Order& order, const std::string& sku) {
  for (const auto& line : order.lines()) {
    if (line.sku() == sku) return &line;
  }
  return nullptr;
}

struct RangeCharge {
  int64_t discount = 0;     // of the range's units
  int64_t extra_units = 0;  // units discounted one minor unit more (the range's first)
  int64_t goods = 0;        // unit prices less the discount
  int64_t tax = 0;
};

RangeCharge ChargeOfRange(const v1::OrderLine& line, Range range) {
  const int64_t discount = line.discount().amount_minor();
  const int64_t unit_discount = discount / line.quantity();
  RangeCharge charge;
  charge.extra_units =
      std::clamp(discount % line.quantity() - range.first, int64_t{0}, range.count);
  charge.discount = unit_discount * range.count + charge.extra_units;
  charge.goods = line.unit_price().amount_minor() * range.count - charge.discount;
  charge.tax = (range.count - charge.extra_units) * line.unit_tax().amount_minor() +
               charge.extra_units * line.extra_unit_tax().amount_minor();
  return charge;
}

int64_t GoodsOf(const v1::Order& order, const Part& part) {
  int64_t goods = 0;
  for (const auto& [sku, range] : part.ranges) {
    if (const v1::OrderLine* line = LineOf(order, sku)) goods += ChargeOfRange(*line, range).goods;
  }
  return goods;
}

// Splits the shipping shares of `total` over `parts` by largest remainder, weighted by goods.
void ShareShipping(const v1::Order& order, const Part& total, std::vector<Part*> parts) {
  std::vector<int64_t> goods;
  for (const Part* part : parts) goods.push_back(GoodsOf(order, *part));
  const std::vector<int64_t> shipping = LargestRemainder(total.shipping, goods);
  const std::vector<int64_t> tax = LargestRemainder(total.shipping_tax, goods);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    parts[i]->shipping = shipping[i];
    parts[i]->shipping_tax = tax[i];
  }
}

// The allocation's parts as planned: the groups take each line's units in the order of their
// warehouse ids, then the units no warehouse had (allocation.unfilled, or queued:
// allocation.backordered) the last ones; the shipping shares split over them all by their goods.
struct PlannedParts {
  std::map<std::string, Part> groups;  // by warehouse id
  Part unfilled;
  Part backordered;
};

PlannedParts PlanParts(const v1::Order& order) {
  std::vector<const inventory::v1::AllocationGroup*> groups;
  for (const auto& group : order.allocation().groups()) groups.push_back(&group);
  std::sort(groups.begin(), groups.end(),
            [](const auto* a, const auto* b) { return a->warehouse_id() < b->warehouse_id(); });
  PlannedParts planned;
  std::map<std::string, int64_t> taken;
  const auto take = [&taken](const inventory::v1::OrderLine& line, Part* part) {
    part->ranges[line.sku()] = {taken[line.sku()], line.quantity()};
    taken[line.sku()] += line.quantity();
  };
  std::vector<Part*> all;
  for (const auto* group : groups) {
    Part* part = &planned.groups[group->warehouse_id()];
    for (const auto& line : group->lines()) take(line, part);
    all.push_back(part);
  }
  if (!order.allocation().unfilled().empty()) {
    for (const auto& line : order.allocation().unfilled()) take(line, &planned.unfilled);
    all.push_back(&planned.unfilled);
  }
  if (!order.allocation().backordered().empty()) {
    for (const auto& line : order.allocation().backordered()) take(line, &planned.backordered);
    all.push_back(&planned.backordered);
  }
  Part whole;
  whole.shipping = order.shipping_charge().amount_minor();
  whole.shipping_tax = order.shipping_tax().amount_minor();
  ShareShipping(order, whole, all);
  return planned;
}

// The part of the allocation's group of `warehouse_id`, as planned. No such group: no units
// and no share.
Part PlannedPart(const v1::Order& order, const std::string& warehouse_id) {
  PlannedParts planned = PlanParts(order);
  const auto group = planned.groups.find(warehouse_id);
  return group == planned.groups.end() ? Part{} : group->second;
}

// `part` less the units `short_picked` (the last of each SKU's range), and those units; the
// shipping shares split between them by their goods.
absl::StatusOr<std::pair<Part, Part>> SplitShortPick(const v1::Order& order, const Part& part,
                                                     const OrderLines& short_picked,
                                                     const std::string& shipment_id) {
  Part kept = part;
  Part moved;
  for (const auto& line : short_picked) {
    auto range = kept.ranges.find(line.sku());
    if (range == kept.ranges.end() || line.quantity() < 1 ||
        line.quantity() > range->second.count || moved.ranges.count(line.sku())) {
      return absl::InvalidArgumentError(absl::StrCat("shipment ", shipment_id, " short-picked ",
                                                     line.quantity(), " units of ", line.sku(),
                                                     " it does not carry"));
    }
    range->second.count -= line.quantity();
    moved.ranges[line.sku()] = {range->second.first + range->second.count, line.quantity()};
    if (range->second.count == 0) kept.ranges.erase(range);
  }
  if (!moved.ranges.empty()) ShareShipping(order, part, {&kept, &moved});
  return std::make_pair(std::move(kept), std::move(moved));
}

const v1::ShipmentSummary* ListedShipment(const v1::Order& order, const std::string& id) {
  for (const auto& shipment : order.shipments()) {
    if (shipment.shipment_id() == id) return &shipment;
  }
  return nullptr;
}

absl::StatusOr<Part> BasePart(const v1::Order& order, const v1::ShipmentSummary& shipment,
                              int depth);

// How the units shipment `from` short-picked are shared out: the shipments made for them
// (`takers`, by warehouse id then shipment id) take each SKU's units in turn, those no warehouse
// had (`from.short_pick_cancelled`) are the last; the shipping shares split by their goods.
struct ShortPickShares {
  std::vector<const v1::ShipmentSummary*> takers;
  std::vector<Part> parts;  // the takers'
  Part cancelled;
};

absl::StatusOr<ShortPickShares> SharesOfShortPick(const v1::Order& order,
                                                  const v1::ShipmentSummary& from, int depth) {
  absl::StatusOr<Part> from_part = BasePart(order, from, depth + 1);
  if (!from_part.ok()) return from_part.status();
  auto split = SplitShortPick(order, *from_part, from.short_picked(), from.shipment_id());
  if (!split.ok()) return split.status();
  const Part& moved = split->second;

  ShortPickShares shares;
  for (const auto& other : order.shipments()) {
    if (other.resourced_from_shipment_id() == from.shipment_id()) shares.takers.push_back(&other);
  }
  std::sort(shares.takers.begin(), shares.takers.end(), [](const auto* a, const auto* b) {
    return std::tie(a->warehouse_id(), a->shipment_id()) <
           std::tie(b->warehouse_id(), b->shipment_id());
  });
  std::map<std::string, int64_t> taken;
  // Takes `quantity` units of `sku` next; false when more than the short pick moved.
  const auto take = [&](const std::string& sku, int64_t quantity, Part* part) {
    const auto range = moved.ranges.find(sku);
    const int64_t first = taken[sku];
    taken[sku] += quantity;
    if (range == moved.ranges.end() || taken[sku] > range->second.count) return false;
    part->ranges[sku] = {range->second.first + first, quantity};
    return true;
  };
  shares.parts.resize(shares.takers.size());
  for (std::size_t i = 0; i < shares.takers.size(); ++i) {
    if (shares.takers[i]->lines().empty()) {
      return absl::UnavailableError(absl::StrCat(
          "the lines of shipment ", shares.takers[i]->shipment_id(), " are not saved yet"));
    }
    for (const auto& line : shares.takers[i]->lines()) {
      if (!take(line.sku(), line.quantity(), &shares.parts[i])) {
        return absl::InvalidArgumentError(absl::StrCat("shipment ", shares.takers[i]->shipment_id(),
                                                       " carries more ", line.sku(), " than ",
                                                       from.shipment_id(), " short-picked"));
      }
    }
  }
  for (const auto& line : from.short_pick_cancelled()) {
    if (!take(line.sku(), line.quantity(), &shares.cancelled)) {
      return absl::InvalidArgumentError(absl::StrCat("shipment ", from.shipment_id(),
                                                     " cancelled more ", line.sku(),
                                                     " than it short-picked"));
    }
  }
  for (const auto& [sku, range] : moved.ranges) {
    if (taken[sku] < range.count) {
      return absl::UnavailableError(absl::StrCat("not every unit shipment ", from.shipment_id(),
                                                 " short-picked has its shipment yet"));
    }
  }
  std::vector<Part*> all;
  for (Part& part : shares.parts) all.push_back(&part);
  all.push_back(&shares.cancelled);
  ShareShipping(order, moved, all);
  return shares;
}

// What `shipment`, made to take over units another shipment short-picked, carries: its turn of
// those units and its share of their shipping shares.
absl::StatusOr<Part> ResourcedPart(const v1::Order& order, const v1::ShipmentSummary& shipment,
                                   int depth) {
  if (depth > order.shipments_size()) {
    return absl::InvalidArgumentError("shipments are re-sourced from each other in a cycle");
  }
  const std::string& from_id = shipment.resourced_from_shipment_id();
  const v1::ShipmentSummary* from = ListedShipment(order, from_id);
  if (from == nullptr) {
    return absl::UnavailableError(absl::StrCat("shipment ", from_id, " is not listed yet"));
  }
  auto shares = SharesOfShortPick(order, *from, depth);
  if (!shares.ok()) return shares.status();
  for (std::size_t i = 0; i < shares->takers.size(); ++i) {
    if (shares->takers[i]->shipment_id() == shipment.shipment_id()) return shares->parts[i];
  }
  return absl::UnavailableError(
      absl::StrCat("shipment ", shipment.shipment_id(), " is not listed yet"));
}

// The queued units as the fills up to `last_sequence` (0: all of them) took them, in sequence
// order: each fill takes the first units still queued of each of its SKUs and splits the
// shipping shares of what was still queued with the rest by their goods. Each fill's part is
// thereby fixed when it is taken in, whatever comes after it.
struct FillShares {
  Part taken;   // the fill `last_sequence`'s
  Part queued;  // still queued after it
};

absl::StatusOr<FillShares> SharesOfFills(const v1::Order& order, int64_t last_sequence) {
  FillShares shares;
  shares.queued = PlanParts(order).backordered;
  for (const auto& fill : order.backorder_fills()) {
    Part taken;
    Part rest = shares.queued;
    for (const auto& line : fill.lines()) {
      const auto range = rest.ranges.find(line.sku());
      if (range == rest.ranges.end() || line.quantity() < 1 ||
          line.quantity() > range->second.count || taken.ranges.count(line.sku())) {
        return absl::InvalidArgumentError(absl::StrCat("backorder fill ", fill.sequence(),
                                                       " fills ", line.quantity(), " units of ",
                                                       line.sku(), " not queued"));
      }
      taken.ranges[line.sku()] = {range->second.first, line.quantity()};
      range->second.first += line.quantity();
      range->second.count -= line.quantity();
      if (range->second.count == 0) rest.ranges.erase(range);
    }
    ShareShipping(order, shares.queued, {&taken, &rest});
    shares.taken = std::move(taken);
    shares.queued = std::move(rest);
    if (fill.sequence() == last_sequence) return shares;
  }
  if (last_sequence != 0) {
    return absl::UnavailableError(
        absl::StrCat("backorder fill ", last_sequence, " is not taken in yet"));
  }
  shares.taken = {};
  return shares;
}

// Its planned, re-sourced or filled part, before its own short pick.
absl::StatusOr<Part> BasePart(const v1::Order& order, const v1::ShipmentSummary& shipment,
                              int depth) {
  if (shipment.backorder_fill_sequence() > 0) {
    auto shares = SharesOfFills(order, shipment.backorder_fill_sequence());
    if (!shares.ok()) return shares.status();
    return std::move(shares->taken);
  }
  if (shipment.resourced_from_shipment_id().empty()) {
    return PlannedPart(order, shipment.warehouse_id());
  }
  return ResourcedPart(order, shipment, depth);
}

// What `shipment` carries now: its planned or re-sourced part less its own short pick.
absl::StatusOr<Part> KeptPart(const v1::Order& order, const v1::ShipmentSummary& shipment,
                              int depth) {
  absl::StatusOr<Part> part = BasePart(order, shipment, depth);
  if (!part.ok()) return part.status();
  auto split = SplitShortPick(order, *part, shipment.short_picked(), shipment.shipment_id());
  if (!split.ok()) return split.status();
  return std::move(split->first);
}

absl::StatusOr<Part> PartOf(const v1::Order& order, const v1::ShipmentSummary& given) {
  const v1::ShipmentSummary* listed = ListedShipment(order, given.shipment_id());
  if (listed == nullptr) return KeptPart(order, given, 0);
  // Listed from its events alone so far (its saga has not saved it yet): where it comes from is
  // what `given` (its own event) says.
  v1::ShipmentSummary shipment = *listed;
  if (shipment.resourced_from_shipment_id().empty() && shipment.backorder_fill_sequence() == 0) {
    shipment.set_resourced_from_shipment_id(given.resourced_from_shipment_id());
    shipment.set_backorder_fill_sequence(given.backorder_fill_sequence());
  }
  return KeptPart(order, shipment, 0);
}

ShipmentCharge Bill(const v1::Order& order, const Part& part,
                    const std::vector<std::pair<std::string, int64_t>>& shipped,
                    absl::Status* status, const std::string& shipment_id) {
  ShipmentCharge charge;
  for (const auto& [sku, quantity] : shipped) {
    const v1::OrderLine* ordered = LineOf(order, sku);
    const auto range = part.ranges.find(sku);
    if (ordered == nullptr || range == part.ranges.end() || quantity < 1 ||
        quantity > range->second.count) {
      *status =
          absl::InvalidArgumentError(absl::StrCat("shipment ", shipment_id, ": ", quantity,
                                                  " units of ", sku, " are not units it carries"));
      return charge;
    }
    const RangeCharge billed = ChargeOfRange(*ordered, {range->second.first, quantity});
    billing::v1::BillableLine billable;
    billable.set_sku(sku);
    billable.set_description(ordered->name());
    billable.set_quantity(quantity);
    *billable.mutable_unit_price() = ordered->unit_price();
    // Taxed as quoted when the order was placed, so the captures add up to what was authorized
    // even after the destination's rate changed.
    billable.set_tax_rate_bp(ordered->tax_rate_bp());
    billable.set_unit_discount_minor(ordered->discount().amount_minor() / ordered->quantity());
    billable.set_extra_discount_units(billed.extra_units);
    charge.lines.push_back(std::move(billable));
    charge.total += billed.goods + billed.tax;
  }
  charge.shipping = part.shipping;
  charge.shipping_tax = part.shipping_tax;
  charge.total += charge.shipping + charge.shipping_tax;
  return charge;
}

}  // namespace

absl::StatusOr<ShipmentCharge> ChargeOfShipment(
    const v1::Order& order, const v1::ShipmentSummary& shipment,
    const std::vector<std::pair<std::string, int64_t>>& shipped) {
  absl::StatusOr<Part> part = PartOf(order, shipment);
  if (!part.ok()) return part.status();
  absl::Status status;
  ShipmentCharge charge = Bill(order, *part, shipped, &status, shipment.shipment_id());
  if (!status.ok()) return status;
  return charge;
}

absl::StatusOr<std::map<std::string, int64_t>> UnitsOfShipment(
    const v1::Order& order, const v1::ShipmentSummary& shipment) {
  absl::StatusOr<Part> part = PartOf(order, shipment);
  if (!part.ok()) return part.status();
  std::map<std::string, int64_t> units;
  for (const auto& [sku, range] : part->ranges) units[sku] = range.count;
  return units;
}

absl::StatusOr<ShipmentCharge> FullChargeOfShipment(const v1::Order& order,
                                                    const v1::ShipmentSummary& shipment) {
  absl::StatusOr<std::map<std::string, int64_t>> units = UnitsOfShipment(order, shipment);
  if (!units.ok()) return units.status();
  return ChargeOfShipment(
      order, shipment, std::vector<std::pair<std::string, int64_t>>(units->begin(), units->end()));
}

absl::StatusOr<int64_t> CancelledValueOfShortPick(const v1::Order& order,
                                                  const std::string& shipment_id) {
  const v1::ShipmentSummary* shipment = ListedShipment(order, shipment_id);
  if (shipment == nullptr) {
    return absl::UnavailableError(absl::StrCat("shipment ", shipment_id, " is not listed yet"));
  }
  auto shares = SharesOfShortPick(order, *shipment, 0);
  if (!shares.ok()) return shares.status();
  std::vector<std::pair<std::string, int64_t>> units;
  for (const auto& [sku, range] : shares->cancelled.ranges) units.emplace_back(sku, range.count);
  absl::Status status;
  const ShipmentCharge charge = Bill(order, shares->cancelled, units, &status, shipment_id);
  if (!status.ok()) return status;
  return charge.total;
}

namespace {

int64_t ValueOf(const v1::Order& order, const Part& part, const std::string& name) {
  std::vector<std::pair<std::string, int64_t>> units;
  for (const auto& [sku, range] : part.ranges) units.emplace_back(sku, range.count);
  absl::Status status;
  const ShipmentCharge charge = Bill(order, part, units, &status, name);
  return status.ok() ? charge.total : 0;
}

}  // namespace

int64_t UnfilledValue(const v1::Order& order) {
  return ValueOf(order, PlanParts(order).unfilled, "unfilled");
}

absl::StatusOr<int64_t> QueuedValue(const v1::Order& order) {
  auto shares = SharesOfFills(order, 0);
  if (!shares.ok()) return shares.status();
  return ValueOf(order, shares->queued, "queued");
}

}  // namespace oms::order
