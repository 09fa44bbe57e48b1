// Validation of catalog, warehouse and stock requests: every bound in one place, every error
// naming the field. Pure logic: no I/O, no gRPC.
#pragma once

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms::inventory {

inline constexpr long long kMaxAmountMinor = 1'000'000'000'000LL;  // 10^10 in major units
inline constexpr long long kMaxWeightGrams = 100'000'000LL;        // 100 t
inline constexpr long long kMaxStockDelta = 1'000'000LL;
inline constexpr int kMaxPriority = 1000;

// The product fields an update may write (by their proto names).
using ProductFields = std::set<std::string>;

[[nodiscard]] absl::Status ValidateSku(const std::string& sku, const std::string& field);
[[nodiscard]] absl::Status ValidateWarehouseId(const std::string& id, const std::string& field);
[[nodiscard]] absl::Status ValidateRequestId(const std::string& id, const std::string& field);
// ISO 3166-1 alpha-2, e.g. "DE".
[[nodiscard]] absl::Status ValidateCountry(const std::string& country, const std::string& field);
// Finite degrees within range; errors name `<field>.latitude` or `<field>.longitude`.
[[nodiscard]] absl::Status ValidateLocation(const common::v1::GeoPoint& location,
                                            const std::string& field);

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
