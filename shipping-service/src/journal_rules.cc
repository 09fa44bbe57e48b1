#include "shipping-service/src/journal_rules.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::shipping {

std::string DedupKey(const v1::RecordShipmentEventRequest& request) {
  if (!request.carrier_event_id().empty()) return "carrier:" + request.carrier_event_id();
  return absl::StrCat(
      "event:", EventTypeName(request.type()), ":",
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(request.occurred_at()));
}

absl::Status EventAccepted(const std::string& shipment_id, v1::ShipmentStatus status) {
  if (status == v1::SHIPMENT_STATUS_CANCELLED) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "SHIPMENT_CANCELLED",
                      absl::StrCat("shipment ", shipment_id, " is cancelled"));
  }
  return absl::OkStatus();
}

std::string TrackingNumberAfter(const std::string& current, const std::string& reported) {
  return reported.empty() ? current : reported;
}

JournalChange ApplyJournal(v1::ShipmentKind kind, v1::ShipmentStatus before, bool shipped_before,
                           const std::vector<JournalFact>& journal) {
  JournalChange change;
  change.status = DeriveStatus(before == v1::SHIPMENT_STATUS_CANCELLED, journal);
  change.shipped = HasShipped(journal);
  change.outbox = OutboxEffects(kind, before, change.status, shipped_before, change.shipped);
  return change;
}

}  // namespace oms::shipping
