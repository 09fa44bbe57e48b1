// ORDER: reserve stock, authorize payment, keep the reservation alive until the goods ship,
// create shipments (the pivot). A failure up to the pivot compensates in reverse and
// rejects the order; its hooks are the only ones that set the order's lifecycle status.
#include "order-service/src/sagas/order_saga.h"

#include "order-service/src/sagas/registry.h"
#include "order-service/src/shipment_charges.h"

namespace oms::order {
namespace {

bool HoldsFromReserve(const ClaimedSaga& saga) { return saga.payload == kHoldFromReserve; }

void Reserve(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
             StepDone done) {
  participants.Reserve(request_id, saga.order, HoldsFromReserve(saga) ? kOrderHoldSeconds : 0,
                       std::move(done));
}

void Release(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
             StepDone done) {
  participants.ReleaseReservation(request_id, saga.order, std::move(done));
}

// The whole total, then (SHIP_AVAILABLE) the share of the units no warehouse had is voided at
// once: the captures add up to the rest. A failed void fails the step: retried, the authorization
// answers as before; refused, the compensation voids it all.
void Authorize(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
               StepDone done) {
  participants.Authorize(
      request_id, saga.order, saga.payment_token,
      [&participants, &saga, request_id, done = std::move(done)](StepResult authorized) mutable {
        const int64_t unfilled = UnfilledValue(saga.order);
        if (authorized.outcome.result != CallResult::kOk || unfilled == 0) {
          done(std::move(authorized));
          return;
        }
        participants.VoidShare(request_id + ":unfilled", saga.order, unfilled,
                               [authorized = std::move(authorized),
                                done = std::move(done)](StepResult voided) mutable {
                                 done(voided.outcome.result == CallResult::kOk
                                          ? std::move(authorized)
                                          : std::move(voided));
                               });
      });
}

void Void(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
          StepDone done) {
  participants.VoidPayment(request_id, saga.order, std::move(done));
}

// Every unit queued for stock (BACKORDER, none on the shelves) makes no group: shipping then
// only says whether it serves the destination (refused otherwise, before the order is
// confirmed), and each fill gets its own shipment later (BACKORDER sagas).
void Ship(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
          StepDone done) {
  participants.CreateShipments(request_id, saga.order, std::move(done));
}

void CancelShipping(Participants& participants, const ClaimedSaga& saga,
                    const std::string& request_id, StepDone done) {
  participants.CancelShipments(request_id, saga.order, [done = std::move(done)](StepResult result) {
    // A shipment of the order shipped: the create whose answer never came took effect,
    // and shipping cancelled nothing (all or none), so the order goes forward.
    if (result.outcome.result == CallResult::kRefused &&
        result.outcome.reason == "SHIPMENT_ALREADY_SHIPPED") {
      result.outcome.reason = kPivotTookEffect;
    }
    done(std::move(result));
  });
}

void KeepReservation(Participants& participants, const ClaimedSaga& saga,
                     const std::string& request_id, StepDone done) {
  participants.ExtendReservation(request_id, saga.order, std::move(done));
}

// The order's status follows the saga's phase; what a step learned is kept with the order.
void StepSaved(ClaimedSaga& saga, const StepResult& result, SagaWrites& writes) {
  v1::Order& order = saga.order;
  OrderProgress progress;
  progress.order_id = saga.order_id;
  if (const auto* reserved = std::get_if<Reserved>(&result.output)) {
    *order.mutable_allocation() = reserved->allocation;
    progress.allocation = &order.allocation();
  } else if (const auto* authorized = std::get_if<Authorized>(&result.output)) {
    order.mutable_payment()->set_payment_id(authorized->payment_id);
    progress.payment_id = authorized->payment_id;
  } else if (const auto* created = std::get_if<ShipmentsCreated>(&result.output)) {
    order.clear_shipments();
    for (const auto& shipment : created->shipments) *order.add_shipments() = shipment;
    progress.shipments = &order.shipments();
  }
  order.set_status(OrderStatusOf(saga.state.phase));
  progress.status = order.status();
  if (saga.state.phase == SagaPhase::kCompensated) {
    progress.rejection_reason = RejectionReasonOf(saga.state.failure_reason);
  }
  writes.RecordOrderProgress(progress);
  if (saga.state.phase == SagaPhase::kNeedsAttention) writes.FlagOrderAttention(saga.order_id);
}

void Finished(const ClaimedSaga& saga, SagaListener& listener) {
  listener.OrderSettled(saga.order_id, saga.state.phase);
}

}  // namespace

v1::OrderStatus OrderStatusOf(SagaPhase phase) {
  switch (phase) {
    case SagaPhase::kCompleted:
      return v1::ORDER_STATUS_CONFIRMED;
    case SagaPhase::kCompensated:
      return v1::ORDER_STATUS_REJECTED;
    case SagaPhase::kNeedsAttention:
      return v1::ORDER_STATUS_NEEDS_ATTENTION;
    case SagaPhase::kRunning:
    case SagaPhase::kCompensating:
      return v1::ORDER_STATUS_PENDING;
  }
  return v1::ORDER_STATUS_PENDING;
}

std::string RejectionReasonOf(const std::string& failure_reason) {
  for (const char* known : {"INSUFFICIENT_STOCK", "PAYMENT_DECLINED", "DESTINATION_NOT_SERVED"}) {
    if (failure_reason == known) return failure_reason;
  }
  return kDependencyUnavailable;
}

SagaKindDef OrderSagaKind() {
  SagaKindDef kind;
  kind.name = kOrderSagaKind;
  kind.steps = {
      {"reserve", Reserve, Release},
      {"authorize", Authorize, Void},
      // Before the pivot: once shipments exist, the hold must outlive any outage of inventory.
      // Done already by a reserve that took the order's hold (kHoldFromReserve).
      {"keep-reservation", KeepReservation, nullptr, HoldsFromReserve},
      {"ship", Ship, CancelShipping},
  };
  kind.pivot = "ship";
  kind.on_step_saved = StepSaved;
  kind.on_finished = Finished;
  return kind;
}

}  // namespace oms::order
