// Tax and totals arithmetic for invoices and credit notes. Pure logic: no I/O.
//
// Everything is integer arithmetic in minor units; rates are basis points (1900 = 19 %).
// Rounding, stated once: tax is computed per UNIT, rounded half-up to the minor unit
// (unit_tax = floor((unit_price * rate_bp + 5000) / 10000)), then multiplied by the quantity.
// A line's tax is therefore linear in its quantity: a line split over several shipments, or
// refunded a few units at a time, always adds up to exactly the tax of the whole line, and a
// credit note for every unit of an invoice equals the invoice to the minor unit.
//   net   = unit_price * quantity
//   tax   = unit_tax * quantity
//   total = net + tax;   document subtotal/tax/total = the sums over its lines.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "common/validation.h"
#include "google/protobuf/repeated_field.h"
#include "oms/billing/v1/billing.pb.h"

namespace oms::billing {

inline constexpr int kMaxTaxRateBp = 10000;  // 100 %
inline constexpr long long kMaxQuantity = 1'000'000;
using ::oms::kMaxAmountMinor;  // 10^10 in major units

// Half-up per unit; unit_price in [0, kMaxAmountMinor], rate_bp in [0, kMaxTaxRateBp].
[[nodiscard]] long long UnitTax(long long unit_price_minor, int rate_bp);

// The invoice lines and totals for `lines` at `rate_bp`, in `currency`. Inputs are validated
// before (quantities, prices); INVALID_ARGUMENT naming "lines" when a line's total or the
// document's total exceeds kMaxAmountMinor.
[[nodiscard]] absl::StatusOr<v1::Invoice> PriceLines(
    const google::protobuf::RepeatedPtrField<v1::BillableLine>& lines, const std::string& currency,
    int rate_bp);

// The credit note lines and totals for returning `lines` of `invoice`, at the invoice's unit
// price and unit tax. `already_credited` maps SKU to units credited by earlier credit notes of the
// same invoice. FAILED_PRECONDITION: SKU_NOT_INVOICED, or REFUND_EXCEEDS_CAPTURE when a quantity
// exceeds what is invoiced and not yet credited.
[[nodiscard]] absl::StatusOr<v1::CreditNote> CreditLines(
    const v1::Invoice& invoice, const std::map<std::string, long long>& already_credited,
    const google::protobuf::RepeatedPtrField<v1::RefundLine>& lines);

}  // namespace oms::billing
