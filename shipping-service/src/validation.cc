#include "shipping-service/src/validation.h"

#include <set>
#include <tuple>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "common/pagination.h"
#include "common/status.h"
#include "common/validation.h"

namespace oms::shipping {
namespace {

using google::protobuf::util::TimeUtil;

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

absl::Status ValidateQuantity(std::int64_t quantity, const std::string& field) {
  if (quantity < 1 || quantity > kMaxQuantity) {
    return InvalidField(field, absl::StrCat("must be between 1 and ", kMaxQuantity));
  }
  return absl::OkStatus();
}

// `proof.uri` is an http(s) URL of the carrier's, or the path UploadProof answered for this
// shipment's stored photo ("/v1/shipments/<id>/proofs/<sha256>", the same digest).
absl::Status ValidateProof(const v1::ProofOfDelivery& proof, const std::string& shipment_id) {
  if (proof.uri() != absl::StrCat("/v1/shipments/", shipment_id, "/proofs/", proof.sha256())) {
    absl::Status status = ValidateHttpUrl(proof.uri(), "proof.uri");
    if (!status.ok()) return status;
  }
  const std::string& type = proof.content_type();
  const auto slash = type.find('/');
  if (type.size() > 100 || slash == std::string::npos || slash == 0 || slash + 1 == type.size()) {
    return InvalidField("proof.content_type", "must be a media type such as image/jpeg");
  }
  for (char c : type) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return InvalidField("proof.content_type", "must be a media type such as image/jpeg");
    }
  }
  if (proof.sha256().size() != 64) {
    return InvalidField("proof.sha256", "must be 64 lowercase hex digits");
  }
  for (char c : proof.sha256()) {
    if (!IsHex(c)) return InvalidField("proof.sha256", "must be 64 lowercase hex digits");
  }
  return absl::OkStatus();
}

// 0..kMaxOrderVersion, and only on a group of the order's own: a re-sourced shipment has the
// version of the shipment whose units it takes over, and a backorder fill is shipped once per
// fill of the order, not per version.
absl::Status ValidateOrderVersion(const v1::AllocationGroup& group, const std::string& field) {
  if (group.order_version() < 0 || group.order_version() > kMaxOrderVersion) {
    return InvalidField(field, absl::StrCat("must be between 0 and ", kMaxOrderVersion));
  }
  if (OrderVersionOf(group) == 0) return absl::OkStatus();
  if (!group.resourced_from_shipment_id().empty()) {
    return InvalidField(field,
                        "a group re-sourcing a short pick (resourced_from_shipment_id) has the "
                        "version of the shipment it re-sources");
  }
  if (group.backorder_fill_sequence() != 0) {
    return InvalidField(
        field, "a backorder fill (backorder_fill_sequence) is not shipped per order version");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateShipmentId(const std::string& id, const std::string& field) {
  return ValidateUuid(id, field, "a shipment id");
}

absl::Status ValidateCreateShipments(const v1::CreateShipmentsRequest& request) {
  absl::Status status = ValidateRequestId(request.request_id(), "request_id");
  if (status.ok()) status = ValidateEntityId(request.order_id(), "order_id");
  if (!status.ok()) return status;
  if (!request.has_destination()) return InvalidField("destination", "is required");
  status = ValidateAddress(request.destination(), "destination");
  if (!status.ok()) return status;
  // None: only whether a carrier serves the destination (an order of which nothing is held yet,
  // all of it waiting for stock); nothing is created.
  if (request.groups_size() > kMaxGroups) {
    return InvalidField("groups", absl::StrCat("must hold at most ", kMaxGroups, " groups"));
  }
  // A warehouse ships one group of each version of the order, one more per shipment whose
  // short-picked units it takes over, and one more per backorder fill; a fill is shipped by one
  // group.
  std::set<std::tuple<std::string, std::string, std::int64_t, std::int64_t>> warehouses;
  std::set<std::int64_t> fills;
  for (int g = 0; g < request.groups_size(); ++g) {
    const auto& group = request.groups(g);
    const std::string prefix = absl::StrCat("groups[", g, "]");
    status = ValidateUuid(group.warehouse_id(), prefix + ".warehouse_id", "a warehouse id");
    if (status.ok() && !group.resourced_from_shipment_id().empty()) {
      status = ValidateShipmentId(group.resourced_from_shipment_id(),
                                  prefix + ".resourced_from_shipment_id");
    }
    if (!status.ok()) return status;
    const std::int64_t fill = group.backorder_fill_sequence();
    if (fill < 0) {
      return InvalidField(prefix + ".backorder_fill_sequence", "must not be negative");
    }
    if (fill > 0 && !group.resourced_from_shipment_id().empty()) {
      return InvalidField(prefix + ".backorder_fill_sequence",
                          "a group re-sourcing a short pick (resourced_from_shipment_id) is not "
                          "a backorder fill");
    }
    if (fill > 0 && !fills.insert(fill).second) {
      return InvalidField(prefix + ".backorder_fill_sequence", "appears in two groups");
    }
    status = ValidateOrderVersion(group, prefix + ".order_version");
    if (!status.ok()) return status;
    if (!warehouses
             .insert({group.warehouse_id(), group.resourced_from_shipment_id(), fill,
                      OrderVersionOf(group)})
             .second) {
      return InvalidField(prefix + ".warehouse_id", "appears in two groups");
    }
    if (group.lines_size() < 1 || group.lines_size() > kMaxLines) {
      return InvalidField(prefix + ".lines", absl::StrCat("must hold 1 to ", kMaxLines, " lines"));
    }
    std::set<std::string> skus;
    std::int64_t weight = 0;
    for (int l = 0; l < group.lines_size(); ++l) {
      const auto& line = group.lines(l);
      const std::string field = absl::StrCat(prefix, ".lines[", l, "]");
      status = ValidateSku(line.sku(), field + ".sku");
      if (status.ok()) status = ValidateQuantity(line.quantity(), field + ".quantity");
      if (!status.ok()) return status;
      if (!skus.insert(line.sku()).second) {
        return InvalidField(field + ".sku", "appears twice in the group");
      }
      if (line.unit_weight_grams() < 0 || line.unit_weight_grams() > kMaxUnitWeightGrams) {
        return InvalidField(field + ".unit_weight_grams",
                            absl::StrCat("must be between 0 and ", kMaxUnitWeightGrams));
      }
      weight += line.quantity() * line.unit_weight_grams();  // each term <= 10^13: no overflow
      if (weight > kMaxShipmentWeightGrams) {
        return InvalidField(prefix + ".lines",
                            absl::StrCat("weigh more than ", kMaxShipmentWeightGrams, " g"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateCancelShipment(const v1::CancelShipmentRequest& request) {
  absl::Status status = ValidateRequestId(request.request_id(), "request_id");
  if (!status.ok()) return status;
  switch (request.target_case()) {
    case v1::CancelShipmentRequest::kShipmentId:
      status = ValidateShipmentId(request.shipment_id(), "shipment_id");
      break;
    case v1::CancelShipmentRequest::kOrder:
      status = ValidateEntityId(request.order().order_id(), "order.order_id");
      if (status.ok() && !request.order().warehouse_id().empty()) {
        status =
            ValidateUuid(request.order().warehouse_id(), "order.warehouse_id", "a warehouse id");
      }
      break;
    default:
      return InvalidField("target", "name a shipment_id or an order");
  }
  if (!status.ok()) return status;
  return ValidateText(request.reason(), "reason", 0, 500);
}

absl::Status ValidateShipmentEvent(const v1::RecordShipmentEventRequest& request,
                                   std::int64_t now_micros) {
  absl::Status status = absl::OkStatus();
  if (!request.request_id().empty()) status = ValidateRequestId(request.request_id(), "request_id");
  if (status.ok()) status = ValidateShipmentId(request.shipment_id(), "shipment_id");
  if (status.ok() && !request.warehouse_id().empty()) {
    status = ValidateEntityId(request.warehouse_id(), "warehouse_id");
  }
  if (!status.ok()) return status;
  if (request.type() == v1::SHIPMENT_EVENT_TYPE_UNSPECIFIED ||
      !v1::ShipmentEventType_IsValid(request.type())) {
    return InvalidField("type", "must be a shipment event type");
  }
  if (request.type() == v1::SHIPMENT_EVENT_TYPE_SHORT_PICKED) {
    return InvalidField("type", "a short pick is reported with ReportShortPick, not as an event");
  }
  if (!request.has_occurred_at()) return InvalidField("occurred_at", "is required");
  const auto& at = request.occurred_at();
  if (at.nanos() < 0 || at.nanos() > 999'999'999 || at.seconds() < kMinOccurredMicros / 1'000'000 ||
      at.seconds() > now_micros / 1'000'000 + kMaxFutureSkewMicros / 1'000'000) {
    return InvalidField("occurred_at", "must be a time between 2000 and an hour from now");
  }
  const std::int64_t occurred = TimeUtil::TimestampToMicroseconds(request.occurred_at());
  if (occurred < kMinOccurredMicros) return InvalidField("occurred_at", "is before 2000");
  if (occurred > now_micros + kMaxFutureSkewMicros) {
    return InvalidField("occurred_at", "is more than an hour in the future");
  }
  for (auto [value, name, max] :
       {std::tuple{&request.location(), "location", 200}, std::tuple{&request.note(), "note", 2000},
        std::tuple{&request.tracking_number(), "tracking_number", 100}}) {
    status = ValidateText(*value, name, 0, max, std::string(name) == "note");
    if (!status.ok()) return status;
  }
  if (!request.carrier_event_id().empty()) {
    status = ValidateRequestId(request.carrier_event_id(), "carrier_event_id");
    if (!status.ok()) return status;
  }
  if (request.has_proof()) return ValidateProof(request.proof(), request.shipment_id());
  return absl::OkStatus();
}

absl::Status ValidateCreateReturn(const v1::CreateReturnShipmentRequest& request) {
  absl::Status status = ValidateRequestId(request.request_id(), "request_id");
  if (status.ok()) status = ValidateEntityId(request.order_id(), "order_id");
  if (status.ok()) status = ValidateEntityId(request.return_id(), "return_id");
  if (status.ok()) status = ValidateUuid(request.warehouse_id(), "warehouse_id", "a warehouse id");
  if (!status.ok()) return status;
  if (!request.has_pickup_address()) return InvalidField("pickup_address", "is required");
  status = ValidateAddress(request.pickup_address(), "pickup_address");
  if (!status.ok()) return status;
  if (request.lines_size() < 1 || request.lines_size() > kMaxLines) {
    return InvalidField("lines", absl::StrCat("must hold 1 to ", kMaxLines, " lines"));
  }
  std::set<std::string> skus;
  for (int l = 0; l < request.lines_size(); ++l) {
    const std::string field = absl::StrCat("lines[", l, "]");
    status = ValidateSku(request.lines(l).sku(), field + ".sku");
    if (status.ok()) status = ValidateQuantity(request.lines(l).quantity(), field + ".quantity");
    if (!status.ok()) return status;
    if (!skus.insert(request.lines(l).sku()).second) {
      return InvalidField(field + ".sku", "appears twice");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateCreateReplacement(const v1::CreateReplacementShipmentRequest& request) {
  absl::Status status = ValidateRequestId(request.request_id(), "request_id");
  if (status.ok()) status = ValidateShipmentId(request.shipment_id(), "shipment_id");
  if (!status.ok()) return status;
  return ValidateText(request.reason(), "reason", 0, 500);
}

absl::Status ValidateReportShortPick(const v1::ReportShortPickRequest& request) {
  absl::Status status = ValidateRequestId(request.request_id(), "request_id");
  if (status.ok()) status = ValidateShipmentId(request.shipment_id(), "shipment_id");
  if (status.ok() && !request.warehouse_id().empty()) {
    status = ValidateEntityId(request.warehouse_id(), "warehouse_id");
  }
  if (!status.ok()) return status;
  if (request.missing_size() < 1 || request.missing_size() > kMaxShortPickLines) {
    return InvalidField("missing", absl::StrCat("must hold 1 to ", kMaxShortPickLines, " lines"));
  }
  std::set<std::string> skus;
  for (int l = 0; l < request.missing_size(); ++l) {
    const std::string field = absl::StrCat("missing[", l, "]");
    status = ValidateSku(request.missing(l).sku(), field + ".sku");
    if (status.ok()) status = ValidateQuantity(request.missing(l).quantity(), field + ".quantity");
    if (!status.ok()) return status;
    if (!skus.insert(request.missing(l).sku()).second) {
      return InvalidField(field + ".sku", "appears twice");
    }
  }
  // A warehouse's note, as an event's: it may run over several lines.
  return ValidateText(request.note(), "note", 0, kMaxShortPickNote, /*allow_newlines=*/true);
}

absl::Status ValidateEventCursor(std::int64_t after_sequence) {
  return after_sequence < 0 ? InvalidField("after_sequence", "must not be negative")
                            : absl::OkStatus();
}

absl::Status ValidateListEvents(const v1::ListEventsRequest& request) {
  if (absl::Status invalid = ValidateEventCursor(request.after_sequence()); !invalid.ok()) {
    return invalid;
  }
  return request.limit() < 0 ? InvalidField("limit", "must not be negative") : absl::OkStatus();
}

absl::StatusOr<PickQueueQuery> ReadPickQueueRequest(const v1::ListPickQueueRequest& request) {
  if (absl::Status invalid = ValidateEntityId(request.warehouse_id(), "warehouse_id");
      !invalid.ok()) {
    return invalid;
  }
  switch (request.status()) {
    case v1::SHIPMENT_STATUS_UNSPECIFIED:
    case v1::SHIPMENT_STATUS_PENDING:
    case v1::SHIPMENT_STATUS_PICKED:
    case v1::SHIPMENT_STATUS_PACKED:
      break;
    default:
      return InvalidField("status", "the pick queue holds PENDING, PICKED and PACKED shipments");
  }
  auto size = PageSize(request.page_size());
  if (!size.ok()) return size.status();
  auto after = DecodePageToken(request.page_token());
  if (!after.ok()) return after.status();
  PickQueueQuery query;
  query.warehouse_id = request.warehouse_id();
  query.status = request.status();
  query.limit = *size;
  auto key = ParseTimeIdPayload(*after);
  if (!key.ok()) return key.status();
  query.after_micros = key->micros;
  query.after_id = key->id;
  return query;
}

std::string PickQueueToken(const v1::Shipment& last) {
  return EncodePageToken(TimeIdPayload(
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(last.create_time()), last.id()));
}

}  // namespace oms::shipping
