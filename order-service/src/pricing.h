// The captured order: lines priced from the catalog snapshot and taxed by billing's quote, with
// totals computed here and never taken from a client. Pure logic.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "oms/billing/v1/billing.pb.h"
#include "oms/inventory/v1/inventory.pb.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

// Checks that every SKU exists, is active and is priced in the order's currency. The billable
// lines for billing's QuoteTax, in the request's order.
[[nodiscard]] absl::StatusOr<std::vector<billing::v1::BillableLine>> BillableLines(
    const v1::CreateOrderRequest& request, const inventory::v1::BatchGetProductsResponse& products);

// The order as captured (no id, status PENDING), from the request, the catalog and the quote.
[[nodiscard]] absl::StatusOr<v1::Order> CapturedOrder(
    const v1::CreateOrderRequest& request, const inventory::v1::BatchGetProductsResponse& products,
    const billing::v1::Invoice& quote);

}  // namespace oms::order
