// A short pick (ResourceReservation): units a warehouse holds for an order that its picker could
// not find. They leave that warehouse's hold (and its stock: they are not there) and are held
// elsewhere, on the same reservation. What may move, and how the reservation's allocation reads
// afterwards; units an order edit adds (AddToReservation) join the allocation the same way.
// Pure logic: no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inventory-service/src/reservation_rules.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms::inventory {

// The ledger reason of the release and the write-off at the warehouse that could not pick.
inline constexpr char kShortPickReason[] = "short pick: not found by the picker";

// A short pick needs a HELD reservation not past its expiry (as a commit does): units of a
// reservation that holds nothing, or soon will not, have nowhere to go. NOT_FOUND otherwise,
// NoReservation's when the order has none, else saying what the reservation is instead.
[[nodiscard]] absl::Status CheckResourceable(const std::string& order_id,
                                             const std::optional<ReservationHead>& head);

// What the short pick frees at `from_warehouse_id` (lower case): each requested line, in the
// request's order. FAILED_PRECONDITION RESERVATION_LINE_SHORT naming the first line and SKU the
// warehouse holds fewer units of for the order than asked.
[[nodiscard]] absl::StatusOr<std::vector<LineQuantity>> ShortPickQuantities(
    const std::vector<ReservationLine>& lines, const std::string& from_warehouse_id,
    const google::protobuf::RepeatedPtrField<v1::OrderLine>& requested);

// The reservation's allocation once `short_picked` left `from_warehouse_id` (lower case) and
// `moved` holds them: the units come out of the from-warehouse's group (a line or a group left
// empty goes) and into the warehouses of `moved` (AllocationWithAdded).
[[nodiscard]] v1::Allocation ReallocatedAllocation(const v1::Allocation& held,
                                                   const std::string& from_warehouse_id,
                                                   const std::vector<LineQuantity>& short_picked,
                                                   const v1::Allocation& moved);

// The reservation's allocation `held` once it holds `added` too: each group of `added` joins
// its warehouse's group (added to its line of the SKU, or a new line), or comes as it is for a
// warehouse not in the allocation yet. The strategy, and the units left unfilled or
// backordered, stay the ones the reservation was planned with.
[[nodiscard]] v1::Allocation AllocationWithAdded(const v1::Allocation& held,
                                                 const v1::Allocation& added);

// The part of a short pick's `lines` the other warehouses can still hold, when planning all of
// them fell short by `shortfalls`: each SKU at most what is available (none: the line goes).
[[nodiscard]] std::vector<Line> HoldableLines(const std::vector<Line>& lines,
                                              const std::vector<Shortfall>& shortfalls);

// What of `lines` `plan` does not hold, per SKU in the lines' order (the units cancelled).
[[nodiscard]] std::vector<Line> UnheldLines(const std::vector<Line>& lines, const Plan& plan);

}  // namespace oms::inventory
