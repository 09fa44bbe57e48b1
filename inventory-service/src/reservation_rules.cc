#include "inventory-service/src/reservation_rules.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::inventory {
namespace {

constexpr char kStatePrefix[] = "RESERVATION_STATE_";

}  // namespace

std::string ReservationStateText(v1::ReservationState state) {
  return v1::ReservationState_Name(state).substr(sizeof(kStatePrefix) - 1);
}

v1::ReservationState ReservationStateFromText(const std::string& text) {
  v1::ReservationState state = v1::RESERVATION_STATE_UNSPECIFIED;
  if (!v1::ReservationState_Parse(kStatePrefix + text, &state)) {
    return v1::RESERVATION_STATE_UNSPECIFIED;
  }
  return state;
}

bool PastExpiry(const ReservationHead& head) {
  return head.expires_at.has_value() && *head.expires_at <= head.now;
}

absl::Status NoReservation(const std::string& order_id) {
  return absl::NotFoundError(absl::StrCat("order_id: no reservation for order ", order_id));
}

absl::Status CheckReservable(const std::string& order_id,
                             const std::optional<ReservationHead>& existing) {
  if (!existing) return absl::OkStatus();
  if (existing->tombstone) {
    return WithReason(
        absl::StatusCode::kFailedPrecondition, "RESERVATION_RELEASED",
        absl::StrCat("order ", order_id, " was released before this reservation arrived"));
  }
  return WithReason(
      absl::StatusCode::kFailedPrecondition, "RESERVATION_EXISTS",
      absl::StrCat("order ", order_id, " already has a reservation (another request id)"));
}

absl::Status CheckHeld(const std::string& order_id, const ReservationHead& head) {
  const bool held = head.state == v1::RESERVATION_STATE_HELD;
  if (held && !head.tombstone && !PastExpiry(head)) return absl::OkStatus();
  const std::string state = head.tombstone ? "RELEASED before it was made"
                            : held         ? "EXPIRED"
                                           : ReservationStateText(head.state);
  return WithReason(absl::StatusCode::kFailedPrecondition, "RESERVATION_NOT_HELD",
                    absl::StrCat("the reservation of order ", order_id, " is ", state));
}

bool MayRelease(const ReservationHead& head) { return head.state == v1::RESERVATION_STATE_HELD; }

std::vector<LineQuantity> HeldByPlan(const Plan& plan) {
  std::vector<LineQuantity> held;
  for (const auto& group : plan.groups) {
    for (const auto& line : group.lines) {
      held.push_back({group.warehouse_id, line.sku, line.quantity});
    }
  }
  return held;
}

absl::StatusOr<std::vector<LineQuantity>> CommitQuantities(
    const std::vector<ReservationLine>& lines,
    const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& requested) {
  std::map<std::pair<std::string, std::string>, int64_t> merged;  // (SKU, warehouse)
  for (const auto& line : requested) {
    merged[{line.sku(), absl::AsciiStrToLower(line.warehouse_id())}] += line.quantity();
  }
  std::vector<LineQuantity> commit;
  for (const auto& [key, quantity] : merged) {
    const auto& [sku, warehouse_id] = key;
    int64_t held = 0;
    for (const auto& line : lines) {
      if (line.sku == sku && line.warehouse_id == warehouse_id) held = line.held();
    }
    if (quantity > held) {
      return WithReason(absl::StatusCode::kFailedPrecondition, "COMMIT_EXCEEDS_HOLD",
                        "lines: a line commits more than the reservation holds for that "
                        "warehouse and SKU");
    }
    commit.push_back({warehouse_id, sku, quantity});
  }
  return commit;
}

std::vector<LineQuantity> ReleaseQuantities(
    const std::vector<ReservationLine>& lines, const std::string& warehouse_id,
    const google::protobuf::RepeatedPtrField<v1::OrderLine>& only) {
  const std::string warehouse = absl::AsciiStrToLower(warehouse_id);
  std::map<std::string, int64_t> wanted;
  for (const auto& line : only) wanted[line.sku()] += line.quantity();
  std::vector<LineQuantity> release;
  for (const auto& line : lines) {
    if (line.held() <= 0 || (!warehouse.empty() && line.warehouse_id != warehouse)) continue;
    const int64_t quantity = only.empty() ? line.held() : std::min(line.held(), wanted[line.sku]);
    if (quantity > 0) release.push_back({line.warehouse_id, line.sku, quantity});
  }
  return release;
}

std::optional<v1::ReservationState> SettledState(const std::vector<ReservationLine>& lines) {
  if (lines.empty()) return std::nullopt;
  int64_t committed = 0;
  for (const auto& line : lines) {
    if (line.held() > 0) return std::nullopt;
    committed += line.committed;
  }
  return committed > 0 ? v1::RESERVATION_STATE_COMMITTED : v1::RESERVATION_STATE_RELEASED;
}

std::optional<v1::ReservationState> SettledOrderState(const std::vector<ReservationLine>& lines,
                                                      int64_t queued_units) {
  if (queued_units > 0) return std::nullopt;
  if (lines.empty()) return v1::RESERVATION_STATE_RELEASED;
  return SettledState(lines);
}

std::vector<Move> MovesOf(MovementKind kind, const std::vector<LineQuantity>& quantities) {
  std::vector<Move> moves;
  for (const auto& q : quantities) moves.push_back(MoveOf(kind, q.sku, q.warehouse_id, q.quantity));
  return moves;
}

}  // namespace oms::inventory
