// Editing a confirmed order (ModifyOrder, docs/commerce.md section 3), as pure logic: when an
// order may be edited, what an edit changes, how the new version is priced, and the EDIT saga's
// plan, a pure function of the two versions.
//
// An edit is taken only before any shipment of the order shipped, so that every capture bills
// against the version in effect when it ships: the EDIT saga cancels all the order's shipments
// at once (shipping refuses all of them when one shipped) and creates the new version's.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/inventory/v1/inventory.pb.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

// FAILED_PRECONDITION unless `order` is CONFIRMED at `version` with nothing shipped:
// VERSION_CONFLICT, LINE_ALREADY_SHIPPED (a shipment shipped, as far as this service knows),
// ORDER_NOT_EDITABLE (not CONFIRMED, or with a short pick, a replacement, backorders or units
// no warehouse had, whose shares an edit would have to move too).
[[nodiscard]] absl::Status CheckEditable(const v1::Order& order, int64_t version);

// What an edit to `lines` changes: units added per SKU (a new SKU, a quantity raised) and
// units removed per SKU (a line left out, a quantity lowered).
struct LineChanges {
  std::map<std::string, int64_t> added;
  std::map<std::string, int64_t> removed;
  bool empty() const { return added.empty() && removed.empty(); }
};
[[nodiscard]] LineChanges DiffLines(
    const v1::Order& order, const google::protobuf::RepeatedPtrField<v1::OrderLineRequest>& lines);

// The order as CreateOrder would capture it with `lines`: its currency, addresses, strategy,
// policy, shipping charge and adjustments (their `applied` left out), each existing line with
// its own adjustments.
[[nodiscard]] v1::CreateOrderRequest RepricingRequest(
    const v1::Order& order, const google::protobuf::RepeatedPtrField<v1::OrderLineRequest>& lines);

// The catalog as the edit prices it: an SKU the order has keeps the price, name and weight it
// was captured with (and counts as active); an added SKU is as the catalog has it today.
void KeepCapturedPrices(const v1::Order& order, inventory::v1::BatchGetProductsResponse* products);

// Where removed units come off: from the warehouses holding the SKU, highest warehouse id
// first (the last units of a line are those of the highest ids, shipment_charges.h).
[[nodiscard]] std::vector<inventory::v1::ShipmentLine> RemovedByWarehouse(
    const inventory::v1::Allocation& allocation, const std::map<std::string, int64_t>& removed);

// `allocation` less `removed` plus `added`: groups and lines that reach 0 go; a warehouse new to
// the order gets its group from `added`.
[[nodiscard]] inventory::v1::Allocation EditedAllocation(
    const inventory::v1::Allocation& allocation,
    const google::protobuf::RepeatedPtrField<inventory::v1::ShipmentLine>& removed,
    const inventory::v1::Allocation& added);

// The EDIT saga's plan from `order` (the version in effect) to `edited` (the new version as
// captured, carrying the order's identity and the next version).
[[nodiscard]] v1::EditPlan MakeEditPlan(const std::string& request_id, const v1::Order& order,
                                        const v1::Order& edited, const LineChanges& changes);

}  // namespace oms::order
