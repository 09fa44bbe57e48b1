// The captured order: lines priced from the catalog snapshot and taxed by billing's quote, with
// totals computed here and never taken from a client. Pure logic.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oms/billing/v1/billing.pb.h"
#include "oms/inventory/v1/inventory.pb.h"
#include "oms/order/v1/order.pb.h"
#include "order-service/src/adjustments.h"

namespace oms::order {

// `adjustments` (of the request's field `field`) as adjustments.h computes them, validated:
// INVALID_ARGUMENT naming the field for a kind unset, a fixed amount in another currency than
// `currency`, or anything ValidateAdjustments refuses.
[[nodiscard]] absl::StatusOr<std::vector<Adjustment>> AdjustmentsOf(
    const google::protobuf::RepeatedPtrField<v1::Adjustment>& adjustments,
    const std::string& currency, const std::string& field);

// The request's adjustments, shipping charge and expected total, before the catalog is read.
[[nodiscard]] absl::Status ValidateCharges(const v1::CreateOrderRequest& request);

// Checks that every SKU exists, is active and is priced in the order's currency. The billable
// lines for billing's QuoteTax, in the request's order, each with its discount spread over its
// units (adjustments.h).
[[nodiscard]] absl::StatusOr<std::vector<billing::v1::BillableLine>> BillableLines(
    const v1::CreateOrderRequest& request, const inventory::v1::BatchGetProductsResponse& products);

// The order as captured (no id, status PENDING), from the request, the catalog and the quote
// (which priced BillableLines and the shipping charge). INVALID_ARGUMENT naming expected_total
// when the request's differs from the order's total.
[[nodiscard]] absl::StatusOr<v1::Order> CapturedOrder(
    const v1::CreateOrderRequest& request, const inventory::v1::BatchGetProductsResponse& products,
    const billing::v1::Invoice& quote);

}  // namespace oms::order
