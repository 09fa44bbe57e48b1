// RESHIP, forward only: have shipping create the replacement of a parcel returned to sender or
// lost. Its payload is the operator's request (ReshipShipment). The replacement then lives in the
// shipment feed like any shipment, without a SHIPMENT saga of its own: its goods were committed
// and paid for when the parcel first shipped, and nothing is charged again.
//  - A parcel RETURNED_TO_SENDER: its goods are back at its warehouse, and the replacement
//    carries them again; no stock moves.
//  - A parcel LOST: its goods are gone, so `take-units` first takes the replacement's units off
//    the shelf at that warehouse (one CORRECTION per SKU, refused when fewer are available: the
//    saga parks until an operator retries it with stock there). Then the replacement.
#include <utility>

#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"

namespace oms::order {
namespace {

const v1::ShipmentSummary* ParcelOf(const ClaimedSaga& saga) {
  return ListedShipment(saga.order, PayloadAs<v1::ReshipShipmentRequest>(saga)->shipment_id());
}

bool NotLost(const ClaimedSaga& saga) {
  const v1::ShipmentSummary* parcel = ParcelOf(saga);
  return parcel == nullptr || parcel->status() != "SHIPMENT_STATUS_LOST";
}

void TakeUnits(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
               StepDone done) {
  const v1::ShipmentSummary* parcel = ParcelOf(saga);
  if (parcel == nullptr) return done({});  // not lost: nothing to take (NotLost skips it)
  CallPerSkuOfParcel(
      saga.order, *parcel, request_id,
      [&participants, &saga](const std::string& sku_request_id, const v1::ShipmentSummary& shipment,
                             const std::string& sku, int64_t quantity, StepDone one) {
        participants.TakeReplacementUnits(sku_request_id, saga.order, shipment, sku, quantity,
                                          std::move(one));
      },
      std::move(done));
}

void CreateReplacement(Participants& participants, const ClaimedSaga& saga,
                       const std::string& request_id, StepDone done) {
  participants.CreateReplacementShipment(
      request_id, saga.order, *PayloadAs<v1::ReshipShipmentRequest>(saga), std::move(done));
}

}  // namespace

SagaKindDef ReshipSagaKind() {
  SagaKindDef kind;
  kind.name = kReshipSagaKind;
  kind.steps = {
      {"take-units", TakeUnits, nullptr, NotLost},
      {"create-replacement", CreateReplacement, nullptr},
  };
  kind.on_step_saved = [](ClaimedSaga& saga, const StepResult&, SagaWrites& writes) {
    FollowUpSaved(saga, writes);
  };
  return kind;
}

}  // namespace oms::order
