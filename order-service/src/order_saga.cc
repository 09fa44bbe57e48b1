#include "order-service/src/order_saga.h"

namespace oms::order {
namespace {

enum OrderStep { kReserve = 0, kAuthorize = 1, kShip = 2, kKeepReservation = 3 };
enum ShipmentStep { kCommitStock = 0, kCapturePayment = 1 };

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

const SagaSpec& SpecOf(SagaKind kind) {
  return kind == SagaKind::kShipment ? ShipmentSagaSpec() : OrderSagaSpec();
}

StepResult RunSagaStep(Participants& participants, const ClaimedSaga& saga, const NextCall& call,
                       const std::string& request_id) {
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
