// Discounts ("adjustments") on an order and the proration of amounts to the minor unit, as pure
// logic: an invoice, a capture per shipment and a refund per unit must all add up to the same
// cents, whatever order they are computed in.
//
// Rounding rules (every amount is a non-negative integer count of minor units):
//  - A percent adjustment takes round-half-up(base * percent_bp / 10000) of its base: 0.5 minor
//    units and more round up. It never takes more than its base (percent_bp <= 10000).
//  - A fixed adjustment takes exactly amount_minor; more than its base is refused, never clamped
//    and never allowed to turn an amount negative.
//  - Line adjustments apply first, in their order, each on what the earlier ones left of the line
//    (unit_price_minor * quantity). Order adjustments apply next, in their order, each on what is
//    left of the whole order; each is computed once on that subtotal (one rounding, not one per
//    line) and then spread over the lines by LargestRemainder, weighted by what is left of each
//    line.
//  - LargestRemainder: every share is floor(total * weight / sum of weights); the minor units
//    left over go one each to the largest remainders, ties to the lower index. The shares sum to
//    the total exactly and each is within one minor unit of its exact proportion.
//  - A line's amount over its units: every unit takes floor(amount / units) and the first
//    (amount mod units) units one minor unit more (LargestRemainder over equal weights). Shipments
//    taken in a fixed order (by shipment id) claim consecutive unit ranges, so their shares sum to
//    the line's amount in whatever order they are computed.
// Intermediate products are computed in 128 bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oms::order {

inline constexpr int kMaxAdjustments = 10;
// The same bound as any amount of money in a request (kMaxAmountMinor).
inline constexpr int64_t kMaxAdjustmentMinor = 1'000'000'000'000;
inline constexpr std::size_t kMaxAdjustmentCodeBytes = 64;
inline constexpr std::size_t kMaxAdjustmentReasonBytes = 200;

// A discount: it only ever reduces what is charged. Of percent_bp and amount_minor only the one
// its kind names counts.
struct Adjustment {
  enum class Kind { kPercent, kFixed };
  Kind kind = Kind::kPercent;
  int64_t percent_bp = 0;    // kPercent: 1 to 10000 (0.01% to 100%)
  int64_t amount_minor = 0;  // kFixed: 1 to kMaxAdjustmentMinor
  std::string code;          // 1 to 64 of [A-Za-z0-9_-], e.g. a coupon code
  std::string reason;        // up to 200 bytes, shown to the customer
};

// At most kMaxAdjustments adjustments, each within the bounds above. INVALID_ARGUMENT naming the
// exact field under `field` (e.g. "lines[2].adjustments[1].percent_bp").
[[nodiscard]] absl::Status ValidateAdjustments(const std::vector<Adjustment>& adjustments,
                                               absl::string_view field);

struct PricedLine {
  int64_t unit_price_minor = 0;  // >= 0
  int64_t quantity = 0;          // >= 1
  std::vector<Adjustment> adjustments;
};

struct LineDiscount {
  int64_t amount_minor = 0;    // unit_price_minor * quantity, before any discount
  int64_t discount_minor = 0;  // all the line's adjustments and shares, at most amount_minor
  // What each of the line's own adjustments took, in their order.
  std::vector<int64_t> line_adjustments_minor;
  // The line's share of each order adjustment, in their order.
  std::vector<int64_t> order_adjustment_shares_minor;
};

struct OrderDiscounts {
  std::vector<LineDiscount> lines;  // in the order of the priced lines
  // What each order adjustment took off the order; the sum of its shares over the lines.
  std::vector<int64_t> order_adjustments_minor;
};

// The discounts `lines` and `order_adjustments` give, by the rules above. INVALID_ARGUMENT naming
// the field: adjustments as ValidateAdjustments under "lines[i].adjustments" and "adjustments";
// "lines[i].unit_price_minor" / "lines[i].quantity" out of range, "lines[i]" or "lines" when an
// amount does not fit in 64 bits; "...adjustments[k].amount" when a fixed adjustment
// exceeds the amount it applies to.
[[nodiscard]] absl::StatusOr<OrderDiscounts> ComputeDiscounts(
    const std::vector<PricedLine>& lines, const std::vector<Adjustment>& order_adjustments);

// The share of units [first_unit, first_unit + unit_count) in `amount_minor` spread over `units`
// units (the first amount mod units units take one minor unit more). INVALID_ARGUMENT unless
// amount_minor >= 0, units >= 1 and the range lies within the units.
[[nodiscard]] absl::StatusOr<int64_t> UnitRangeShare(int64_t amount_minor, int64_t units,
                                                     int64_t first_unit, int64_t unit_count);

// `total` split in proportion to `weights`, summing exactly to `total` (see above); all-zero
// weights split it equally by count. Meant for total >= 0 and weights >= 0: a negative weight
// counts as 0 and a negative total is split as its magnitude, negated, so the shares still sum
// to it. No weights give no shares.
std::vector<int64_t> LargestRemainder(int64_t total, const std::vector<int64_t>& weights);

}  // namespace oms::order
