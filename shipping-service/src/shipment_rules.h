// What creating and cancelling shipments may do: tombstones, one create per order, the shape of
// a new shipment, and which targets a cancellation changes. Pure logic: no I/O, no gRPC; the
// use cases (shipping_use_cases.cc) read the facts and act on the answers.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/common/v1/common.pb.h"
#include "oms/shipping/v1/shipping.pb.h"
#include "shipping-service/src/carrier_rules.h"

namespace oms::shipping {

// Whether `group` is one of the first groups of its order version (neither
// resourced_from_shipment_id nor backorder_fill_sequence).
[[nodiscard]] bool IsFirstGroup(const v1::AllocationGroup& group);

// The order versions (OrderVersionOf) of the first groups among `groups`.
[[nodiscard]] std::set<std::int64_t> FirstGroupVersions(
    const google::protobuf::RepeatedPtrField<v1::AllocationGroup>& groups);

// Whether `order_id` may get outbound shipments for `groups` now. FAILED_PRECONDITION
// (SHIPMENT_CANCELLED) when a tombstone covers the whole order (warehouse "") or a warehouse of
// `groups`: the cancel came first. Otherwise ALREADY_EXISTS (SHIPMENTS_EXIST) when a group is a
// first group (IsFirstGroup) of an order version the order already has outbound shipments of
// (`versions_with_shipments`, of FirstGroupVersions: any but the shipments of backorder fills),
// which another request id created: each version's first shipments are made once. Re-sourced
// groups come after the order's first shipments by nature (ResourcedGroupAllowed judges them),
// and a backorder fill may come before or after them (FillGroupAllowed judges it).
[[nodiscard]] absl::Status CreateAllowed(
    const std::string& order_id, const std::vector<std::string>& tombstoned_warehouses,
    const google::protobuf::RepeatedPtrField<v1::AllocationGroup>& groups,
    const std::set<std::int64_t>& versions_with_shipments);

// A new shipment as it is stored: PENDING, carried and charged as `carriage` says, with `lines`
// (no id or times yet). A return shipment also needs its return_id set, a re-sourced one its
// resourced_from_shipment_id (and its source's order_version), a backorder fill's its
// backorder_fill_sequence, a group of an edited order its order_version.
[[nodiscard]] v1::Shipment NewShipment(
    const std::string& order_id, v1::ShipmentKind kind, const std::string& warehouse_id,
    const common::v1::Address& address, const Carriage& carriage,
    const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines);

// Whether `group` (group `index` of a create for `order_id`), which takes over units the
// shipment its resourced_from_shipment_id names short-picked, may be created: INVALID_ARGUMENT
// naming `groups[index].resourced_from_shipment_id` unless `source`, that shipment (null: there
// is none), is an outbound shipment of the same order; ALREADY_EXISTS (SHIPMENTS_EXIST) when a
// shipment from the group's warehouse already takes them over (`exists`), which another request
// id created.
[[nodiscard]] absl::Status ResourcedGroupAllowed(const std::string& order_id, int index,
                                                 const v1::AllocationGroup& group,
                                                 const v1::Shipment* source, bool exists);

// Whether `group`, the units backorder fill `group.backorder_fill_sequence()` (> 0) holds for
// `order_id`, may be shipped: ALREADY_EXISTS (SHIPMENTS_EXIST) when the order already has the
// fill's shipment (`exists`), which another request id created. One shipment per fill, from
// whichever warehouse the group names.
[[nodiscard]] absl::Status FillGroupAllowed(const std::string& order_id,
                                            const v1::AllocationGroup& group, bool exists);

// Whether `original` may be replaced (CreateReplacementShipment): FAILED_PRECONDITION
// (SHIPMENT_NOT_RETURNED_TO_SENDER) unless it is an outbound shipment, not cancelled, whose
// parcel came back RETURNED_TO_SENDER.
[[nodiscard]] absl::Status ReplacementAllowed(const v1::Shipment& original);

// The replacement of `original` (with its lines) as it is stored: an outbound shipment of the
// same order and order version from the same warehouse to the same address with the same lines,
// carried and charged as `carriage` says (PlanCarriage for that address and those lines),
// PENDING, naming `original` in replaces_shipment_id.
[[nodiscard]] v1::Shipment ReplacementShipment(const v1::Shipment& original,
                                               const Carriage& carriage);

// Outbound shipments carry the pick list of their lines; returns have none.
void AddPickList(v1::Shipment* shipment);

// A shipment a cancellation targets, as locked in its transaction.
struct CancelTarget {
  std::string shipment_id;
  v1::ShipmentStatus status = v1::SHIPMENT_STATUS_UNSPECIFIED;
  bool shipped = false;  // the shipped milestone was announced
};

struct CancelPlan {
  std::vector<bool> cancel;  // per target: false when it is cancelled already (nothing to do)
  bool tombstone = false;    // refuse the order's create that has not arrived yet
};

// All or nothing: FAILED_PRECONDITION (SHIPMENT_ALREADY_SHIPPED) naming the first target, not
// cancelled already, that has shipped; then nothing is cancelled. A cancellation by order that
// finds no shipment leaves a tombstone.
[[nodiscard]] absl::StatusOr<CancelPlan> PlanCancel(const std::vector<CancelTarget>& targets,
                                                    bool by_order);

}  // namespace oms::shipping
