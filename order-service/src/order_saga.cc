#include "order-service/src/order_saga.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace oms::order {
namespace {

enum OrderStep { kReserve = 0, kAuthorize = 1, kShip = 2, kKeepReservation = 3 };
enum ShipmentStep { kCommitStock = 0, kCapturePayment = 1 };
enum CancelStep { kCancelShipments = 0, kReleaseHolds = 1, kVoidShare = 2 };
enum ReceiveStep { kRestock = 0, kRefund = 1 };

// Runs `count` participant calls one after another. After each, `go_on(i, result)` says whether
// to make the next; `finish` gets the result that stopped the run, or none when every call went on.
class Sequence : public std::enable_shared_from_this<Sequence> {
 public:
  using CallOne = std::function<void(std::size_t, StepDone)>;
  using GoOn = std::function<bool(std::size_t, const StepResult&)>;
  using Finish = std::function<void(std::optional<StepResult>)>;

  static void Run(std::size_t count, CallOne call, GoOn go_on, Finish finish) {
    std::shared_ptr<Sequence> sequence(
        new Sequence(count, std::move(call), std::move(go_on), std::move(finish)));
    sequence->Next(0);
  }

 private:
  Sequence(std::size_t count, CallOne call, GoOn go_on, Finish finish)
      : count_(count),
        call_(std::move(call)),
        go_on_(std::move(go_on)),
        finish_(std::move(finish)) {}

  void Next(std::size_t i) {
    if (i == count_) {
      finish_(std::nullopt);
      return;
    }
    call_(i, [self = shared_from_this(), i](StepResult result) {
      if (!self->go_on_(i, result)) {
        self->finish_(std::move(result));
        return;
      }
      self->Next(i + 1);
    });
  }

  const std::size_t count_;
  const CallOne call_;
  const GoOn go_on_;
  const Finish finish_;
};

bool IsOk(std::size_t, const StepResult& result) {
  return result.outcome.result == CallResult::kOk;
}

// The first failure, or success once every call succeeded.
Sequence::Finish FirstFailure(StepDone done) {
  return [done = std::move(done)](std::optional<StepResult> stopped) {
    done(stopped ? std::move(*stopped) : StepResult{});
  };
}

// Each SKU once: its resellable units back on hand, the others recorded as damaged.
void RestockReceived(Participants& participants, const ClaimedSaga& saga,
                     const std::string& request_id, StepDone done) {
  std::map<std::string, std::pair<int64_t, int64_t>> by_sku;  // resellable, damaged
  for (const auto& line : saga.ret.received()) {
    auto& units = by_sku[line.sku()];
    (line.resellable() ? units.first : units.second) += line.quantity();
  }
  auto skus = std::make_shared<std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>>>(
      by_sku.begin(), by_sku.end());
  Sequence::Run(
      skus->size(),
      [&participants, &saga, request_id, skus](std::size_t i, StepDone one) {
        const auto& [sku, units] = (*skus)[i];
        participants.Restock(request_id + ":" + sku, saga.ret, sku, units.first, units.second,
                             std::move(one));
      },
      IsOk, FirstFailure(std::move(done)));
}

// One refund per shipment invoice the received units were delivered on.
void RefundReceived(Participants& participants, const ClaimedSaga& saga,
                    const std::string& request_id, StepDone done) {
  Sequence::Run(
      saga.ret.refunds_size(),
      [&participants, &saga, request_id](std::size_t i, StepDone one) {
        const auto& share = saga.ret.refunds(static_cast<int>(i));
        participants.Refund(request_id + ":" + share.shipment_id(), saga.ret, share,
                            std::move(one));
      },
      IsOk, FirstFailure(std::move(done)));
}

// Cancels each candidate not cancelled yet; one that shipped meanwhile is refused and stays.
void CancelShipments(Participants& participants, const ClaimedSaga& saga,
                     const std::string& request_id, StepDone done) {
  auto plan = std::make_shared<v1::CancelPlan>(saga.plan);
  std::set<std::string> cancelled(plan->cancelled_shipment_ids().begin(),
                                  plan->cancelled_shipment_ids().end());
  auto open = std::make_shared<std::vector<std::string>>();
  for (const auto& candidate : plan->candidates()) {
    if (!cancelled.count(candidate.shipment_id())) open->push_back(candidate.shipment_id());
  }
  Sequence::Run(
      open->size(),
      [&participants, request_id, open](std::size_t i, StepDone one) {
        participants.CancelShipment(request_id + ":" + (*open)[i], (*open)[i], std::move(one));
      },
      [plan, open](std::size_t i, const StepResult& result) {
        if (result.outcome.result == CallResult::kTransient) return false;
        if (result.outcome.result == CallResult::kOk) plan->add_cancelled_shipment_ids((*open)[i]);
        return true;
      },
      [plan, done = std::move(done)](std::optional<StepResult> stopped) {
        if (stopped) {
          done(std::move(*stopped));
          return;
        }
        StepResult result;
        result.plan = std::move(*plan);
        done(std::move(result));
      });
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

void ReleaseHolds(Participants& participants, const ClaimedSaga& saga,
                  const std::string& request_id, StepDone done) {
  auto warehouses = std::make_shared<std::vector<std::string>>(CancelledWarehouses(saga));
  Sequence::Run(
      warehouses->size(),
      [&participants, &saga, request_id, warehouses](std::size_t i, StepDone one) {
        participants.ReleaseWarehouse(request_id + ":" + (*warehouses)[i], saga.order,
                                      (*warehouses)[i], std::move(one));
      },
      IsOk, FirstFailure(std::move(done)));
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

void VoidShare(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
               StepDone done) {
  const std::vector<std::string> warehouses = CancelledWarehouses(saga);
  if (warehouses.empty()) {
    done({});
    return;
  }
  const bool everything = static_cast<int>(warehouses.size()) == saga.order.shipments_size();
  // Everything cancelled: void all that is uncaptured (none was). Else exactly their share.
  participants.VoidShare(request_id, saga.order, everything ? 0 : CancelledValue(saga, warehouses),
                         [everything, done = std::move(done)](StepResult result) {
                           if (result.outcome.result == CallResult::kOk && everything) {
                             result.order_status = "CANCELLED";
                           }
                           done(std::move(result));
                         });
}

}  // namespace

const SagaSpec& OrderSagaSpec() {
  static const SagaSpec kSpec{
      {{"reserve", true}, {"authorize", true}, {"ship", true}, {"keep-reservation", false}}, kShip};
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
    case SagaKind::kShipment:
      return ShipmentSagaSpec();
    case SagaKind::kCancel:
      return CancelSagaSpec();
    case SagaKind::kReturn:
      return ReturnSagaSpec();
    case SagaKind::kReceive:
      return ReceiveSagaSpec();
    default:
      return OrderSagaSpec();
  }
}

void RunSagaStep(Participants& participants, const ClaimedSaga& saga, const NextCall& call,
                 const std::string& request_id, StepDone done) {
  if (saga.kind == SagaKind::kReturn) {
    participants.CreateReturnShipment(request_id, saga.order, saga.ret, std::move(done));
    return;
  }
  if (saga.kind == SagaKind::kReceive) {
    switch (call.step) {
      case kRestock:
        return RestockReceived(participants, saga, request_id, std::move(done));
      case kRefund:
        return RefundReceived(participants, saga, request_id, std::move(done));
      default:
        return participants.RecordReceived(request_id, saga.ret, std::move(done));
    }
  }
  if (saga.kind == SagaKind::kCancel) {
    switch (call.step) {
      case kCancelShipments:
        return CancelShipments(participants, saga, request_id, std::move(done));
      case kReleaseHolds:
        return ReleaseHolds(participants, saga, request_id, std::move(done));
      default:
        return VoidShare(participants, saga, request_id, std::move(done));
    }
  }
  if (saga.kind == SagaKind::kShipment) {
    if (call.step == kCommitStock) {
      return participants.CommitShipment(request_id, saga.order, saga.event, std::move(done));
    }
    return participants.CaptureShipment(request_id, saga.order, saga.event, std::move(done));
  }
  const bool forward = call.kind == NextCall::kForward;
  switch (call.step) {
    case kReserve:
      if (forward) return participants.Reserve(request_id, saga.order, std::move(done));
      return participants.ReleaseReservation(request_id, saga.order, std::move(done));
    case kAuthorize:
      if (forward) {
        return participants.Authorize(request_id, saga.order, saga.payment_token, std::move(done));
      }
      return participants.VoidPayment(request_id, saga.order, std::move(done));
    case kShip:
      if (forward) return participants.CreateShipments(request_id, saga.order, std::move(done));
      return participants.CancelShipments(request_id, saga.order, std::move(done));
    default:
      return participants.ExtendReservation(request_id, saga.order, std::move(done));
  }
}

}  // namespace oms::order
