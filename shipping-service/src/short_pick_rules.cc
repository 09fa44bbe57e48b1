#include "shipping-service/src/short_pick_rules.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "shipping-service/src/carrier_rules.h"
#include "shipping-service/src/shipment_status.h"

namespace oms::shipping {

absl::Status ShortPickAllowed(const v1::Shipment& shipment, bool short_picked) {
  if (short_picked) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "ALREADY_SHORT_PICKED",
                      absl::StrCat("shipment_id: shipment ", shipment.id(),
                                   " was short-picked already; a shipment is short-picked once"));
  }
  std::string why;
  if (shipment.kind() != v1::SHIPMENT_KIND_OUTBOUND) {
    why = "a return shipment";
  } else if (!shipment.replaces_shipment_id().empty()) {
    why = absl::StrCat("the replacement of shipment ", shipment.replaces_shipment_id());
  } else if (shipment.status() != v1::SHIPMENT_STATUS_PENDING &&
             shipment.status() != v1::SHIPMENT_STATUS_PICKED &&
             shipment.status() != v1::SHIPMENT_STATUS_PACKED) {
    why = StatusName(shipment.status());
  }
  if (why.empty()) return absl::OkStatus();
  return WithReason(absl::StatusCode::kFailedPrecondition, "SHIPMENT_NOT_PICKABLE",
                    absl::StrCat("shipment_id: shipment ", shipment.id(), " is ", why,
                                 "; only an outbound shipment still PENDING, PICKED or PACKED "
                                 "is short-picked"));
}

absl::StatusOr<ShortPick> PlanShortPick(
    const v1::Shipment& shipment,
    const google::protobuf::RepeatedPtrField<v1::ReturnLine>& missing) {
  std::map<std::string, const v1::ShipmentLine*> lines;
  for (const auto& line : shipment.lines()) lines[line.sku()] = &line;
  ShortPick plan;
  std::map<std::string, std::int64_t> taken;
  for (int i = 0; i < missing.size(); ++i) {
    const v1::ReturnLine& asked = missing[i];
    const std::string field = absl::StrCat("missing[", i, "]");
    auto line = lines.find(asked.sku());
    if (line == lines.end()) {
      return InvalidField(field + ".sku",
                          absl::StrCat(asked.sku(), " is not on shipment ", shipment.id()));
    }
    if (taken.count(asked.sku()) != 0) return InvalidField(field + ".sku", "appears twice");
    if (asked.quantity() < 1) return InvalidField(field + ".quantity", "must be at least 1");
    if (asked.quantity() > line->second->quantity()) {
      return InvalidField(field + ".quantity",
                          absl::StrCat("is more than the ", line->second->quantity(), " units of ",
                                       asked.sku(), " on the shipment"));
    }
    taken[asked.sku()] = asked.quantity();
    v1::ShipmentLine* short_line = plan.missing.Add();
    *short_line = *line->second;
    short_line->set_quantity(asked.quantity());
  }
  for (const auto& line : shipment.lines()) {
    auto it = taken.find(line.sku());
    const std::int64_t left = line.quantity() - (it == taken.end() ? 0 : it->second);
    if (left == 0) continue;
    v1::ShipmentLine* kept = plan.left.Add();
    *kept = line;
    kept->set_quantity(left);
  }
  plan.emptied = plan.left.empty();
  plan.freight = shipment.freight();
  const std::int64_t weight = TotalWeightGrams(plan.left);
  plan.freight.set_total_weight_grams(weight);
  plan.freight.set_package_count(PackageCount(weight));
  return plan;
}

std::string ShortPickNote(const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& missing,
                          const std::string& note) {
  std::string text = "short picked: ";
  for (int i = 0; i < missing.size(); ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ", ", missing[i].quantity(), " × ", missing[i].sku());
  }
  if (!note.empty()) absl::StrAppend(&text, "; ", note);
  return text;
}

}  // namespace oms::shipping
