// What recording one shipment event decides around the status derivation (shipment_status.h):
// when an event is a repeat, whether a shipment still takes events, which tracking number
// stands, and what the journal change does to status, shipped milestone and outbox. Pure logic:
// no I/O, no gRPC.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "oms/shipping/v1/shipping.pb.h"
#include "shipping-service/src/shipment_status.h"

namespace oms::shipping {

// The identity of an event in its shipment's journal: the carrier's event id when it has one
// ("carrier:<id>", whatever the time), otherwise its type and occurred_at ("event:<TYPE>:<us>").
[[nodiscard]] std::string DedupKey(const v1::RecordShipmentEventRequest& request);

// FAILED_PRECONDITION (SHIPMENT_CANCELLED): a cancelled shipment takes no new event (a repeat of
// an event it already has is still answered).
[[nodiscard]] absl::Status EventAccepted(const std::string& shipment_id, v1::ShipmentStatus status);

// An event without a tracking number keeps the one the shipment has.
[[nodiscard]] std::string TrackingNumberAfter(const std::string& current,
                                              const std::string& reported);

struct JournalChange {
  v1::ShipmentStatus status = v1::SHIPMENT_STATUS_UNSPECIFIED;  // derived from the whole journal
  bool shipped = false;                                         // the milestone, once reached
  std::vector<v1::OutboxEventType> outbox;                      // to announce, in order
};

// The shipment after its journal became `journal`: DeriveStatus, HasShipped and OutboxEffects
// from the status and milestone it had `before`.
[[nodiscard]] JournalChange ApplyJournal(v1::ShipmentKind kind, v1::ShipmentStatus before,
                                         bool shipped_before,
                                         const std::vector<JournalFact>& journal);

}  // namespace oms::shipping
