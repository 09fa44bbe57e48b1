#include "billing-service/src/tax.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::billing {
namespace {

void SetMoney(common::v1::Money* money, const std::string& currency, long long minor) {
  money->set_currency(currency);
  money->set_amount_minor(minor);
}

// Fills the amounts of `line` (quantity, unit price and rate already set). Within the bounds
// (price <= 10^12, quantity <= 10^6) no product exceeds 2 * 10^18 < 2^63.
void PriceLine(const std::string& currency, long long unit_price, long long unit_tax,
               v1::InvoiceLine* line) {
  const long long net = unit_price * line->quantity();
  const long long tax = unit_tax * line->quantity();
  SetMoney(line->mutable_unit_price(), currency, unit_price);
  SetMoney(line->mutable_unit_tax(), currency, unit_tax);
  SetMoney(line->mutable_net(), currency, net);
  SetMoney(line->mutable_tax(), currency, tax);
  SetMoney(line->mutable_total(), currency, net + tax);
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
    const long long unit_price = in.unit_price().amount_minor();
    PriceLine(currency, unit_price, UnitTax(unit_price, line_rate_bp), line);
    if (absl::Status status = AddLine(*line, i, &sums); !status.ok()) return status;
  }
  SetMoney(invoice.mutable_subtotal(), currency, sums.net);
  SetMoney(invoice.mutable_tax(), currency, sums.tax);
  SetMoney(invoice.mutable_total(), currency, sums.total);
  return invoice;
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
    PriceLine(currency, invoiced->unit_price().amount_minor(), invoiced->unit_tax().amount_minor(),
              line);
    if (absl::Status status = AddLine(*line, i, &sums); !status.ok()) return status;
  }
  SetMoney(note.mutable_subtotal(), currency, sums.net);
  SetMoney(note.mutable_tax(), currency, sums.tax);
  SetMoney(note.mutable_total(), currency, sums.total);
  return note;
}

}  // namespace oms::billing
