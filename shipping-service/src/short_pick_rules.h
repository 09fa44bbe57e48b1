// What a short pick (ReportShortPick) may do: which shipments a warehouse may still short-pick,
// which missing units a shipment can lose, and what it is left with. Pure logic: no I/O, no gRPC;
// the use cases (shipping_use_cases.cc) read the shipment and store the answer.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms::shipping {

// The journal's deduplication key of a short pick: one per shipment, so that the journal's
// unique key refuses a second one too.
inline constexpr char kShortPickDedupKey[] = "short-pick";

// Whether `shipment` may be short-picked now. FAILED_PRECONDITION with reason
// ALREADY_SHORT_PICKED when it was (`short_picked`), whatever its status since; otherwise
// SHIPMENT_NOT_PICKABLE unless it is an outbound shipment, no replacement (its goods were picked
// once already), still PENDING, PICKED or PACKED.
[[nodiscard]] absl::Status ShortPickAllowed(const v1::Shipment& shipment, bool short_picked);

// A shipment after a short pick.
struct ShortPick {
  // The shipment's lines less the missing units, in their order; a line left with none is gone.
  google::protobuf::RepeatedPtrField<v1::ShipmentLine> left;
  // The missing units in the request's order, each with its line's unit weight.
  google::protobuf::RepeatedPtrField<v1::ShipmentLine> missing;
  // The shipment's freight with the weight and packages of the lines left. The carrier and the
  // estimated cost stay as they were quoted when the shipment was made.
  v1::Freight freight;
  // No unit left: the shipment is cancelled.
  bool emptied = false;
};

// What `shipment` (with its lines) is left with once `missing` is taken off. INVALID_ARGUMENT
// naming `missing[i].sku` for an SKU not on the shipment (or named twice), `missing[i].quantity`
// for fewer than 1 unit or more than its line has.
[[nodiscard]] absl::StatusOr<ShortPick> PlanShortPick(
    const v1::Shipment& shipment,
    const google::protobuf::RepeatedPtrField<v1::ReturnLine>& missing);

// The journal entry's note: "short picked: 2 × MUG, 1 × BOOK", then the reporter's `note` after
// "; " when there is one.
[[nodiscard]] std::string ShortPickNote(
    const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& missing, const std::string& note);

}  // namespace oms::shipping
