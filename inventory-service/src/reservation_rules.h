// What a reservation may do next, decided from what the store read. Pure logic: no I/O.
//
// A reservation is one order's hold on stock: a head (state, expiry, tombstone) and one line per
// (warehouse, SKU) whose quantity splits into committed (shipped), released (given back) and
// held (still reserved). Its states:
//   HELD       something may still be held: commits, releases and extensions act on it
//   COMMITTED  nothing held any more, and something shipped
//   RELEASED   nothing held any more, and nothing shipped; or a tombstone, left by a release
//              that arrived before its reserve so that the late reserve is refused
//   EXPIRED    the sweeper released what it still held past its expiry
// A HELD reservation past its expiry that the sweeper has not reached yet counts as expired for
// a commit or an extension; a release still frees it. The database clock alone decides expiry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "inventory-service/src/allocation.h"
#include "inventory-service/src/stock_moves.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms::inventory {

// The state as stored in reservations.state: the enum name without its prefix.
[[nodiscard]] std::string ReservationStateText(v1::ReservationState state);
// UNSPECIFIED for a text that names no state.
[[nodiscard]] v1::ReservationState ReservationStateFromText(const std::string& text);

// A reservation without its lines.
struct ReservationHead {
  std::string id;
  v1::ReservationState state = v1::RESERVATION_STATE_UNSPECIFIED;
  bool tombstone = false;
  std::optional<absl::Time> expires_at;  // none for a tombstone
  absl::Time now;                        // the database clock when the row was read
};

struct ReservationLine {
  std::string warehouse_id;  // as the database prints it: lower case
  std::string warehouse_code;
  std::string sku;
  int64_t quantity = 0;
  int64_t committed = 0;
  int64_t released = 0;
  int64_t held() const { return quantity - committed - released; }
};

// An amount of one (warehouse, SKU) line: what a reserve holds, a commit ships, a release frees.
struct LineQuantity {
  std::string warehouse_id;
  std::string sku;
  int64_t quantity = 0;
  bool operator==(const LineQuantity&) const = default;
};

[[nodiscard]] bool PastExpiry(const ReservationHead& head);

// NOT_FOUND "order_id: no reservation for order <id>".
[[nodiscard]] absl::Status NoReservation(const std::string& order_id);

// A reserve needs an order without a reservation: FAILED_PRECONDITION RESERVATION_RELEASED when
// a release came first (a tombstone), RESERVATION_EXISTS when another request reserved it.
[[nodiscard]] absl::Status CheckReservable(const std::string& order_id,
                                           const std::optional<ReservationHead>& existing);

// A commit or an extension needs a HELD reservation not past its expiry: FAILED_PRECONDITION
// RESERVATION_NOT_HELD otherwise, saying what the reservation is instead.
[[nodiscard]] absl::Status CheckHeld(const std::string& order_id, const ReservationHead& head);

// Whether a release has anything to free: only a HELD reservation (past its expiry or not) holds
// stock; a release of any other answers the reservation as it is.
[[nodiscard]] bool MayRelease(const ReservationHead& head);

// What a feasible plan holds, group by group.
[[nodiscard]] std::vector<LineQuantity> HeldByPlan(const Plan& plan);

// What a commit ships: the requested lines, the same (warehouse, SKU) twice counting as their
// sum, in (SKU, warehouse) order; FAILED_PRECONDITION COMMIT_EXCEEDS_HOLD when a line asks for
// more than the reservation holds for that warehouse and SKU. Warehouse ids compare as UUIDs
// (in any letter case).
[[nodiscard]] absl::StatusOr<std::vector<LineQuantity>> CommitQuantities(
    const std::vector<ReservationLine>& lines,
    const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& requested);

// What a release frees: everything still held, in one warehouse or, when `warehouse_id` is
// empty, in all of them; with `only` (in that warehouse), only those units, each SKU at most what
// is held.
[[nodiscard]] std::vector<LineQuantity> ReleaseQuantities(
    const std::vector<ReservationLine>& lines, const std::string& warehouse_id,
    const google::protobuf::RepeatedPtrField<v1::OrderLine>& only = {});

// The state a HELD reservation ends in once it holds nothing: COMMITTED when anything shipped,
// else RELEASED. None while something is still held (or there are no lines).
[[nodiscard]] std::optional<v1::ReservationState> SettledState(
    const std::vector<ReservationLine>& lines);

// The state a HELD reservation ends in once it holds nothing and waits for nothing: none while
// `queued_units` of its order wait on the backorder queue (their fill needs a reservation to
// hold them in); else SettledState, and RELEASED for one without lines (everything it asked for
// was queued, and the queue was cancelled).
[[nodiscard]] std::optional<v1::ReservationState> SettledOrderState(
    const std::vector<ReservationLine>& lines, int64_t queued_units);

// The level moves of `kind` for each quantity (MoveOf).
[[nodiscard]] std::vector<Move> MovesOf(MovementKind kind,
                                        const std::vector<LineQuantity>& quantities);

}  // namespace oms::inventory
