// A shipment's status, derived from its journal: the one place that decides how late, repeated
// and out-of-order warehouse and carrier events combine, and which outbox events a change emits.
// Pure logic: no I/O, no gRPC.
//
// Precedence, highest first:
//   1. cancelled: CANCELLED, whatever the journal says (events for it are refused anyway);
//   2. a terminal event: DELIVERED or RECEIVED over RETURNED_TO_SENDER; nothing moves it back;
//   3. a problem (EXCEPTION, DELIVERY_FAILED) that occurred no earlier than every progress event:
//      it holds until a progress event that occurred later clears it (the latest problem wins,
//      EXCEPTION over DELIVERY_FAILED at the same instant);
//   4. the furthest progress event: PICKED < PACKED < SHIPPED < IN_TRANSIT < OUT_FOR_DELIVERY,
//      so a late IN_TRANSIT after OUT_FOR_DELIVERY never moves the status back;
//   5. otherwise PENDING.
// Only occurred_at and the event types count, never the order in which events were recorded, so
// any permutation of a journal, and any number of repeats, derive the same status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms::shipping {

struct JournalFact {
  v1::ShipmentEventType type = v1::SHIPMENT_EVENT_TYPE_UNSPECIFIED;
  std::int64_t occurred_micros = 0;
};

[[nodiscard]] v1::ShipmentStatus DeriveStatus(bool cancelled,
                                              const std::vector<JournalFact>& journal);

// True once any event says the parcel left the warehouse (or arrived): SHIPPED, IN_TRANSIT,
// OUT_FOR_DELIVERY, DELIVERY_FAILED, DELIVERED, RETURNED_TO_SENDER, RECEIVED. EXCEPTION alone
// does not: a parcel damaged while packing has not shipped.
[[nodiscard]] bool HasShipped(const std::vector<JournalFact>& journal);

// INVALID_ARGUMENT ("type") for event types a shipment of this kind never has: RECEIVED on an
// outbound shipment; DELIVERED, PICKED, PACKED or RETURNED_TO_SENDER on a return.
[[nodiscard]] absl::Status EventAllowed(v1::ShipmentKind kind, v1::ShipmentEventType type);

// The outbox events one journal change emits, in order. Reaching "shipped" for the first time
// always emits SHIPMENT_SHIPPED (RETURN_SHIPPED), even when the status jumps past SHIPPED or a
// problem status hides it, because order-service commits stock and captures payment on it; then
// a status change emits the event of the new status (never a second SHIPPED).
[[nodiscard]] std::vector<v1::OutboxEventType> OutboxEffects(v1::ShipmentKind kind,
                                                             v1::ShipmentStatus before,
                                                             v1::ShipmentStatus after,
                                                             bool shipped_before,
                                                             bool shipped_after);

// The outbox event type announcing that a shipment of `kind` now has `status`.
[[nodiscard]] v1::OutboxEventType OutboxTypeFor(v1::ShipmentKind kind, v1::ShipmentStatus status);

// Stable names for the database, logs and metric labels: the enum value's name without its
// prefix ("IN_TRANSIT", "SHIPMENT_SHIPPED"). Parse* answer UNSPECIFIED for an unknown name.
[[nodiscard]] std::string StatusName(v1::ShipmentStatus status);
[[nodiscard]] std::string EventTypeName(v1::ShipmentEventType type);
[[nodiscard]] std::string OutboxTypeName(v1::OutboxEventType type);
[[nodiscard]] std::string KindName(v1::ShipmentKind kind);
[[nodiscard]] std::string TransportModeName(v1::TransportMode mode);
[[nodiscard]] v1::ShipmentStatus ParseStatus(const std::string& name);
[[nodiscard]] v1::ShipmentEventType ParseEventType(const std::string& name);
[[nodiscard]] v1::OutboxEventType ParseOutboxType(const std::string& name);
[[nodiscard]] v1::ShipmentKind ParseKind(const std::string& name);
[[nodiscard]] v1::TransportMode ParseTransportMode(const std::string& name);

}  // namespace oms::shipping
