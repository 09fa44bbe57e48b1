// SHIPMENT, one per shipped shipment, forward only: commit its reserved stock, then capture its
// share of the payment (billing invoices it). Its payload is the SHIPMENT_SHIPPED event.
#include "oms/shipping/v1/shipping.pb.h"
#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"

namespace oms::order {
namespace {

using shipping::v1::OutboxEvent;

void CommitStock(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
                 StepDone done) {
  participants.CommitShipment(request_id, saga.order, *PayloadAs<OutboxEvent>(saga),
                              std::move(done));
}

void CapturePayment(Participants& participants, const ClaimedSaga& saga,
                    const std::string& request_id, StepDone done) {
  participants.CaptureShipment(request_id, saga.order, *PayloadAs<OutboxEvent>(saga),
                               std::move(done));
}

void StepSaved(ClaimedSaga& saga, const StepResult&, SagaWrites& writes) {
  FollowUpSaved(saga, writes);
}

}  // namespace

SagaKindDef ShipmentSagaKind() {
  SagaKindDef kind;
  kind.name = kShipmentSagaKind;
  kind.steps = {
      {"commit-stock", CommitStock, nullptr},
      {"capture-payment", CapturePayment, nullptr},
  };
  kind.on_step_saved = StepSaved;
  return kind;
}

}  // namespace oms::order
