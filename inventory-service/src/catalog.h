// Validation of catalog, warehouse and stock requests: every bound in one place, every error
// naming the field; and the defaults those requests leave to the server. Pure logic: no I/O, no
// gRPC.
#pragma once

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/validation.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms::inventory {

inline constexpr long long kMaxWeightGrams = 100'000'000LL;  // 100 t
inline constexpr long long kMaxStockDelta = 1'000'000LL;
inline constexpr int kMaxPriority = 1000;

// The product fields an update may write (by their proto names).
using ProductFields = std::set<std::string>;

// A product or warehouse that does not say otherwise is active.
template <class ProductOrWarehouse>
[[nodiscard]] bool IsActive(const ProductOrWarehouse& message) {
  return !message.has_active() || message.active();
}

[[nodiscard]] absl::Status ValidateWarehouseId(const std::string& id, const std::string& field);

// All fields of a new product.
[[nodiscard]] absl::Status ValidateNewProduct(const v1::Product& product);

// The fields an update writes: the mask's paths, or every mutable field when the mask is empty.
// Unknown or immutable paths are refused.
[[nodiscard]] absl::StatusOr<ProductFields> UpdatedProductFields(
    const v1::UpdateProductRequest& request);
// Only the fields being written are checked.
[[nodiscard]] absl::Status ValidateProductUpdate(const v1::Product& product,
                                                 const ProductFields& fields);

[[nodiscard]] absl::Status ValidateNewWarehouse(const v1::Warehouse& warehouse);
[[nodiscard]] absl::Status ValidateAdjustment(const v1::AdjustStockRequest& request);

}  // namespace oms::inventory
