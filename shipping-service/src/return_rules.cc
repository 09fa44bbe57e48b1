#include "shipping-service/src/return_rules.h"

#include <algorithm>
#include <cstdint>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::shipping {
namespace {

struct Returnable {
  std::int64_t quantity = 0;
  std::int64_t unit_weight_grams = 0;
};

}  // namespace

absl::StatusOr<google::protobuf::RepeatedPtrField<v1::ShipmentLine>> ReturnLines(
    const std::vector<OrderLine>& order_lines,
    const google::protobuf::RepeatedPtrField<v1::ReturnLine>& wanted) {
  std::map<std::string, Returnable> returnable;  // by SKU
  for (const OrderLine& order_line : order_lines) {
    const v1::ShipmentLine& line = order_line.line;
    if (order_line.kind == v1::SHIPMENT_KIND_OUTBOUND &&
        order_line.status == v1::SHIPMENT_STATUS_DELIVERED) {
      Returnable& left = returnable[line.sku()];
      left.quantity += line.quantity();
      left.unit_weight_grams = std::max(left.unit_weight_grams, line.unit_weight_grams());
    } else if (order_line.kind == v1::SHIPMENT_KIND_RETURN &&
               order_line.status != v1::SHIPMENT_STATUS_CANCELLED) {
      returnable[line.sku()].quantity -= line.quantity();
    }
  }
  google::protobuf::RepeatedPtrField<v1::ShipmentLine> lines;
  for (const v1::ReturnLine& asked : wanted) {
    const auto it = returnable.find(asked.sku());
    const Returnable left = it == returnable.end() ? Returnable{} : it->second;
    if (asked.quantity() > left.quantity) {
      return WithReason(absl::StatusCode::kFailedPrecondition, "RETURN_EXCEEDS_DELIVERED",
                        absl::StrCat("lines: ", asked.quantity(), " x ", asked.sku(), " asked, ",
                                     left.quantity, " delivered and not yet returned"));
    }
    v1::ShipmentLine* line = lines.Add();
    line->set_sku(asked.sku());
    line->set_quantity(asked.quantity());
    line->set_unit_weight_grams(left.unit_weight_grams);
  }
  return lines;
}

absl::Status ReturnAllowed(const std::string& return_id, bool return_exists) {
  if (return_exists) {
    return WithReason(
        absl::StatusCode::kAlreadyExists, "RETURN_EXISTS",
        absl::StrCat("return_id: return ", return_id, " already has a return shipment"));
  }
  return absl::OkStatus();
}

}  // namespace oms::shipping
