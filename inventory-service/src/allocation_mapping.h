// Between the API's messages and the allocation planner's types (allocation.h), both ways: what
// PlanAllocation and ReserveStock ask for, and the allocation or shortfalls they answer. Pure.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "inventory-service/src/allocation.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms::inventory {

// UNSPECIFIED plans as MINIMIZE_SPLITS.
[[nodiscard]] Strategy StrategyOf(v1::AllocationStrategy strategy);
// The strategy an allocation reports: the one asked for, MINIMIZE_SPLITS for UNSPECIFIED.
[[nodiscard]] v1::AllocationStrategy ProtoStrategy(v1::AllocationStrategy requested);

[[nodiscard]] Place PlaceOf(const v1::Destination& destination);
[[nodiscard]] std::vector<Line> LinesOf(
    const google::protobuf::RepeatedPtrField<v1::OrderLine>& lines);
// The SKUs of `lines`, in their order (repeats kept).
[[nodiscard]] std::vector<std::string> SkusOf(const std::vector<Line>& lines);

// The plan's groups into `allocation` (under `strategy`), its shortfalls into `shortfalls`.
void ToProto(const Plan& plan, v1::AllocationStrategy strategy, v1::Allocation* allocation,
             google::protobuf::RepeatedPtrField<v1::Shortfall>* shortfalls);

// `shortfalls` as the InsufficientStock detail of a refusal.
[[nodiscard]] v1::InsufficientStock InsufficientStockOf(const std::vector<Shortfall>& shortfalls);

// FAILED_PRECONDITION INSUFFICIENT_STOCK naming every shortfall, with `detail` as the
// oms.inventory.v1.InsufficientStock payload.
[[nodiscard]] absl::Status InsufficientStockError(const v1::InsufficientStock& detail);

}  // namespace oms::inventory
