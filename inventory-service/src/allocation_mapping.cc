#include "inventory-service/src/allocation_mapping.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"

namespace oms::inventory {

Strategy StrategyOf(v1::AllocationStrategy strategy) {
  switch (strategy) {
    case v1::ALLOCATION_STRATEGY_SINGLE_WAREHOUSE:
      return Strategy::kSingleWarehouse;
    case v1::ALLOCATION_STRATEGY_NEAREST_FIRST:
      return Strategy::kNearestFirst;
    case v1::ALLOCATION_STRATEGY_PRIORITY:
      return Strategy::kPriority;
    default:
      return Strategy::kMinimizeSplits;
  }
}

v1::AllocationStrategy ProtoStrategy(v1::AllocationStrategy requested) {
  return requested == v1::ALLOCATION_STRATEGY_UNSPECIFIED ? v1::ALLOCATION_STRATEGY_MINIMIZE_SPLITS
                                                          : requested;
}

Place PlaceOf(const v1::Destination& destination) {
  Place place{destination.country(), destination.region(), std::nullopt, std::nullopt};
  if (destination.has_location()) {
    place.latitude = destination.location().latitude();
    place.longitude = destination.location().longitude();
  }
  return place;
}

std::vector<Line> LinesOf(const google::protobuf::RepeatedPtrField<v1::OrderLine>& lines) {
  std::vector<Line> result;
  for (const auto& line : lines) result.push_back({line.sku(), line.quantity()});
  return result;
}

std::vector<std::string> SkusOf(const std::vector<Line>& lines) {
  std::vector<std::string> skus;
  for (const auto& line : lines) skus.push_back(line.sku);
  return skus;
}

namespace {

void AddShortfalls(const std::vector<Shortfall>& shortfalls,
                   google::protobuf::RepeatedPtrField<v1::Shortfall>* out) {
  for (const auto& shortfall : shortfalls) {
    auto* s = out->Add();
    s->set_sku(shortfall.sku);
    s->set_wanted(shortfall.wanted);
    s->set_available(shortfall.available);
  }
}

}  // namespace

void ToProto(const Plan& plan, v1::AllocationStrategy strategy, v1::Allocation* allocation,
             google::protobuf::RepeatedPtrField<v1::Shortfall>* shortfalls) {
  allocation->set_strategy(strategy);
  for (const auto& group : plan.groups) {
    auto* out = allocation->add_groups();
    out->set_warehouse_id(group.warehouse_id);
    out->set_warehouse_code(group.code);
    out->set_reason(group.reason);
    out->set_distance_km(group.distance_km);
    for (const auto& line : group.lines) {
      auto* l = out->add_lines();
      l->set_sku(line.sku);
      l->set_quantity(line.quantity);
    }
  }
  AddShortfalls(plan.shortfalls, shortfalls);
}

v1::InsufficientStock InsufficientStockOf(const std::vector<Shortfall>& shortfalls) {
  v1::InsufficientStock detail;
  AddShortfalls(shortfalls, detail.mutable_shortfalls());
  return detail;
}

absl::Status InsufficientStockError(const v1::InsufficientStock& detail) {
  std::vector<std::string> parts;
  for (const auto& s : detail.shortfalls()) {
    parts.push_back(absl::StrCat(s.sku(), " wanted ", s.wanted(), ", available ", s.available()));
  }
  absl::Status status =
      WithReason(absl::StatusCode::kFailedPrecondition, "INSUFFICIENT_STOCK",
                 absl::StrCat("insufficient stock: ", absl::StrJoin(parts, "; ")));
  status.SetPayload("type.googleapis.com/oms.inventory.v1.InsufficientStock",
                    absl::Cord(detail.SerializeAsString()));
  return status;
}

}  // namespace oms::inventory
