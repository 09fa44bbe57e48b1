#include "order-service/src/returns.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::order {

std::map<std::string, std::map<std::string, int64_t>> DeliveredUnits(const v1::Order& order) {
  std::map<std::string, std::map<std::string, int64_t>> delivered;
  for (const auto& shipment : order.shipments()) {
    if (shipment.status() != "SHIPMENT_STATUS_DELIVERED") continue;
    for (const auto& group : order.allocation().groups()) {
      if (group.warehouse_id() != shipment.warehouse_id()) continue;
      for (const auto& line : group.lines()) {
        delivered[shipment.shipment_id()][line.sku()] += line.quantity();
      }
    }
  }
  return delivered;
}

absl::StatusOr<std::string> ReturnWarehouse(
    const v1::Order& order, const std::vector<v1::Return>& earlier,
    const google::protobuf::RepeatedPtrField<v1::ReturnLine>& lines) {
  std::map<std::string, int64_t> left;
  for (const auto& [shipment, skus] : DeliveredUnits(order)) {
    for (const auto& [sku, units] : skus) left[sku] += units;
  }
  for (const auto& previous : earlier) {
    for (const auto& line : previous.lines()) left[line.sku()] -= line.quantity();
  }
  for (int i = 0; i < lines.size(); ++i) {
    if (lines[i].quantity() > left[lines[i].sku()]) {
      return WithReason(absl::StatusCode::kFailedPrecondition, "RETURN_EXCEEDS_DELIVERED",
                        absl::StrCat("lines[", i, "].quantity: ", lines[i].sku(), " has ",
                                     std::max<int64_t>(left[lines[i].sku()], 0),
                                     " delivered units not yet returned"));
    }
    left[lines[i].sku()] -= lines[i].quantity();
  }
  for (const auto& shipment : order.shipments()) {
    auto delivered = DeliveredUnits(order);
    auto it = delivered.find(shipment.shipment_id());
    if (it != delivered.end() && it->second.count(lines[0].sku())) return shipment.warehouse_id();
  }
  return absl::InternalError("no delivered shipment carries the returned SKU");
}

namespace {

// Fills the delivered shipments in order with `units` (SKU -> units).
std::map<std::string, std::map<std::string, int64_t>> Spread(const v1::Order& order,
                                                             std::map<std::string, int64_t> units) {
  std::map<std::string, std::map<std::string, int64_t>> spread;
  const auto delivered = DeliveredUnits(order);
  for (const auto& shipment : order.shipments()) {
    auto it = delivered.find(shipment.shipment_id());
    if (it == delivered.end()) continue;
    for (const auto& [sku, carried] : it->second) {
      const int64_t take = std::min(carried, units[sku]);
      if (take <= 0) continue;
      spread[shipment.shipment_id()][sku] += take;
      units[sku] -= take;
    }
  }
  return spread;
}

}  // namespace

std::map<std::string, std::map<std::string, int64_t>> RefundsByShipment(
    const v1::Order& order, const std::vector<v1::Return>& earlier,
    const google::protobuf::RepeatedPtrField<v1::ReceivedLine>& received) {
  std::map<std::string, int64_t> before;
  for (const auto& ret : earlier) {
    for (const auto& line : ret.received()) before[line.sku()] += line.quantity();
  }
  std::map<std::string, int64_t> after = before;
  for (const auto& line : received) after[line.sku()] += line.quantity();
  // The same fill order for both, so the difference is exactly this return's share.
  auto refunds = Spread(order, after);
  for (const auto& [shipment, skus] : Spread(order, before)) {
    for (const auto& [sku, units] : skus) refunds[shipment][sku] -= units;
  }
  for (auto shipment = refunds.begin(); shipment != refunds.end();) {
    for (auto sku = shipment->second.begin(); sku != shipment->second.end();) {
      sku = sku->second > 0 ? std::next(sku) : shipment->second.erase(sku);
    }
    shipment = shipment->second.empty() ? refunds.erase(shipment) : std::next(shipment);
  }
  return refunds;
}

std::string ReturnStatus(const v1::Order& order, const std::vector<v1::Return>& returns) {
  int64_t delivered = 0, returned = 0;
  for (const auto& [shipment, skus] : DeliveredUnits(order)) {
    for (const auto& [sku, units] : skus) delivered += units;
  }
  for (const auto& ret : returns) {
    for (const auto& line : ret.received()) returned += line.quantity();
  }
  if (returned == 0) return "";
  return returned >= delivered ? "RETURNED" : "PARTIALLY_RETURNED";
}

}  // namespace oms::order
