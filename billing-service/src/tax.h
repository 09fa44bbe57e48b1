// Tax and totals arithmetic for invoices and credit notes. Pure logic: no I/O.
//
// Everything is integer arithmetic in minor units; rates are basis points (1900 = 19 %).
// Rounding, stated once: tax is computed per UNIT on the unit's net price, rounded half-up to the
// minor unit (UnitTax(net, rate) = floor((net * rate_bp + 5000) / 10000)), then multiplied by the
// number of units at that net price. A line's tax is therefore linear in its units: a line split
// over several shipments, or refunded a few units at a time, always adds up to exactly the tax of
// the whole line, and a credit note for every unit of an invoice equals the invoice's goods to
// the minor unit.
//
// Discounts extend the rule without changing it. A line of q units at unit price p with unit
// discount d and e extra units has two classes of units: its FIRST e units at net p - d - 1 and
// the other q - e at net p - d (a discount D spread over the q units as d = floor(D / q) each and
// one more on the first e = D mod q). Each class is taxed per unit:
//   discount = d * q + e
//   net      = p * q - discount
//   unit_tax = UnitTax(p - d)              (the class of the q - e units, as on the invoice line)
//   tax      = e * UnitTax(p - d - 1) + (q - e) * unit_tax
//   total    = net + tax
// Without a discount (d = e = 0) these are p * q, UnitTax(p) * q and their sum, as always.
// A credit note takes an invoice line's units from its end: after c units credited, k more are
// units [q - c - k, q - c), of which those below e are of the p - d - 1 class.
//
// A document's subtotal and tax are the sums over its lines (its goods); its total is
// subtotal + tax + shipping + shipping_tax. A credit note's shipping and shipping tax are 0 unless
// it refunds a parcel that never reached the customer: then they are the invoice's, whole (a
// shipping charge is never split over credit notes). A quote taxes the shipping charge as one
// unit: UnitTax(shipping, rate).
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

// The invoice lines and totals for `lines` at `rate_bp`, in `currency`, with shipping and its
// tax set to 0. Inputs are validated before (quantities, prices, discounts: see
// ValidateCapture); INVALID_ARGUMENT naming "lines" when a line's total or the document's total
// exceeds kMaxAmountMinor.
[[nodiscard]] absl::StatusOr<v1::Invoice> PriceLines(
    const google::protobuf::RepeatedPtrField<v1::BillableLine>& lines, const std::string& currency,
    int rate_bp);

// Bills a shipping charge and its tax (each 0 .. kMaxAmountMinor) with `invoice`'s goods: sets
// its shipping and shipping_tax and adds both to its total. INVALID_ARGUMENT naming "shipping"
// when the total would exceed kMaxAmountMinor.
[[nodiscard]] absl::Status AddShipping(long long shipping_minor, long long shipping_tax_minor,
                                       v1::Invoice* invoice);

// The credit note lines and totals for returning `lines` of `invoice`, at the invoice's unit
// price, discount and unit tax, each line's units taken from its end (see above); the unit tax
// of the p - d - 1 class is UnitTax(p - d - 1) at the invoice line's rate. `already_credited` maps
// SKU to units credited by earlier credit notes of the same invoice. Shipping and its tax are
// set to 0. FAILED_PRECONDITION: SKU_NOT_INVOICED, or REFUND_EXCEEDS_CAPTURE when a quantity
// exceeds what is invoiced and not yet credited.
[[nodiscard]] absl::StatusOr<v1::CreditNote> CreditLines(
    const v1::Invoice& invoice, const std::map<std::string, long long>& already_credited,
    const google::protobuf::RepeatedPtrField<v1::RefundLine>& lines);

// Gives back `invoice`'s shipping charge and its tax with `note`'s goods (a note of that
// invoice, from CreditLines): sets its shipping and shipping_tax and adds both to its total. The
// note's goods are at most the invoice's, so its total stays within the invoice's.
void CreditShipping(const v1::Invoice& invoice, v1::CreditNote* note);

}  // namespace oms::billing
