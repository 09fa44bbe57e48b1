#include "order-service/src/order_saga.h"

#include <algorithm>
#include <map>
#include <set>

namespace oms::order {
namespace {

enum OrderStep { kReserve = 0, kAuthorize = 1, kShip = 2, kKeepReservation = 3 };
enum ShipmentStep { kCommitStock = 0, kCapturePayment = 1 };
enum CancelStep { kCancelShipments = 0, kReleaseHolds = 1, kVoidShare = 2 };
enum ReceiveStep { kRestock = 0, kRefund = 1 };

// Each SKU once: its resellable units back on hand, the others recorded as damaged.
StepResult RestockReceived(Participants& participants, const ClaimedSaga& saga,
                           const std::string& request_id) {
  std::map<std::string, std::pair<int64_t, int64_t>> by_sku;  // resellable, damaged
  for (const auto& line : saga.ret.received()) {
    auto& units = by_sku[line.sku()];
    (line.resellable() ? units.first : units.second) += line.quantity();
  }
  for (const auto& [sku, units] : by_sku) {
    StepResult result = participants.Restock(request_id + ":" + sku, saga.ret, sku, units.first,
                                             units.second);
    if (result.outcome.result != CallResult::kOk) return result;
  }
  return {};
}

// One refund per shipment invoice the received units were delivered on.
StepResult RefundReceived(Participants& participants, const ClaimedSaga& saga,
                          const std::string& request_id) {
  for (const auto& share : saga.ret.refunds()) {
    StepResult result = participants.Refund(request_id + ":" + share.shipment_id(), saga.ret, share);
    if (result.outcome.result != CallResult::kOk) return result;
  }
  return {};
}

// Cancels each candidate not cancelled yet; one that shipped meanwhile is refused and stays.
StepResult CancelShipments(Participants& participants, const ClaimedSaga& saga,
                           const std::string& request_id) {
  v1::CancelPlan plan = saga.plan;
  std::set<std::string> cancelled(plan.cancelled_shipment_ids().begin(),
                                  plan.cancelled_shipment_ids().end());
  for (const auto& candidate : plan.candidates()) {
    if (cancelled.count(candidate.shipment_id())) continue;
    StepResult result =
        participants.CancelShipment(request_id + ":" + candidate.shipment_id(),
                                    candidate.shipment_id());
    if (result.outcome.result == CallResult::kTransient) return result;
    if (result.outcome.result == CallResult::kOk) {
      plan.add_cancelled_shipment_ids(candidate.shipment_id());
    }
  }
  StepResult done;
  done.plan = std::move(plan);
  return done;
}

std::vector<std::string> CancelledWarehouses(const ClaimedSaga& saga) {
  std::set<std::string> cancelled(saga.plan.cancelled_shipment_ids().begin(),
                                  saga.plan.cancelled_shipment_ids().end());
  std::vector<std::string> warehouses;
  for (const auto& candidate : saga.plan.candidates()) {
    if (cancelled.count(candidate.shipment_id())) warehouses.push_back(candidate.warehouse_id());
  }
  return warehouses;
}

StepResult ReleaseHolds(Participants& participants, const ClaimedSaga& saga,
                        const std::string& request_id) {
  for (const auto& warehouse_id : CancelledWarehouses(saga)) {
    StepResult result =
        participants.ReleaseWarehouse(request_id + ":" + warehouse_id, saga.order, warehouse_id);
    if (result.outcome.result != CallResult::kOk) return result;
  }
  return {};
}

// The value, tax included, of the lines the cancelled warehouses were to ship.
int64_t CancelledValue(const ClaimedSaga& saga, const std::vector<std::string>& warehouses) {
  std::map<std::string, int64_t> unit_total;
  for (const auto& line : saga.order.lines()) {
    unit_total[line.sku()] = line.unit_price().amount_minor() + line.unit_tax().amount_minor();
  }
  int64_t value = 0;
  for (const auto& group : saga.order.allocation().groups()) {
    if (std::find(warehouses.begin(), warehouses.end(), group.warehouse_id()) == warehouses.end()) {
      continue;
    }
    for (const auto& line : group.lines()) value += line.quantity() * unit_total[line.sku()];
  }
  return value;
}

StepResult VoidShare(Participants& participants, const ClaimedSaga& saga,
                     const std::string& request_id) {
  const std::vector<std::string> warehouses = CancelledWarehouses(saga);
  if (warehouses.empty()) return {};
  const bool everything = static_cast<int>(warehouses.size()) == saga.order.shipments_size();
  // Everything cancelled: void all that is uncaptured (none was). Else exactly their share.
  StepResult result = participants.VoidShare(request_id, saga.order,
                                             everything ? 0 : CancelledValue(saga, warehouses));
  if (result.outcome.result == CallResult::kOk && everything) result.order_status = "CANCELLED";
  return result;
}

}  // namespace

const SagaSpec& OrderSagaSpec() {
  static const SagaSpec kSpec{{{"reserve", true},
                               {"authorize", true},
                               {"ship", true},
                               {"keep-reservation", false}},
                              kShip};
  return kSpec;
}

const SagaSpec& ShipmentSagaSpec() {
  // Pivot -1: every step lies after the pivot, so each is retried until it succeeds.
  static const SagaSpec kSpec{{{"commit-stock", false}, {"capture-payment", false}}, -1};
  return kSpec;
}

const SagaSpec& CancelSagaSpec() {
  static const SagaSpec kSpec{
      {{"cancel-shipments", false}, {"release-holds", false}, {"void-share", false}}, -1};
  return kSpec;
}

const SagaSpec& ReturnSagaSpec() {
  static const SagaSpec kSpec{{{"create-return-shipment", false}}, -1};
  return kSpec;
}

const SagaSpec& ReceiveSagaSpec() {
  static const SagaSpec kSpec{{{"restock", false}, {"refund", false}, {"record-received", false}},
                              -1};
  return kSpec;
}

const SagaSpec& SpecOf(SagaKind kind) {
  switch (kind) {
    case SagaKind::kShipment: return ShipmentSagaSpec();
    case SagaKind::kCancel: return CancelSagaSpec();
    case SagaKind::kReturn: return ReturnSagaSpec();
    case SagaKind::kReceive: return ReceiveSagaSpec();
    default: return OrderSagaSpec();
  }
}

StepResult RunSagaStep(Participants& participants, const ClaimedSaga& saga, const NextCall& call,
                       const std::string& request_id) {
  if (saga.kind == SagaKind::kReturn) {
    return participants.CreateReturnShipment(request_id, saga.order, saga.ret);
  }
  if (saga.kind == SagaKind::kReceive) {
    switch (call.step) {
      case kRestock: return RestockReceived(participants, saga, request_id);
      case kRefund: return RefundReceived(participants, saga, request_id);
      default: return participants.RecordReceived(request_id, saga.ret);
    }
  }
  if (saga.kind == SagaKind::kCancel) {
    switch (call.step) {
      case kCancelShipments: return CancelShipments(participants, saga, request_id);
      case kReleaseHolds: return ReleaseHolds(participants, saga, request_id);
      default: return VoidShare(participants, saga, request_id);
    }
  }
  if (saga.kind == SagaKind::kShipment) {
    return call.step == kCommitStock
               ? participants.CommitShipment(request_id, saga.order, saga.event)
               : participants.CaptureShipment(request_id, saga.order, saga.event);
  }
  const bool forward = call.kind == NextCall::kForward;
  switch (call.step) {
    case kReserve:
      return forward ? participants.Reserve(request_id, saga.order)
                     : participants.ReleaseReservation(request_id, saga.order);
    case kAuthorize:
      return forward ? participants.Authorize(request_id, saga.order, saga.payment_token)
                     : participants.VoidPayment(request_id, saga.order);
    case kShip:
      return forward ? participants.CreateShipments(request_id, saga.order)
                     : participants.CancelShipments(request_id, saga.order);
    default:
      return participants.ExtendReservation(request_id, saga.order);
  }
}

}  // namespace oms::order
