// Bounds and shapes of every shipping request, each error naming its field. Pure logic: no I/O,
// no gRPC; `now_micros` is passed in so that time bounds are testable.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "common/validation.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms::shipping {

inline constexpr int kMaxGroups = 50;
inline constexpr int kMaxLines = 200;
inline constexpr std::int64_t kMaxQuantity = 1'000'000;
inline constexpr std::int64_t kMaxUnitWeightGrams = 10'000'000;                // 10 t
inline constexpr std::int64_t kMaxShipmentWeightGrams = 100'000'000;           // 100 t
inline constexpr std::int64_t kMaxFutureSkewMicros = 3600LL * 1'000'000;       // events 1 h ahead
inline constexpr std::int64_t kMinOccurredMicros = 946'684'800LL * 1'000'000;  // 2000-01-01

// Request ids, order and return ids and warehouse ids are checked as everywhere in oms
// (common/validation.h). Shipment ids are UUIDs this service issued.
[[nodiscard]] absl::Status ValidateShipmentId(const std::string& id, const std::string& field);

[[nodiscard]] absl::Status ValidateCreateShipments(const v1::CreateShipmentsRequest& request);
[[nodiscard]] absl::Status ValidateCancelShipment(const v1::CancelShipmentRequest& request);
[[nodiscard]] absl::Status ValidateShipmentEvent(const v1::RecordShipmentEventRequest& request,
                                                 std::int64_t now_micros);
[[nodiscard]] absl::Status ValidateCreateReturn(const v1::CreateReturnShipmentRequest& request);
// The position a reader of the event feed resumes after (0: from the start).
[[nodiscard]] absl::Status ValidateEventCursor(std::int64_t after_sequence);
// The cursor, and a limit of 0 (the default) or more (capped by the handler).
[[nodiscard]] absl::Status ValidateListEvents(const v1::ListEventsRequest& request);

}  // namespace oms::shipping
