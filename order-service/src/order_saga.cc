#include "order-service/src/order_saga.h"

namespace oms::order {
namespace {

enum Step { kReserve = 0, kAuthorize = 1, kShip = 2, kKeepReservation = 3 };

}  // namespace

const SagaSpec& OrderSagaSpec() {
  static const SagaSpec kSpec{{{"reserve", true},
                               {"authorize", true},
                               {"ship", true},
                               {"keep-reservation", false}},
                              kShip};
  return kSpec;
}

StepResult RunOrderStep(Participants& participants, const ClaimedSaga& saga, const NextCall& call,
                        const std::string& request_id) {
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
