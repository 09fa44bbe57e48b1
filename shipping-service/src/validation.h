// Bounds and shapes of every shipping request, each error naming its field. Pure logic: no I/O,
// no gRPC; `now_micros` is passed in so that time bounds are testable.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/validation.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms::shipping {

inline constexpr int kMaxGroups = 50;
inline constexpr int kMaxLines = 200;
inline constexpr int kMaxShortPickLines = 100;
inline constexpr std::size_t kMaxShortPickNote = 500;
inline constexpr std::int64_t kMaxQuantity = 1'000'000;
inline constexpr std::int64_t kMaxUnitWeightGrams = 10'000'000;                // 10 t
inline constexpr std::int64_t kMaxShipmentWeightGrams = 100'000'000;           // 100 t
inline constexpr std::int64_t kMaxFutureSkewMicros = 3600LL * 1'000'000;       // events 1 h ahead
inline constexpr std::int64_t kMinOccurredMicros = 946'684'800LL * 1'000'000;  // 2000-01-01
inline constexpr std::int64_t kMaxOrderVersion = 1'000'000;

// The order version `group` ships, as stored and echoed: order-service numbers the order as
// placed 0 or 1 (both are its first version, stored as 0), and its N-th version N.
[[nodiscard]] inline std::int64_t OrderVersionOf(const v1::AllocationGroup& group) {
  return group.order_version() == 1 ? 0 : group.order_version();
}

// Request ids, order and return ids and warehouse ids are checked as everywhere in oms
// (common/validation.h). Shipment ids are UUIDs this service issued.
[[nodiscard]] absl::Status ValidateShipmentId(const std::string& id, const std::string& field);

[[nodiscard]] absl::Status ValidateCreateShipments(const v1::CreateShipmentsRequest& request);
[[nodiscard]] absl::Status ValidateCancelShipment(const v1::CancelShipmentRequest& request);
[[nodiscard]] absl::Status ValidateShipmentEvent(const v1::RecordShipmentEventRequest& request,
                                                 std::int64_t now_micros);
[[nodiscard]] absl::Status ValidateCreateReturn(const v1::CreateReturnShipmentRequest& request);
[[nodiscard]] absl::Status ValidateCreateReplacement(
    const v1::CreateReplacementShipmentRequest& request);
// The shape of a short pick: 1 to kMaxShortPickLines lines of distinct SKUs, each of at least one
// unit, and a note of up to kMaxShortPickNote characters. Whether the shipment holds those units
// is the use case's to say (PlanShortPick).
[[nodiscard]] absl::Status ValidateReportShortPick(const v1::ReportShortPickRequest& request);
// The position a reader of the event feed resumes after (0: from the start).
[[nodiscard]] absl::Status ValidateEventCursor(std::int64_t after_sequence);
// The cursor, and a limit of 0 (the default) or more (capped by the handler).
[[nodiscard]] absl::Status ValidateListEvents(const v1::ListEventsRequest& request);

// A page of a warehouse's pick queue: its outbound shipments not yet shipped (of one `status`,
// or PENDING, PICKED and PACKED when UNSPECIFIED), oldest first, after (`after_micros`,
// `after_id`) in (created, id) order.
struct PickQueueQuery {
  std::string warehouse_id;
  v1::ShipmentStatus status = v1::SHIPMENT_STATUS_UNSPECIFIED;
  std::int64_t after_micros = 0;
  std::string after_id = "00000000-0000-0000-0000-000000000000";
  int limit = 50;
};
// The query a ListPickQueue request asks for: a warehouse id, an open status or none, a page size
// and a token this service issued (the last shipment's "<created micros>:<id>").
[[nodiscard]] absl::StatusOr<PickQueueQuery> ReadPickQueueRequest(
    const v1::ListPickQueueRequest& request);
// The token of the page after one that ended with `last`.
std::string PickQueueToken(const v1::Shipment& last);

}  // namespace oms::shipping
