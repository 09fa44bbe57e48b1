#include "order-service/src/adjustments.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::order {
namespace {

// A line amount (up to 2^63) times basis points or another amount overflows 64 bits; -Wpedantic
// accepts __int128 only when it is marked as the GNU extension it is.
__extension__ typedef __int128 Int128;

constexpr int64_t kWholeBp = 10'000;
constexpr Int128 kMaxInt64 = std::numeric_limits<int64_t>::max();

bool IsCodeChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Round half up; never more than `base`, as percent_bp <= kWholeBp.
int64_t PercentOf(int64_t base, int64_t percent_bp) {
  return static_cast<int64_t>((Int128{base} * percent_bp + kWholeBp / 2) / kWholeBp);
}

// What the valid `adjustment` at `field` takes off `base`.
absl::StatusOr<int64_t> Take(const Adjustment& adjustment, int64_t base, const std::string& field) {
  if (adjustment.kind == Adjustment::Kind::kPercent) return PercentOf(base, adjustment.percent_bp);
  if (adjustment.amount_minor > base) {
    return InvalidField(absl::StrCat(field, ".amount"),
                        absl::StrCat("exceeds the amount it applies to (", base, " minor units)"));
  }
  return adjustment.amount_minor;
}

// Everything ComputeDiscounts can refuse before it takes anything, so that a malformed request
// is reported as such rather than as a discount that does not fit.
absl::Status ValidateLines(const std::vector<PricedLine>& lines,
                           const std::vector<Adjustment>& order_adjustments) {
  Int128 subtotal = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const PricedLine& line = lines[i];
    const std::string at = absl::StrCat("lines[", i, "]");
    if (line.unit_price_minor < 0) {
      return InvalidField(at + ".unit_price_minor", "must not be negative");
    }
    if (line.quantity < 1) return InvalidField(at + ".quantity", "must be at least 1");
    const Int128 amount = Int128{line.unit_price_minor} * line.quantity;
    if (amount > kMaxInt64) {
      return InvalidField(at, "unit_price_minor * quantity does not fit in 64 bits");
    }
    subtotal += amount;
    if (subtotal > kMaxInt64) return InvalidField("lines", "the subtotal does not fit in 64 bits");
    absl::Status status = ValidateAdjustments(line.adjustments, at + ".adjustments");
    if (!status.ok()) return status;
  }
  return ValidateAdjustments(order_adjustments, "adjustments");
}

}  // namespace

absl::Status ValidateAdjustments(const std::vector<Adjustment>& adjustments,
                                 absl::string_view field) {
  if (adjustments.size() > static_cast<std::size_t>(kMaxAdjustments)) {
    return InvalidField(field, absl::StrCat("must hold at most ", kMaxAdjustments));
  }
  for (std::size_t i = 0; i < adjustments.size(); ++i) {
    const Adjustment& adjustment = adjustments[i];
    const std::string at = absl::StrCat(field, "[", i, "]");
    switch (adjustment.kind) {
      case Adjustment::Kind::kPercent:
        if (adjustment.percent_bp < 1 || adjustment.percent_bp > kWholeBp) {
          return InvalidField(at + ".percent_bp",
                              absl::StrCat("must be 1 to ", kWholeBp, " basis points"));
        }
        break;
      case Adjustment::Kind::kFixed:
        if (adjustment.amount_minor < 1 || adjustment.amount_minor > kMaxAdjustmentMinor) {
          return InvalidField(at + ".amount",
                              absl::StrCat("must be 1 to ", kMaxAdjustmentMinor, " minor units"));
        }
        break;
      default:
        return InvalidField(at + ".kind", "must be PERCENT or FIXED");
    }
    const std::string& code = adjustment.code;
    if (code.empty() || code.size() > kMaxAdjustmentCodeBytes ||
        !std::all_of(code.begin(), code.end(), IsCodeChar)) {
      return InvalidField(at + ".code", absl::StrCat("must be 1 to ", kMaxAdjustmentCodeBytes,
                                                     " of A-Z, a-z, 0-9, '_' or '-'"));
    }
    if (adjustment.reason.size() > kMaxAdjustmentReasonBytes) {
      return InvalidField(at + ".reason",
                          absl::StrCat("must be at most ", kMaxAdjustmentReasonBytes, " bytes"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<OrderDiscounts> ComputeDiscounts(const std::vector<PricedLine>& lines,
                                                const std::vector<Adjustment>& order_adjustments) {
  absl::Status status = ValidateLines(lines, order_adjustments);
  if (!status.ok()) return status;
  OrderDiscounts discounts;
  discounts.lines.resize(lines.size());
  std::vector<int64_t> left(lines.size());  // what is left of each line
  for (std::size_t i = 0; i < lines.size(); ++i) {
    LineDiscount& line = discounts.lines[i];
    line.amount_minor = lines[i].unit_price_minor * lines[i].quantity;
    left[i] = line.amount_minor;
    const std::vector<Adjustment>& adjustments = lines[i].adjustments;
    for (std::size_t k = 0; k < adjustments.size(); ++k) {
      auto taken =
          Take(adjustments[k], left[i], absl::StrCat("lines[", i, "].adjustments[", k, "]"));
      if (!taken.ok()) return taken.status();
      left[i] -= *taken;
      line.line_adjustments_minor.push_back(*taken);
    }
  }
  for (std::size_t k = 0; k < order_adjustments.size(); ++k) {
    const int64_t order_left = std::accumulate(left.begin(), left.end(), int64_t{0});
    auto taken = Take(order_adjustments[k], order_left, absl::StrCat("adjustments[", k, "]"));
    if (!taken.ok()) return taken.status();
    const std::vector<int64_t> shares = LargestRemainder(*taken, left);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      // Cannot happen while the adjustment takes at most what is left (see LargestRemainder);
      // checked because a negative amount would be charged.
      if (shares[i] > left[i]) return absl::InternalError("a discount share exceeds its line");
      left[i] -= shares[i];
      discounts.lines[i].order_adjustment_shares_minor.push_back(shares[i]);
    }
    discounts.order_adjustments_minor.push_back(*taken);
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    discounts.lines[i].discount_minor = discounts.lines[i].amount_minor - left[i];
  }
  return discounts;
}

absl::StatusOr<int64_t> UnitRangeShare(int64_t amount_minor, int64_t units, int64_t first_unit,
                                       int64_t unit_count) {
  if (amount_minor < 0 || units < 1 || first_unit < 0 || unit_count < 0 ||
      first_unit > units - unit_count) {
    return absl::InvalidArgumentError(absl::StrCat("units ", first_unit, " to ",
                                                   first_unit + unit_count, " (exclusive) of ",
                                                   units, " sharing ", amount_minor));
  }
  const int64_t each = amount_minor / units;
  const int64_t extra_units = amount_minor % units;  // the first ones, one minor unit more each
  const int64_t extra_in_range = std::clamp(extra_units - first_unit, int64_t{0}, unit_count);
  return each * unit_count + extra_in_range;
}

std::vector<int64_t> LargestRemainder(int64_t total, const std::vector<int64_t>& weights) {
  const std::size_t n = weights.size();
  if (n == 0) return {};
  const bool negative = total < 0;
  const Int128 magnitude = negative ? -Int128{total} : Int128{total};
  std::vector<Int128> weight(n);
  Int128 weight_sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    weight[i] = std::max<int64_t>(weights[i], 0);
    weight_sum += weight[i];
  }
  if (weight_sum == 0) {
    std::fill(weight.begin(), weight.end(), 1);
    weight_sum = static_cast<Int128>(n);
  }
  std::vector<Int128> shares(n), remainders(n);
  Int128 left_over = magnitude;
  for (std::size_t i = 0; i < n; ++i) {
    const Int128 exact = magnitude * weight[i];  // < 2^126
    shares[i] = exact / weight_sum;
    remainders[i] = exact % weight_sum;  // one denominator for all: compares exactly
    left_over -= shares[i];
  }
  // Fewer than n minor units, as every remainder is below one.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainders[a] > remainders[b]; });
  for (Int128 j = 0; j < left_over; ++j) shares[order[static_cast<std::size_t>(j)]] += 1;
  std::vector<int64_t> result(n);
  for (std::size_t i = 0; i < n; ++i) {
    result[i] = static_cast<int64_t>(negative ? -shares[i] : shares[i]);
  }
  return result;
}

}  // namespace oms::order
