#include "order-service/src/returns.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "order-service/src/order_status.h"
#include "order-service/src/shipment_charges.h"

namespace oms::order {

std::map<std::string, std::map<std::string, int64_t>> DeliveredUnits(const v1::Order& order) {
  std::map<std::string, std::map<std::string, int64_t>> delivered;
  for (const auto& shipment : order.shipments()) {
    if (shipment.status() != "SHIPMENT_STATUS_DELIVERED") continue;
    // A replacement carries again the goods of the parcel it replaces.
    const v1::ShipmentSummary* carrier = &shipment;
    for (const auto& replaced : order.shipments()) {
      if (replaced.shipment_id() == shipment.replaces_shipment_id()) carrier = &replaced;
    }
    auto units = UnitsOfShipment(order, *carrier);
    if (!units.ok()) continue;  // a shipment the order cannot account for returns nothing
    for (const auto& [sku, quantity] : *units) delivered[shipment.shipment_id()][sku] += quantity;
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

absl::Status CheckReturnable(const v1::Order& order) {
  switch (order.status()) {
    case v1::ORDER_STATUS_PARTIALLY_DELIVERED:
    case v1::ORDER_STATUS_DELIVERED:
    case v1::ORDER_STATUS_COMPLETED:
      return absl::OkStatus();
    default:
      return WithReason(absl::StatusCode::kFailedPrecondition, "ORDER_NOT_DELIVERED",
                        absl::StrCat("order ", order.id(), " is ", StatusName(order.status()),
                                     ": only delivered lines can be returned"));
  }
}

absl::StatusOr<v1::Return> NewReturn(const v1::Order& order, const std::vector<v1::Return>& earlier,
                                     const v1::CreateReturnRequest& request) {
  auto warehouse = ReturnWarehouse(order, earlier, request.lines());
  if (!warehouse.ok()) return warehouse.status();
  v1::Return ret;
  ret.set_order_id(order.id());
  ret.set_status(v1::RETURN_STATUS_REQUESTED);
  *ret.mutable_lines() = request.lines();
  ret.set_reason(request.reason());
  ret.set_warehouse_id(*warehouse);
  return ret;
}

absl::Status CheckReceipt(const v1::Return& ret,
                          const google::protobuf::RepeatedPtrField<v1::ReceivedLine>& lines) {
  if (ret.return_shipment_id().empty()) {
    return WithReason(absl::StatusCode::kAborted, "RETURN_SHIPMENT_PENDING",
                      "the return shipment is still being created; retry shortly");
  }
  std::map<std::string, int64_t> left;
  for (const auto& line : ret.lines()) left[line.sku()] += line.quantity();
  for (int i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i];
    if (line.quantity() > left[line.sku()]) {
      return WithReason(
          absl::StatusCode::kFailedPrecondition, "RECEIPT_EXCEEDS_RETURN",
          absl::StrCat("lines[", i, "].quantity: more ", line.sku(), " than the return announced"));
    }
    left[line.sku()] -= line.quantity();
  }
  return absl::OkStatus();
}

v1::Return ReceivedReturn(const v1::Return& ret, const v1::Order& order,
                          const std::vector<v1::Return>& returns,
                          const v1::ReceiveReturnRequest& request,
                          const google::protobuf::Timestamp& receive_time) {
  std::vector<v1::Return> earlier;
  for (const auto& other : returns) {
    if (other.id() != ret.id()) earlier.push_back(other);
  }
  v1::Return received = ret;
  for (const auto& [shipment, skus] : RefundsByShipment(order, earlier, request.lines())) {
    auto* share = received.add_refunds();
    share->set_shipment_id(shipment);
    for (const auto& [sku, units] : skus) {
      auto* line = share->add_lines();
      line->set_sku(sku);
      line->set_quantity(units);
    }
  }
  *received.mutable_received() = request.lines();
  received.set_warehouse_id(request.warehouse_id());
  received.set_status(v1::RETURN_STATUS_RECEIVED);
  *received.mutable_receive_time() = receive_time;
  return received;
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
