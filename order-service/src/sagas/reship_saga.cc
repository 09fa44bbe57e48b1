// RESHIP, forward only: have shipping create the replacement of a parcel returned to sender or
// lost. Its payload is the operator's request (ReshipShipment). The replacement then lives in the
// shipment feed like any shipment, without a SHIPMENT saga of its own: its goods were committed
// and paid for when the parcel first shipped, and nothing is charged again.
//  - A parcel RETURNED_TO_SENDER: its goods are back at its warehouse, and the replacement
//    carries them again; no stock moves.
//  - A parcel LOST: its goods are gone, so `take-units` first takes the replacement's units off
//    the shelf at that warehouse (one CORRECTION per SKU, refused when fewer are available: the
//    saga parks until an operator retries it with stock there). Then the replacement.
#include <memory>
#include <utility>
#include <vector>

#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"
#include "order-service/src/shipment_charges.h"

namespace oms::order {
namespace {

const v1::ShipmentSummary* ParcelOf(const ClaimedSaga& saga) {
  const std::string shipment_id = PayloadAs<v1::ReshipShipmentRequest>(saga)->shipment_id();
  for (const auto& shipment : saga.order.shipments()) {
    if (shipment.shipment_id() == shipment_id) return &shipment;
  }
  return nullptr;
}

bool NotLost(const ClaimedSaga& saga) {
  const v1::ShipmentSummary* parcel = ParcelOf(saga);
  return parcel == nullptr || parcel->status() != "SHIPMENT_STATUS_LOST";
}

void TakeUnits(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
               StepDone done) {
  const v1::ShipmentSummary* parcel = ParcelOf(saga);
  if (parcel == nullptr) return done({});  // not lost: nothing to take (NotLost skips it)
  auto units = UnitsOfShipment(saga.order, *parcel);
  if (!units.ok()) {
    StepResult refused;
    refused.outcome = {CallResult::kRefused, "SHIPMENT_NOT_OF_ORDER"};
    refused.detail = std::string(units.status().message());
    return done(std::move(refused));
  }
  auto skus =
      std::make_shared<std::vector<std::pair<std::string, int64_t>>>(units->begin(), units->end());
  auto shipment = std::make_shared<v1::ShipmentSummary>(*parcel);
  CallChain::Run(
      skus->size(),
      [&participants, &saga, request_id, skus, shipment](std::size_t i, StepDone one) {
        const auto& [sku, quantity] = (*skus)[i];
        participants.TakeReplacementUnits(request_id + ":" + sku, saga.order, *shipment, sku,
                                          quantity, std::move(one));
      },
      WentOk, FirstFailure(std::move(done)));
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
