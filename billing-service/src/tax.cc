#include "billing-service/src/tax.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::billing {
namespace {

void SetMoney(common::v1::Money* money, const std::string& currency, long long minor) {
  money->set_currency(currency);
  money->set_amount_minor(minor);
}

// A line's units by class (see tax.h): `extra` units at unit_price - unit_discount - 1, the
// others at unit_price - unit_discount, taxed unit_tax and extra_unit_tax per unit.
struct UnitClasses {
  long long unit_price = 0;
  long long unit_discount = 0;
  long long extra = 0;
  long long unit_tax = 0;
  long long extra_unit_tax = 0;  // only counts when extra > 0
};

// Fills the amounts of `line` (quantity and rate already set). Within the bounds
// (price <= 10^12, quantity <= 10^6) no product exceeds 2 * 10^18 < 2^63.
void PriceLine(const std::string& currency, const UnitClasses& units, v1::InvoiceLine* line) {
  const long long quantity = line->quantity();
  const long long discount = units.unit_discount * quantity + units.extra;
  const long long net = units.unit_price * quantity - discount;
  const long long tax =
      units.extra * units.extra_unit_tax + (quantity - units.extra) * units.unit_tax;
  SetMoney(line->mutable_unit_price(), currency, units.unit_price);
  SetMoney(line->mutable_unit_tax(), currency, units.unit_tax);
  SetMoney(line->mutable_net(), currency, net);
  SetMoney(line->mutable_tax(), currency, tax);
  SetMoney(line->mutable_total(), currency, net + tax);
  SetMoney(line->mutable_discount(), currency, discount);
  line->set_unit_discount_minor(units.unit_discount);
  line->set_extra_discount_units(units.extra);
}

// The unit tax of the extra class, UnitTax(p - d - 1); 0 when the line has no extra units.
long long ExtraUnitTax(long long unit_price, long long unit_discount, long long extra,
                       int rate_bp) {
  return extra > 0 ? UnitTax(unit_price - unit_discount - 1, rate_bp) : 0;
}

struct Sums {
  long long net = 0;
  long long tax = 0;
  long long total = 0;
};

absl::Status AddLine(const v1::InvoiceLine& line, int index, Sums* sums) {
  if (line.total().amount_minor() > kMaxAmountMinor) {
    return InvalidField(absl::StrCat("lines[", index, "]"),
                        absl::StrCat("total must be at most ", kMaxAmountMinor, " minor units"));
  }
  sums->net += line.net().amount_minor();
  sums->tax += line.tax().amount_minor();
  sums->total += line.total().amount_minor();
  if (sums->total > kMaxAmountMinor) {
    return InvalidField("lines", absl::StrCat("the document total must be at most ",
                                              kMaxAmountMinor, " minor units"));
  }
  return absl::OkStatus();
}

}  // namespace

long long UnitTax(long long unit_price_minor, int rate_bp) {
  return (unit_price_minor * rate_bp + 5000) / 10000;
}

absl::StatusOr<v1::Invoice> PriceLines(
    const google::protobuf::RepeatedPtrField<v1::BillableLine>& lines, const std::string& currency,
    int rate_bp) {
  v1::Invoice invoice;
  Sums sums;
  for (int i = 0; i < lines.size(); ++i) {
    const v1::BillableLine& in = lines[i];
    v1::InvoiceLine* line = invoice.add_lines();
    line->set_sku(in.sku());
    line->set_description(in.description());
    line->set_quantity(in.quantity());
    // A line quoted earlier keeps its quoted rate (the order's snapshot).
    const int line_rate_bp = in.has_tax_rate_bp() ? in.tax_rate_bp() : rate_bp;
    line->set_tax_rate_bp(line_rate_bp);
    UnitClasses units;
    units.unit_price = in.unit_price().amount_minor();
    units.unit_discount = in.unit_discount_minor();
    units.extra = in.extra_discount_units();
    units.unit_tax = UnitTax(units.unit_price - units.unit_discount, line_rate_bp);
    units.extra_unit_tax =
        ExtraUnitTax(units.unit_price, units.unit_discount, units.extra, line_rate_bp);
    PriceLine(currency, units, line);
    if (absl::Status status = AddLine(*line, i, &sums); !status.ok()) return status;
  }
  SetMoney(invoice.mutable_subtotal(), currency, sums.net);
  SetMoney(invoice.mutable_tax(), currency, sums.tax);
  SetMoney(invoice.mutable_total(), currency, sums.total);
  SetMoney(invoice.mutable_shipping(), currency, 0);
  SetMoney(invoice.mutable_shipping_tax(), currency, 0);
  return invoice;
}

absl::Status AddShipping(long long shipping_minor, long long shipping_tax_minor,
                         v1::Invoice* invoice) {
  const std::string currency = invoice->total().currency();
  const long long total = invoice->total().amount_minor() + shipping_minor + shipping_tax_minor;
  if (total > kMaxAmountMinor) {
    return InvalidField("shipping",
                        absl::StrCat("the document total with shipping must be at most ",
                                     kMaxAmountMinor, " minor units"));
  }
  SetMoney(invoice->mutable_shipping(), currency, shipping_minor);
  SetMoney(invoice->mutable_shipping_tax(), currency, shipping_tax_minor);
  SetMoney(invoice->mutable_total(), currency, total);
  return absl::OkStatus();
}

absl::StatusOr<v1::CreditNote> CreditLines(
    const v1::Invoice& invoice, const std::map<std::string, long long>& already_credited,
    const google::protobuf::RepeatedPtrField<v1::RefundLine>& lines) {
  const std::string& currency = invoice.total().currency();
  v1::CreditNote note;
  Sums sums;
  for (int i = 0; i < lines.size(); ++i) {
    const v1::RefundLine& in = lines[i];
    const v1::InvoiceLine* invoiced = nullptr;
    for (const auto& candidate : invoice.lines()) {
      if (candidate.sku() == in.sku()) invoiced = &candidate;
    }
    if (invoiced == nullptr) {
      return WithReason(
          absl::StatusCode::kFailedPrecondition, "SKU_NOT_INVOICED",
          absl::StrCat("lines[", i, "].sku: ", in.sku(), " is not on invoice ", invoice.number()));
    }
    auto credited = already_credited.find(in.sku());
    const long long left =
        invoiced->quantity() - (credited == already_credited.end() ? 0 : credited->second);
    if (in.quantity() > left) {
      return WithReason(absl::StatusCode::kFailedPrecondition, "REFUND_EXCEEDS_CAPTURE",
                        absl::StrCat("lines[", i, "].quantity: ", in.quantity(), " of ", in.sku(),
                                     " exceeds the ", left, " invoiced and not yet credited"));
    }
    v1::InvoiceLine* line = note.add_lines();
    line->set_sku(in.sku());
    line->set_description(invoiced->description());
    line->set_quantity(in.quantity());
    line->set_tax_rate_bp(invoiced->tax_rate_bp());
    // The units credited are [first, end) of the invoice line, counted from its end; those below
    // the invoice line's extra units are of the p - d - 1 class.
    const long long end = left;
    const long long first = end - in.quantity();
    UnitClasses units;
    units.unit_price = invoiced->unit_price().amount_minor();
    units.unit_discount = invoiced->unit_discount_minor();
    units.extra = std::max(0LL, std::min<long long>(invoiced->extra_discount_units(), end) - first);
    units.unit_tax = invoiced->unit_tax().amount_minor();
    units.extra_unit_tax =
        ExtraUnitTax(units.unit_price, units.unit_discount, units.extra, invoiced->tax_rate_bp());
    PriceLine(currency, units, line);
    if (absl::Status status = AddLine(*line, i, &sums); !status.ok()) return status;
  }
  SetMoney(note.mutable_subtotal(), currency, sums.net);
  SetMoney(note.mutable_tax(), currency, sums.tax);
  SetMoney(note.mutable_total(), currency, sums.total);
  SetMoney(note.mutable_shipping(), currency, 0);
  SetMoney(note.mutable_shipping_tax(), currency, 0);
  return note;
}

void CreditShipping(const v1::Invoice& invoice, v1::CreditNote* note) {
  const std::string& currency = invoice.total().currency();
  const long long shipping = invoice.shipping().amount_minor();
  const long long shipping_tax = invoice.shipping_tax().amount_minor();
  SetMoney(note->mutable_shipping(), currency, shipping);
  SetMoney(note->mutable_shipping_tax(), currency, shipping_tax);
  SetMoney(note->mutable_total(), currency, note->total().amount_minor() + shipping + shipping_tax);
}

}  // namespace oms::billing
