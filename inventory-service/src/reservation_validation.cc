#include "inventory-service/src/reservation_validation.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "inventory-service/src/catalog.h"

namespace oms::inventory {
namespace {

absl::Status UniqueSkus(const google::protobuf::RepeatedPtrField<v1::OrderLine>& lines) {
  std::set<std::string> skus;
  for (int i = 0; i < lines.size(); ++i) {
    if (!skus.insert(lines[i].sku()).second) {
      return InvalidField(absl::StrCat("lines[", i, "].sku"), "names a SKU an earlier line names");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateQuantity(long long quantity, long long max, const std::string& field) {
  if (quantity < 1 || quantity > max) {
    return InvalidField(field, absl::StrCat("must be between 1 and ", max));
  }
  return absl::OkStatus();
}

absl::Status ValidateLines(const google::protobuf::RepeatedPtrField<v1::OrderLine>& lines) {
  if (lines.empty() || lines.size() > kMaxOrderLines) {
    return InvalidField("lines", absl::StrCat("must hold 1 to ", kMaxOrderLines, " lines"));
  }
  for (int i = 0; i < lines.size(); ++i) {
    const std::string field = absl::StrCat("lines[", i, "]");
    absl::Status status = ValidateSku(lines[i].sku(), field + ".sku");
    if (status.ok())
      status = ValidateQuantity(lines[i].quantity(), kMaxLineQuantity, field + ".quantity");
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status ValidateDestination(const v1::Destination& destination) {
  absl::Status status = ValidateCountry(destination.country(), "destination.country");
  if (!status.ok()) return status;
  if (destination.region().size() > 100) {
    return InvalidField("destination.region", "must be at most 100 bytes");
  }
  return destination.has_location()
             ? ValidateLocation(destination.location(), "destination.location")
             : absl::OkStatus();
}

absl::Status ValidateStrategy(v1::AllocationStrategy strategy) {
  return v1::AllocationStrategy_IsValid(strategy)
             ? absl::OkStatus()
             : InvalidField("strategy",
                            "must be SINGLE_WAREHOUSE, MINIMIZE_SPLITS, "
                            "NEAREST_FIRST or PRIORITY");
}

absl::Status ValidateTtl(int ttl_seconds, bool zero_allowed) {
  if ((ttl_seconds == 0 && zero_allowed) || (ttl_seconds >= 1 && ttl_seconds <= kMaxTtlSeconds)) {
    return absl::OkStatus();
  }
  return InvalidField("ttl_seconds", absl::StrCat("must be between 1 and ", kMaxTtlSeconds,
                                                  zero_allowed ? " (0: the default)" : ""));
}

// Both ids of a mutating reservation call.
absl::Status ValidateIds(const std::string& request_id, const std::string& order_id) {
  absl::Status status = ValidateRequestId(request_id, "request_id");
  return status.ok() ? ValidateEntityId(order_id, "order_id") : status;
}

// Units planned into an existing reservation (a short pick's, an edit's): one line per SKU, so
// that each is one plan line and, later, one line of a release by warehouse and lines.
absl::Status ValidateUnitsToPlan(const google::protobuf::RepeatedPtrField<v1::OrderLine>& lines,
                                 const v1::Destination& destination,
                                 v1::AllocationStrategy strategy) {
  absl::Status status = ValidateLines(lines);
  if (status.ok()) status = UniqueSkus(lines);
  if (status.ok()) status = ValidateDestination(destination);
  return status.ok() ? ValidateStrategy(strategy) : status;
}

}  // namespace

absl::Status ValidatePlanRequest(const v1::PlanAllocationRequest& request) {
  absl::Status status = ValidateLines(request.lines());
  if (status.ok()) status = ValidateDestination(request.destination());
  if (status.ok()) status = ValidateStrategy(request.strategy());
  return status;
}

absl::Status ValidateReserve(const v1::ReserveStockRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  if (status.ok()) status = ValidateLines(request.lines());
  if (status.ok()) status = ValidateDestination(request.destination());
  if (status.ok()) status = ValidateStrategy(request.strategy());
  if (status.ok()) status = ValidateTtl(request.ttl_seconds(), /*zero_allowed=*/true);
  if (status.ok() && request.product_policies() &&
      (request.cancel_unavailable() || request.backorder_unavailable())) {
    // The order's policy for every SKU, or each product's own: one or the other.
    return InvalidField("product_policies",
                        "cannot be set with cancel_unavailable or backorder_unavailable");
  }
  if (status.ok() && request.cancel_unavailable() && request.backorder_unavailable()) {
    // Doing without the rest and queuing it contradict each other.
    return InvalidField("backorder_unavailable", "cannot be set with cancel_unavailable");
  }
  return status;
}

absl::Status ValidateExtend(const v1::ExtendReservationRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  return status.ok() ? ValidateTtl(request.ttl_seconds(), /*zero_allowed=*/false) : status;
}

absl::Status ValidateCommit(const v1::CommitReservationRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  if (!status.ok()) return status;
  if (request.lines().empty() || request.lines().size() > kMaxOrderLines) {
    return InvalidField("lines", absl::StrCat("must hold 1 to ", kMaxOrderLines, " lines"));
  }
  for (int i = 0; i < request.lines().size(); ++i) {
    const auto& line = request.lines(i);
    const std::string field = absl::StrCat("lines[", i, "]");
    status = ValidateWarehouseId(line.warehouse_id(), field + ".warehouse_id");
    if (status.ok()) status = ValidateSku(line.sku(), field + ".sku");
    if (status.ok()) {
      status =
          ValidateQuantity(line.quantity(), kMaxLineQuantity * kMaxOrderLines, field + ".quantity");
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status ValidateRelease(const v1::ReleaseReservationRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  if (status.ok() && !request.warehouse_id().empty()) {
    status = ValidateWarehouseId(request.warehouse_id(), "warehouse_id");
  }
  if (!status.ok() || request.lines().empty()) return status;
  if (request.warehouse_id().empty()) {
    return InvalidField("lines", "names units to release in one warehouse: set warehouse_id");
  }
  status = ValidateLines(request.lines());
  if (!status.ok()) return status;
  return UniqueSkus(request.lines());
}

absl::Status ValidateResource(const v1::ResourceReservationRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  if (status.ok()) status = ValidateWarehouseId(request.from_warehouse_id(), "from_warehouse_id");
  // One line per SKU also because each is one release and one write-off, and a repeat would
  // check each against the same hold.
  return status.ok()
             ? ValidateUnitsToPlan(request.lines(), request.destination(), request.strategy())
             : status;
}

absl::Status ValidateAddToReservation(const v1::AddToReservationRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  return status.ok()
             ? ValidateUnitsToPlan(request.lines(), request.destination(), request.strategy())
             : status;
}

absl::Status ValidateRestock(const v1::RestockReturnRequest& request) {
  absl::Status status = ValidateRequestId(request.request_id(), "request_id");
  if (status.ok() && !request.order_id().empty()) {
    status = ValidateEntityId(request.order_id(), "order_id");
  }
  if (status.ok()) status = ValidateWarehouseId(request.warehouse_id(), "warehouse_id");
  if (status.ok()) status = ValidateSku(request.sku(), "sku");
  if (!status.ok()) return status;
  for (auto [quantity, field] : {std::pair{request.resellable_quantity(), "resellable_quantity"},
                                 std::pair{request.damaged_quantity(), "damaged_quantity"}}) {
    if (quantity < 0 || quantity > kMaxStockDelta) {
      return InvalidField(field, absl::StrCat("must be between 0 and ", kMaxStockDelta));
    }
  }
  if (request.resellable_quantity() + request.damaged_quantity() == 0) {
    return InvalidField("resellable_quantity", "or damaged_quantity must be positive");
  }
  if (request.note().size() > 500) return InvalidField("note", "must be at most 500 bytes");
  return absl::OkStatus();
}

absl::Status ValidateCancelBackorders(const v1::CancelBackordersRequest& request) {
  return ValidateIds(request.request_id(), request.order_id());
}

absl::StatusOr<int> BackorderFillsPageSize(const v1::ListBackorderFillsRequest& request) {
  if (request.after_sequence() < 0) return InvalidField("after_sequence", "must not be negative");
  if (request.page_size() < 0 || request.page_size() > kMaxBackorderFillsPage) {
    return InvalidField("page_size", absl::StrCat("must be between 0 and ", kMaxBackorderFillsPage,
                                                  " (0: ", kDefaultBackorderFillsPage, ")"));
  }
  return request.page_size() == 0 ? kDefaultBackorderFillsPage : request.page_size();
}

}  // namespace oms::inventory
