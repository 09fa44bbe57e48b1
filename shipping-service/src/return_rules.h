// What a return shipment may take back: only what the order's outbound shipments delivered, less
// what its other return shipments (not cancelled) already take back; one return shipment per
// return id. Pure logic: no I/O, no gRPC.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms::shipping {

// One line of one of an order's shipments, with the kind and status of its shipment.
struct OrderLine {
  std::string shipment_id;
  v1::ShipmentKind kind = v1::SHIPMENT_KIND_UNSPECIFIED;
  v1::ShipmentStatus status = v1::SHIPMENT_STATUS_UNSPECIFIED;
  v1::ShipmentLine line;
};

// The lines of a return shipment for `wanted`, each with the unit weight it was delivered with
// (the heaviest, should deliveries differ). FAILED_PRECONDITION (RETURN_EXCEEDS_DELIVERED) for
// the first SKU asked for more than was delivered and is not yet returned.
[[nodiscard]] absl::StatusOr<google::protobuf::RepeatedPtrField<v1::ShipmentLine>> ReturnLines(
    const std::vector<OrderLine>& order_lines,
    const google::protobuf::RepeatedPtrField<v1::ReturnLine>& wanted);

// ALREADY_EXISTS (RETURN_EXISTS) when `return_id` has its return shipment already.
[[nodiscard]] absl::Status ReturnAllowed(const std::string& return_id, bool return_exists);

}  // namespace oms::shipping
