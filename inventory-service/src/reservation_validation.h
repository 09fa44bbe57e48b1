// Bounds of the reservation requests; every error names the field. Pure logic.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms::inventory {

inline constexpr int kMaxOrderLines = 100;
inline constexpr long long kMaxLineQuantity = 10'000;
inline constexpr int kMaxTtlSeconds = 30 * 24 * 3600;
inline constexpr int kMaxBackorderFillsPage = 500;
inline constexpr int kDefaultBackorderFillsPage = 100;

[[nodiscard]] absl::Status ValidatePlanRequest(const v1::PlanAllocationRequest& request);
[[nodiscard]] absl::Status ValidateReserve(const v1::ReserveStockRequest& request);
[[nodiscard]] absl::Status ValidateExtend(const v1::ExtendReservationRequest& request);
[[nodiscard]] absl::Status ValidateCommit(const v1::CommitReservationRequest& request);
[[nodiscard]] absl::Status ValidateRelease(const v1::ReleaseReservationRequest& request);
// As ValidateReserve for the ids, lines, destination and strategy; `from_warehouse_id` a
// warehouse id, and each SKU once (`lines[i].sku`).
[[nodiscard]] absl::Status ValidateResource(const v1::ResourceReservationRequest& request);
// As ValidateResource, without a warehouse to leave out.
[[nodiscard]] absl::Status ValidateAddToReservation(const v1::AddToReservationRequest& request);
[[nodiscard]] absl::Status ValidateRestock(const v1::RestockReturnRequest& request);
[[nodiscard]] absl::Status ValidateCancelBackorders(const v1::CancelBackordersRequest& request);
// `after_sequence` >= 0, `page_size` 0..500; the page size to read (0 means 100).
[[nodiscard]] absl::StatusOr<int> BackorderFillsPageSize(
    const v1::ListBackorderFillsRequest& request);

}  // namespace oms::inventory
