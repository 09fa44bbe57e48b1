#include "order-service/src/pricing.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::order {
namespace {

common::v1::Money Money(const std::string& currency, long long amount_minor) {
  common::v1::Money money;
  money.set_currency(currency);
  money.set_amount_minor(amount_minor);
  return money;
}

}  // namespace

absl::StatusOr<std::vector<billing::v1::BillableLine>> BillableLines(
    const v1::CreateOrderRequest& request,
    const inventory::v1::BatchGetProductsResponse& products) {
  std::map<std::string, const inventory::v1::Product*> by_sku;
  for (const auto& product : products.products()) by_sku[product.sku()] = &product;
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
  return lines;
}

absl::StatusOr<v1::Order> CapturedOrder(const v1::CreateOrderRequest& request,
                                        const inventory::v1::BatchGetProductsResponse& products,
                                        const billing::v1::Invoice& quote) {
  if (quote.lines_size() != request.lines_size()) {
    return absl::InternalError("the tax quote does not cover every line");
  }
  std::map<std::string, const inventory::v1::Product*> by_sku;
  for (const auto& product : products.products()) by_sku[product.sku()] = &product;
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
  long long subtotal = 0, tax = 0;
  for (const auto& priced : quote.lines()) {
    auto it = by_sku.find(priced.sku());
    if (it == by_sku.end()) return absl::InternalError("the tax quote names an unknown SKU");
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
    subtotal += priced.net().amount_minor();
    tax += priced.tax().amount_minor();
  }
  *order.mutable_subtotal() = Money(request.currency(), subtotal);
  *order.mutable_tax() = Money(request.currency(), tax);
  *order.mutable_total() = Money(request.currency(), subtotal + tax);
  return order;
}

}  // namespace oms::order
