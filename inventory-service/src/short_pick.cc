#include "inventory-service/src/short_pick.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::inventory {
namespace {

bool SameWarehouse(const std::string& a, const std::string& b) {
  return absl::AsciiStrToLower(a) == absl::AsciiStrToLower(b);
}

// Takes up to `quantity` units of `sku` out of the groups of `warehouse_id`.
void TakeOut(v1::Allocation& allocation, const std::string& warehouse_id, const std::string& sku,
             int64_t quantity) {
  for (auto& group : *allocation.mutable_groups()) {
    if (!SameWarehouse(group.warehouse_id(), warehouse_id)) continue;
    for (auto& line : *group.mutable_lines()) {
      if (line.sku() != sku) continue;
      const int64_t take = std::min(quantity, line.quantity());
      line.set_quantity(line.quantity() - take);
      quantity -= take;
    }
  }
}

// Lines left with no units go, and then groups left with no lines.
void DropEmpty(v1::Allocation& allocation) {
  auto* groups = allocation.mutable_groups();
  for (auto& group : *groups) {
    auto* lines = group.mutable_lines();
    lines->erase(std::remove_if(lines->begin(), lines->end(),
                                [](const v1::OrderLine& line) { return line.quantity() <= 0; }),
                 lines->end());
  }
  groups->erase(
      std::remove_if(groups->begin(), groups->end(),
                     [](const v1::AllocationGroup& group) { return group.lines().empty(); }),
      groups->end());
}

void AddTo(v1::AllocationGroup& group, const v1::OrderLine& added) {
  for (auto& line : *group.mutable_lines()) {
    if (line.sku() == added.sku()) {
      line.set_quantity(line.quantity() + added.quantity());
      return;
    }
  }
  *group.add_lines() = added;
}

}  // namespace

absl::Status CheckResourceable(const std::string& order_id,
                               const std::optional<ReservationHead>& head) {
  if (!head) return NoReservation(order_id);
  if (absl::Status held = CheckHeld(order_id, *head); !held.ok()) {
    return absl::NotFoundError(absl::StrCat("order_id: no held reservation: ", held.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LineQuantity>> ShortPickQuantities(
    const std::vector<ReservationLine>& lines, const std::string& from_warehouse_id,
    const google::protobuf::RepeatedPtrField<v1::OrderLine>& requested) {
  std::vector<LineQuantity> missing;
  for (int i = 0; i < requested.size(); ++i) {
    const v1::OrderLine& line = requested[i];
    int64_t held = 0;
    for (const auto& reserved : lines) {
      if (reserved.warehouse_id == from_warehouse_id && reserved.sku == line.sku()) {
        held = reserved.held();
      }
    }
    if (line.quantity() > held) {
      return WithReason(
          absl::StatusCode::kFailedPrecondition, "RESERVATION_LINE_SHORT",
          absl::StrCat("lines[", i, "]: warehouse ", from_warehouse_id, " holds ", held, " of ",
                       line.sku(), " for the order, fewer than ", line.quantity()));
    }
    missing.push_back({from_warehouse_id, line.sku(), line.quantity()});
  }
  return missing;
}

v1::Allocation ReallocatedAllocation(const v1::Allocation& held,
                                     const std::string& from_warehouse_id,
                                     const std::vector<LineQuantity>& short_picked,
                                     const v1::Allocation& moved) {
  v1::Allocation allocation = held;
  for (const auto& line : short_picked) {
    TakeOut(allocation, from_warehouse_id, line.sku, line.quantity);
  }
  DropEmpty(allocation);
  return AllocationWithAdded(allocation, moved);
}

v1::Allocation AllocationWithAdded(const v1::Allocation& held, const v1::Allocation& added) {
  v1::Allocation allocation = held;
  for (const auto& target : added.groups()) {
    auto it = std::find_if(allocation.mutable_groups()->begin(), allocation.mutable_groups()->end(),
                           [&](const v1::AllocationGroup& group) {
                             return SameWarehouse(group.warehouse_id(), target.warehouse_id());
                           });
    if (it == allocation.mutable_groups()->end()) {
      *allocation.add_groups() = target;
      continue;
    }
    for (const auto& line : target.lines()) AddTo(*it, line);
  }
  return allocation;
}

std::vector<Line> HoldableLines(const std::vector<Line>& lines,
                                const std::vector<Shortfall>& shortfalls) {
  std::vector<Line> holdable;
  for (const Line& line : lines) {
    int64_t quantity = line.quantity;
    for (const Shortfall& shortfall : shortfalls) {
      if (shortfall.sku == line.sku) quantity = std::min(quantity, shortfall.available);
    }
    if (quantity > 0) holdable.push_back({line.sku, quantity});
  }
  return holdable;
}

std::vector<Line> UnheldLines(const std::vector<Line>& lines, const Plan& plan) {
  std::vector<Line> unheld;
  for (const Line& line : lines) {
    int64_t held = 0;
    for (const auto& group : plan.groups) {
      for (const auto& planned : group.lines) {
        if (planned.sku == line.sku) held += planned.quantity;
      }
    }
    if (held < line.quantity) unheld.push_back({line.sku, line.quantity - held});
  }
  return unheld;
}

}  // namespace oms::inventory
