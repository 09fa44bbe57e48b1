// Bounds of customer and order requests; every error names the field. Pure logic.
#pragma once

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/order/v1/order.pb.h"
#include "order-service/src/order_repository.h"

namespace oms::order {

inline constexpr int kMaxOrderLines = 100;
inline constexpr long long kMaxLineQuantity = 10'000;
inline constexpr int kMaxAddresses = 20;

// Validates a new customer and returns it with its address defaults settled: the first address
// of each kind is that kind's default unless another is marked; two defaults of a kind are an
// error.
[[nodiscard]] absl::StatusOr<v1::Customer> NormalizeNewCustomer(const v1::Customer& customer);

// The customer fields an update writes: the mask's paths, or all when it is empty.
using CustomerFields = std::set<std::string>;
[[nodiscard]] absl::StatusOr<CustomerFields> UpdatedCustomerFields(
    const v1::UpdateCustomerRequest& request);
// `current` with the written fields of `update` applied, validated and normalized.
[[nodiscard]] absl::StatusOr<v1::Customer> ApplyCustomerUpdate(const v1::Customer& current,
                                                               const v1::Customer& update,
                                                               const CustomerFields& fields);

[[nodiscard]] absl::Status ValidateCreateOrder(const v1::CreateOrderRequest& request);
// The list's channel, external id and time filters into `filter`: an external id needs its
// channel; a time range must not be empty.
[[nodiscard]] absl::Status ReadOrderListFilters(const v1::ListOrdersRequest& request,
                                                OrderFilter* filter);
[[nodiscard]] absl::Status ValidateCreateReturn(const v1::CreateReturnRequest& request);
// Request id, order id, version and 1 .. 100 distinct lines without adjustments.
[[nodiscard]] absl::Status ValidateModifyOrder(const v1::ModifyOrderRequest& request);
[[nodiscard]] absl::Status ValidateReceiveReturn(const v1::ReceiveReturnRequest& request);

}  // namespace oms::order
