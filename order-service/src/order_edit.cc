#include "order-service/src/order_edit.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::order {
namespace {

absl::Status NotEditable(const std::string& order_id, const std::string& why) {
  return WithReason(absl::StatusCode::kFailedPrecondition, "ORDER_NOT_EDITABLE",
                    absl::StrCat("order ", order_id, " cannot be edited: ", why));
}

bool HasShipped(const std::string& status) {
  return status != "SHIPMENT_STATUS_PENDING" && status != "SHIPMENT_STATUS_PICKED" &&
         status != "SHIPMENT_STATUS_PACKED" && status != "SHIPMENT_STATUS_CANCELLED";
}

}  // namespace

absl::Status CheckEditable(const v1::Order& order, int64_t version) {
  if (order.version() != version) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "VERSION_CONFLICT",
                      absl::StrCat("version: order ", order.id(), " is at version ",
                                   order.version(), ", not ", version));
  }
  for (const auto& shipment : order.shipments()) {
    if (HasShipped(shipment.status())) {
      return WithReason(
          absl::StatusCode::kFailedPrecondition, "LINE_ALREADY_SHIPPED",
          absl::StrCat("lines: shipment ", shipment.shipment_id(), " of order ", order.id(),
                       " has shipped; an order is edited before anything ships"));
    }
  }
  if (order.status() != v1::ORDER_STATUS_CONFIRMED) {
    return NotEditable(order.id(), absl::StrCat("it is ", v1::OrderStatus_Name(order.status()),
                                                "; only a CONFIRMED order is"));
  }
  for (const auto& shipment : order.shipments()) {
    if (!shipment.short_picked().empty() || !shipment.resourced_from_shipment_id().empty() ||
        !shipment.replaces_shipment_id().empty() || shipment.backorder_fill_sequence() > 0) {
      return NotEditable(order.id(), absl::StrCat("shipment ", shipment.shipment_id(),
                                                  " was short-picked, re-sourced, replaced or "
                                                  "made for a backorder fill"));
    }
  }
  if (!order.allocation().unfilled().empty() || !order.allocation().backordered().empty()) {
    return NotEditable(order.id(), "units of it were backordered or cancelled for want of stock");
  }
  return absl::OkStatus();
}

LineChanges DiffLines(const v1::Order& order,
                      const google::protobuf::RepeatedPtrField<v1::OrderLineRequest>& lines) {
  std::map<std::string, int64_t> before;
  for (const auto& line : order.lines()) before[line.sku()] += line.quantity();
  std::map<std::string, int64_t> after;
  for (const auto& line : lines) after[line.sku()] += line.quantity();
  LineChanges changes;
  for (const auto& [sku, quantity] : after) {
    const int64_t had = before.count(sku) ? before[sku] : 0;
    if (quantity > had) changes.added[sku] = quantity - had;
  }
  for (const auto& [sku, quantity] : before) {
    const int64_t has = after.count(sku) ? after[sku] : 0;
    if (quantity > has) changes.removed[sku] = quantity - has;
  }
  return changes;
}

v1::CreateOrderRequest RepricingRequest(
    const v1::Order& order, const google::protobuf::RepeatedPtrField<v1::OrderLineRequest>& lines) {
  std::map<std::string, const v1::OrderLine*> existing;
  for (const auto& line : order.lines()) existing[line.sku()] = &line;
  v1::CreateOrderRequest request;
  request.set_customer_id(order.customer_id());
  request.set_channel(order.channel());
  request.set_currency(order.currency());
  for (const auto& line : lines) {
    v1::OrderLineRequest* priced = request.add_lines();
    priced->set_sku(line.sku());
    priced->set_quantity(line.quantity());
    if (auto it = existing.find(line.sku()); it != existing.end()) {
      *priced->mutable_adjustments() = it->second->adjustments();
      for (auto& adjustment : *priced->mutable_adjustments()) adjustment.clear_applied();
    }
  }
  *request.mutable_shipping_address() = order.shipping_address();
  *request.mutable_billing_address() = order.billing_address();
  request.set_allocation_strategy(order.allocation_strategy());
  request.set_backorder_policy(order.backorder_policy());
  *request.mutable_adjustments() = order.adjustments();
  for (auto& adjustment : *request.mutable_adjustments()) adjustment.clear_applied();
  if (order.shipping_charge().amount_minor() > 0) {
    *request.mutable_shipping_charge() = order.shipping_charge();
  }
  return request;
}

void KeepCapturedPrices(const v1::Order& order, inventory::v1::BatchGetProductsResponse* products) {
  std::map<std::string, const v1::OrderLine*> existing;
  for (const auto& line : order.lines()) existing[line.sku()] = &line;
  for (auto& product : *products->mutable_products()) {
    auto it = existing.find(product.sku());
    if (it == existing.end()) continue;
    *product.mutable_unit_price() = it->second->unit_price();
    product.set_name(it->second->name());
    product.set_weight_grams(it->second->unit_weight_grams());
    product.set_active(true);
  }
}

std::vector<inventory::v1::ShipmentLine> RemovedByWarehouse(
    const inventory::v1::Allocation& allocation, const std::map<std::string, int64_t>& removed) {
  std::vector<const inventory::v1::AllocationGroup*> groups;
  for (const auto& group : allocation.groups()) groups.push_back(&group);
  std::sort(groups.begin(), groups.end(),
            [](const auto* a, const auto* b) { return a->warehouse_id() > b->warehouse_id(); });
  std::vector<inventory::v1::ShipmentLine> out;
  for (const auto& [sku, quantity] : removed) {
    int64_t left = quantity;
    for (const auto* group : groups) {
      for (const auto& line : group->lines()) {
        if (left == 0 || line.sku() != sku) continue;
        inventory::v1::ShipmentLine taken;
        taken.set_warehouse_id(group->warehouse_id());
        taken.set_sku(sku);
        taken.set_quantity(std::min(left, line.quantity()));
        left -= taken.quantity();
        out.push_back(std::move(taken));
      }
    }
  }
  return out;
}

inventory::v1::Allocation EditedAllocation(
    const inventory::v1::Allocation& allocation,
    const google::protobuf::RepeatedPtrField<inventory::v1::ShipmentLine>& removed,
    const inventory::v1::Allocation& added) {
  inventory::v1::Allocation edited = allocation;
  auto group_of = [&edited](const inventory::v1::AllocationGroup& like) {
    for (auto& group : *edited.mutable_groups()) {
      if (group.warehouse_id() == like.warehouse_id()) return &group;
    }
    inventory::v1::AllocationGroup* group = edited.add_groups();
    *group = like;
    group->clear_lines();
    return group;
  };
  for (const auto& group : added.groups()) {
    inventory::v1::AllocationGroup* into = group_of(group);
    for (const auto& line : group.lines()) {
      auto it = std::find_if(into->mutable_lines()->begin(), into->mutable_lines()->end(),
                             [&line](const auto& held) { return held.sku() == line.sku(); });
      if (it == into->mutable_lines()->end()) {
        *into->add_lines() = line;
      } else {
        it->set_quantity(it->quantity() + line.quantity());
      }
    }
  }
  for (const auto& line : removed) {
    for (auto& group : *edited.mutable_groups()) {
      if (group.warehouse_id() != line.warehouse_id()) continue;
      for (auto& held : *group.mutable_lines()) {
        if (held.sku() == line.sku()) held.set_quantity(held.quantity() - line.quantity());
      }
    }
  }
  for (auto& group : *edited.mutable_groups()) {
    auto* lines = group.mutable_lines();
    lines->erase(std::remove_if(lines->begin(), lines->end(),
                                [](const auto& held) { return held.quantity() <= 0; }),
                 lines->end());
  }
  auto* groups = edited.mutable_groups();
  groups->erase(std::remove_if(groups->begin(), groups->end(),
                               [](const auto& group) { return group.lines().empty(); }),
                groups->end());
  return edited;
}

v1::EditPlan MakeEditPlan(const std::string& request_id, const v1::Order& order,
                          const v1::Order& edited, const LineChanges& changes) {
  v1::EditPlan plan;
  plan.set_request_id(request_id);
  plan.set_from_version(order.version());
  plan.set_to_version(order.version() + 1);
  *plan.mutable_edited() = edited;
  plan.mutable_edited()->set_version(plan.to_version());
  for (const auto& [sku, quantity] : changes.added) {
    inventory::v1::OrderLine* line = plan.add_added();
    line->set_sku(sku);
    line->set_quantity(quantity);
  }
  for (auto& line : RemovedByWarehouse(order.allocation(), changes.removed)) {
    *plan.add_removed() = std::move(line);
  }
  const int64_t before = order.total().amount_minor();
  const int64_t after = edited.total().amount_minor();
  plan.set_increase_minor(std::max<int64_t>(after - before, 0));
  plan.set_decrease_minor(std::max<int64_t>(before - after, 0));
  return plan;
}

}  // namespace oms::order
