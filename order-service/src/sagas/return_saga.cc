// RETURN, forward only: create the return shipment the goods travel back on. Its payload is the
// return as requested; the return shipment's id is kept with the return.
#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"

namespace oms::order {
namespace {

void CreateReturnShipment(Participants& participants, const ClaimedSaga& saga,
                          const std::string& request_id, StepDone done) {
  participants.CreateReturnShipment(request_id, saga.order, *PayloadAs<v1::Return>(saga),
                                    std::move(done));
}

void StepSaved(ClaimedSaga& saga, const StepResult& result, SagaWrites& writes) {
  if (const auto* created = std::get_if<ReturnShipmentCreated>(&result.output)) {
    writes.UpdateReturn(created->ret);
    saga.payload = created->ret.SerializeAsString();
  }
  FollowUpSaved(saga, writes);
}

}  // namespace

SagaKindDef ReturnSagaKind() {
  SagaKindDef kind;
  kind.name = kReturnSagaKind;
  kind.steps = {{"create-return-shipment", CreateReturnShipment, nullptr}};
  kind.on_step_saved = StepSaved;
  return kind;
}

}  // namespace oms::order
