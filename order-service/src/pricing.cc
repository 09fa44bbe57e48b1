#include "order-service/src/pricing.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/validation.h"

namespace oms::order {
namespace {

common::v1::Money Money(const std::string& currency, long long amount_minor) {
  common::v1::Money money;
  money.set_currency(currency);
  money.set_amount_minor(amount_minor);
  return money;
}

// A money field of the request in the order's currency, `min_minor` and up.
absl::Status ValidateOrderMoney(const common::v1::Money& money, const std::string& currency,
                                const std::string& field, long long min_minor) {
  absl::Status status = ValidateMoney(money, field, min_minor);
  if (status.ok() && money.currency() != currency) {
    status = InvalidField(field, absl::StrCat("must be in the order's currency, ", currency));
  }
  return status;
}

std::map<std::string, const inventory::v1::Product*> BySku(
    const inventory::v1::BatchGetProductsResponse& products) {
  std::map<std::string, const inventory::v1::Product*> by_sku;
  for (const auto& product : products.products()) by_sku[product.sku()] = &product;
  return by_sku;
}

// The discounts of the request's lines at the catalog's prices (every SKU known: BillableLines
// checked).
absl::StatusOr<OrderDiscounts> DiscountsOf(
    const v1::CreateOrderRequest& request,
    const std::map<std::string, const inventory::v1::Product*>& by_sku) {
  std::vector<PricedLine> lines;
  for (int i = 0; i < request.lines_size(); ++i) {
    const auto& line = request.lines(i);
    auto adjustments = AdjustmentsOf(line.adjustments(), request.currency(),
                                     absl::StrCat("lines[", i, "].adjustments"));
    if (!adjustments.ok()) return adjustments.status();
    lines.push_back({by_sku.at(line.sku())->unit_price().amount_minor(), line.quantity(),
                     *std::move(adjustments)});
  }
  auto order_adjustments = AdjustmentsOf(request.adjustments(), request.currency(), "adjustments");
  if (!order_adjustments.ok()) return order_adjustments.status();
  return ComputeDiscounts(lines, *order_adjustments);
}

// `requested` as applied: each with what it took.
void Applied(const google::protobuf::RepeatedPtrField<v1::Adjustment>& requested,
             const std::vector<int64_t>& taken, const std::string& currency,
             google::protobuf::RepeatedPtrField<v1::Adjustment>* out) {
  for (int k = 0; k < requested.size(); ++k) {
    v1::Adjustment* applied = out->Add();
    *applied = requested[k];
    *applied->mutable_applied() = Money(currency, taken[static_cast<std::size_t>(k)]);
  }
}

}  // namespace

absl::StatusOr<std::vector<Adjustment>> AdjustmentsOf(
    const google::protobuf::RepeatedPtrField<v1::Adjustment>& adjustments,
    const std::string& currency, const std::string& field) {
  std::vector<Adjustment> out;
  for (int k = 0; k < adjustments.size(); ++k) {
    const v1::Adjustment& given = adjustments[k];
    const std::string at = absl::StrCat(field, "[", k, "]");
    Adjustment adjustment;
    adjustment.code = given.code();
    adjustment.reason = given.reason();
    switch (given.kind()) {
      case v1::ADJUSTMENT_KIND_PERCENT:
        adjustment.kind = Adjustment::Kind::kPercent;
        adjustment.percent_bp = given.percent_bp();
        break;
      case v1::ADJUSTMENT_KIND_FIXED: {
        adjustment.kind = Adjustment::Kind::kFixed;
        absl::Status status = ValidateOrderMoney(given.amount(), currency, at + ".amount", 1);
        if (!status.ok()) return status;
        adjustment.amount_minor = given.amount().amount_minor();
        break;
      }
      default:
        return InvalidField(at + ".kind", "must be PERCENT or FIXED");
    }
    out.push_back(std::move(adjustment));
  }
  absl::Status status = ValidateAdjustments(out, field);
  if (!status.ok()) return status;
  return out;
}

absl::Status ValidateCharges(const v1::CreateOrderRequest& request) {
  for (int i = 0; i < request.lines_size(); ++i) {
    auto line = AdjustmentsOf(request.lines(i).adjustments(), request.currency(),
                              absl::StrCat("lines[", i, "].adjustments"));
    if (!line.ok()) return line.status();
  }
  auto order = AdjustmentsOf(request.adjustments(), request.currency(), "adjustments");
  if (!order.ok()) return order.status();
  if (request.has_shipping_charge()) {
    absl::Status status =
        ValidateOrderMoney(request.shipping_charge(), request.currency(), "shipping_charge", 0);
    if (!status.ok()) return status;
  }
  if (request.has_expected_total()) {
    return ValidateOrderMoney(request.expected_total(), request.currency(), "expected_total", 0);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<billing::v1::BillableLine>> BillableLines(
    const v1::CreateOrderRequest& request,
    const inventory::v1::BatchGetProductsResponse& products) {
  const auto by_sku = BySku(products);
  std::vector<billing::v1::BillableLine> lines;
  for (int i = 0; i < request.lines().size(); ++i) {
    const auto& line = request.lines(i);
    const std::string field = absl::StrCat("lines[", i, "].sku");
    auto it = by_sku.find(line.sku());
    if (it == by_sku.end() || !it->second->active()) {
      return WithReason(absl::StatusCode::kFailedPrecondition, "PRODUCT_UNAVAILABLE",
                        absl::StrCat(field, ": ", line.sku(), " is not for sale"));
    }
    const inventory::v1::Product& product = *it->second;
    if (product.unit_price().currency() != request.currency()) {
      return WithReason(
          absl::StatusCode::kFailedPrecondition, "CURRENCY_MISMATCH",
          absl::StrCat(field, ": ", line.sku(), " is priced in ", product.unit_price().currency(),
                       ", the order in ", request.currency()));
    }
    billing::v1::BillableLine billable;
    billable.set_sku(line.sku());
    billable.set_description(product.name());
    billable.set_quantity(line.quantity());
    *billable.mutable_unit_price() = product.unit_price();
    lines.push_back(std::move(billable));
  }
  auto discounts = DiscountsOf(request, by_sku);
  if (!discounts.ok()) return discounts.status();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // Every unit takes discount / quantity, the first discount % quantity one minor unit more.
    const int64_t discount = discounts->lines[i].discount_minor;
    lines[i].set_unit_discount_minor(discount / lines[i].quantity());
    lines[i].set_extra_discount_units(discount % lines[i].quantity());
  }
  return lines;
}

absl::StatusOr<v1::Order> CapturedOrder(const v1::CreateOrderRequest& request,
                                        const inventory::v1::BatchGetProductsResponse& products,
                                        const billing::v1::Invoice& quote) {
  if (quote.lines_size() != request.lines_size()) {
    return absl::InternalError("the tax quote does not cover every line");
  }
  const auto by_sku = BySku(products);
  auto discounts = DiscountsOf(request, by_sku);
  if (!discounts.ok()) return discounts.status();
  v1::Order order;
  order.set_customer_id(request.customer_id());
  order.set_channel(request.channel());
  order.set_external_order_id(request.external_order_id());
  order.set_currency(request.currency());
  order.set_status(v1::ORDER_STATUS_PENDING);
  *order.mutable_shipping_address() = request.shipping_address();
  *order.mutable_billing_address() =
      request.has_billing_address() ? request.billing_address() : request.shipping_address();
  order.set_allocation_strategy(request.allocation_strategy() ==
                                        inventory::v1::ALLOCATION_STRATEGY_UNSPECIFIED
                                    ? inventory::v1::ALLOCATION_STRATEGY_MINIMIZE_SPLITS
                                    : request.allocation_strategy());
  // Unset: each line's product decides (inventory's product_policies).
  order.set_backorder_policy(request.backorder_policy());
  long long subtotal = 0, discount = 0, tax = 0, total = 0;
  for (int i = 0; i < quote.lines_size(); ++i) {
    const billing::v1::InvoiceLine& priced = quote.lines(i);
    auto it = by_sku.find(priced.sku());
    if (it == by_sku.end() || priced.sku() != request.lines(i).sku()) {
      return absl::InternalError("the tax quote's lines are not the order's");
    }
    auto* line = order.add_lines();
    line->set_sku(priced.sku());
    line->set_name(priced.description());
    line->set_quantity(priced.quantity());
    *line->mutable_unit_price() = priced.unit_price();
    *line->mutable_unit_tax() = priced.unit_tax();
    line->set_tax_rate_bp(priced.tax_rate_bp());
    *line->mutable_net() = priced.net();
    *line->mutable_tax() = priced.tax();
    *line->mutable_total() = priced.total();
    line->set_unit_weight_grams(it->second->weight_grams());
    *line->mutable_discount() = Money(request.currency(), priced.discount().amount_minor());
    // The quote taxes the e extra units, a minor unit cheaper, at one tax each: what its tax
    // holds beyond the other units' (billing.proto, InvoiceLine).
    const int64_t extra = priced.extra_discount_units();
    const int64_t extra_unit_tax =
        extra > 0 ? (priced.tax().amount_minor() -
                     (priced.quantity() - extra) * priced.unit_tax().amount_minor()) /
                        extra
                  : 0;
    *line->mutable_extra_unit_tax() = Money(request.currency(), extra_unit_tax);
    const LineDiscount& computed = discounts->lines[static_cast<std::size_t>(i)];
    if (computed.discount_minor != priced.discount().amount_minor()) {
      return absl::InternalError("the tax quote's discount is not the order's");
    }
    Applied(request.lines(i).adjustments(), computed.line_adjustments_minor, request.currency(),
            line->mutable_adjustments());
    subtotal += priced.unit_price().amount_minor() * priced.quantity();
    discount += priced.discount().amount_minor();
    tax += priced.tax().amount_minor();
    total += priced.total().amount_minor();
  }
  Applied(request.adjustments(), discounts->order_adjustments_minor, request.currency(),
          order.mutable_adjustments());
  const long long shipping = quote.shipping().amount_minor();
  const long long shipping_tax = quote.shipping_tax().amount_minor();
  *order.mutable_subtotal() = Money(request.currency(), subtotal);
  *order.mutable_discount() = Money(request.currency(), discount);
  *order.mutable_shipping_charge() = Money(request.currency(), shipping);
  *order.mutable_shipping_tax() = Money(request.currency(), shipping_tax);
  *order.mutable_tax() = Money(request.currency(), tax + shipping_tax);
  *order.mutable_total() = Money(request.currency(), total + shipping + shipping_tax);
  if (request.has_expected_total() &&
      request.expected_total().amount_minor() != order.total().amount_minor()) {
    return InvalidField("expected_total",
                        absl::StrCat("is ", request.expected_total().amount_minor(),
                                     "; the order's lines, adjustments and shipping add up to ",
                                     order.total().amount_minor(), " minor units"));
  }
  return order;
}

}  // namespace oms::order
