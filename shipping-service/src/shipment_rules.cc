#include "shipping-service/src/shipment_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "shipping-service/src/shipment_status.h"
#include "shipping-service/src/validation.h"

namespace oms::shipping {

bool IsFirstGroup(const v1::AllocationGroup& group) {
  return group.resourced_from_shipment_id().empty() && group.backorder_fill_sequence() == 0;
}

std::set<std::int64_t> FirstGroupVersions(
    const google::protobuf::RepeatedPtrField<v1::AllocationGroup>& groups) {
  std::set<std::int64_t> versions;
  for (const auto& group : groups) {
    if (IsFirstGroup(group)) versions.insert(OrderVersionOf(group));
  }
  return versions;
}

absl::Status CreateAllowed(const std::string& order_id,
                           const std::vector<std::string>& tombstoned_warehouses,
                           const google::protobuf::RepeatedPtrField<v1::AllocationGroup>& groups,
                           const std::set<std::int64_t>& versions_with_shipments) {
  for (const std::string& warehouse : tombstoned_warehouses) {
    const bool covered = warehouse.empty() ||
                         std::any_of(groups.begin(), groups.end(), [&warehouse](const auto& group) {
                           return group.warehouse_id() == warehouse;
                         });
    if (covered) {
      return WithReason(
          absl::StatusCode::kFailedPrecondition, "SHIPMENT_CANCELLED",
          absl::StrCat("order ", order_id, ": shipping was cancelled before it was created"));
    }
  }
  for (const std::int64_t version : FirstGroupVersions(groups)) {
    if (versions_with_shipments.count(version) == 0) continue;
    // The order as placed keeps the words its callers know.
    const std::string of_version = version == 0 ? "" : absl::StrCat(" of version ", version);
    return WithReason(absl::StatusCode::kAlreadyExists, "SHIPMENTS_EXIST",
                      absl::StrCat("order ", order_id, " already has shipments", of_version,
                                   " from another request"));
  }
  return absl::OkStatus();
}

absl::Status ResourcedGroupAllowed(const std::string& order_id, int index,
                                   const v1::AllocationGroup& group, const v1::Shipment* source,
                                   bool exists) {
  const std::string field = absl::StrCat("groups[", index, "].resourced_from_shipment_id");
  const std::string& source_id = group.resourced_from_shipment_id();
  if (source == nullptr) {
    return InvalidField(field, absl::StrCat("shipment ", source_id, " does not exist"));
  }
  if (source->order_id() != order_id) {
    return InvalidField(field,
                        absl::StrCat("shipment ", source_id, " is not a shipment of ", order_id));
  }
  if (source->kind() != v1::SHIPMENT_KIND_OUTBOUND) {
    return InvalidField(field, absl::StrCat("shipment ", source_id, " is a return shipment"));
  }
  if (exists) {
    return WithReason(absl::StatusCode::kAlreadyExists, "SHIPMENTS_EXIST",
                      absl::StrCat("order ", order_id, " already has the shipment from warehouse ",
                                   group.warehouse_id(), " of the units shipment ", source_id,
                                   " short-picked, from another request"));
  }
  return absl::OkStatus();
}

absl::Status FillGroupAllowed(const std::string& order_id, const v1::AllocationGroup& group,
                              bool exists) {
  if (exists) {
    return WithReason(
        absl::StatusCode::kAlreadyExists, "SHIPMENTS_EXIST",
        absl::StrCat("order ", order_id, " already has the shipment of backorder fill ",
                     group.backorder_fill_sequence(), ", from another request"));
  }
  return absl::OkStatus();
}

v1::Shipment NewShipment(const std::string& order_id, v1::ShipmentKind kind,
                         const std::string& warehouse_id, const common::v1::Address& address,
                         const Carriage& carriage,
                         const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines) {
  v1::Shipment shipment;
  shipment.set_order_id(order_id);
  shipment.set_kind(kind);
  shipment.set_warehouse_id(warehouse_id);
  shipment.set_status(v1::SHIPMENT_STATUS_PENDING);
  *shipment.mutable_address() = address;
  shipment.set_carrier(carriage.rule.carrier);
  shipment.set_service_level(carriage.rule.service_level);
  shipment.set_transport_mode(carriage.rule.transport_mode);
  *shipment.mutable_freight() = carriage.freight;
  *shipment.mutable_lines() = lines;
  return shipment;
}

absl::Status ReplacementAllowed(const v1::Shipment& original) {
  if (original.kind() != v1::SHIPMENT_KIND_OUTBOUND ||
      (original.status() != v1::SHIPMENT_STATUS_RETURNED_TO_SENDER &&
       original.status() != v1::SHIPMENT_STATUS_LOST)) {
    return WithReason(
        absl::StatusCode::kFailedPrecondition, "SHIPMENT_NOT_RETURNED_TO_SENDER",
        absl::StrCat("shipment_id: shipment ", original.id(), " is ",
                     original.kind() == v1::SHIPMENT_KIND_OUTBOUND ? StatusName(original.status())
                                                                   : "a return shipment",
                     "; only an outbound parcel RETURNED_TO_SENDER or LOST is replaced"));
  }
  return absl::OkStatus();
}

v1::Shipment ReplacementShipment(const v1::Shipment& original, const Carriage& carriage) {
  v1::Shipment replacement =
      NewShipment(original.order_id(), v1::SHIPMENT_KIND_OUTBOUND, original.warehouse_id(),
                  original.address(), carriage, original.lines());
  replacement.set_replaces_shipment_id(original.id());
  // It ships what `original` shipped: billed as that version's.
  replacement.set_order_version(original.order_version());
  return replacement;
}

void AddPickList(v1::Shipment* shipment) {
  if (shipment->kind() == v1::SHIPMENT_KIND_OUTBOUND) {
    *shipment->mutable_pick_list() = MakePickList(shipment->warehouse_id(), shipment->lines());
  }
}

absl::StatusOr<CancelPlan> PlanCancel(const std::vector<CancelTarget>& targets, bool by_order) {
  CancelPlan plan;
  for (const CancelTarget& target : targets) {
    const bool cancelled = target.status == v1::SHIPMENT_STATUS_CANCELLED;
    if (!cancelled && target.shipped) {
      return WithReason(
          absl::StatusCode::kFailedPrecondition, "SHIPMENT_ALREADY_SHIPPED",
          absl::StrCat("shipment ", target.shipment_id, " has shipped and cannot be cancelled"));
    }
    plan.cancel.push_back(!cancelled);
  }
  // Nothing to cancel yet: the create may still be on its way. Refuse it when it comes.
  plan.tombstone = by_order && targets.empty();
  return plan;
}

}  // namespace oms::shipping
