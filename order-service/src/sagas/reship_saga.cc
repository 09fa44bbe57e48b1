// RESHIP, forward only: have shipping create the replacement of a parcel returned to sender. Its
// payload is the operator's request (ReshipShipment). The replacement then lives in the shipment
// feed like any shipment, without a SHIPMENT saga of its own: its goods were committed and paid
// for when the parcel first shipped.
#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"

namespace oms::order {
namespace {

void CreateReplacement(Participants& participants, const ClaimedSaga& saga,
                       const std::string& request_id, StepDone done) {
  participants.CreateReplacementShipment(
      request_id, saga.order, *PayloadAs<v1::ReshipShipmentRequest>(saga), std::move(done));
}

}  // namespace

SagaKindDef ReshipSagaKind() {
  SagaKindDef kind;
  kind.name = kReshipSagaKind;
  kind.steps = {{"create-replacement", CreateReplacement, nullptr}};
  kind.on_step_saved = [](ClaimedSaga& saga, const StepResult&, SagaWrites& writes) {
    FollowUpSaved(saga, writes);
  };
  return kind;
}

}  // namespace oms::order
