// REFUND, forward only: an operator's other decision on a parcel returned to sender or lost (the
// first is RESHIP). A returned parcel's goods go back on hand at its warehouse, one restock per
// SKU (a lost parcel's are gone: nothing is restocked), and its invoice is refunded whole,
// shipping included: the parcel never reached the customer. Its payload is
// the operator's request (RefundShipment). Once it completes, the parcel no longer counts in the
// order's status (fulfilment.h): an order whose other parcels were delivered completes.
#include <utility>

#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"

namespace oms::order {
namespace {

const v1::ShipmentSummary* ParcelOf(const ClaimedSaga& saga) {
  return ListedShipment(saga.order, PayloadAs<v1::RefundShipmentRequest>(saga)->shipment_id());
}

// Refused, never retried: the order does not list the parcel.
StepResult NotOfOrder() {
  StepResult refused;
  refused.outcome = {CallResult::kRefused, "SHIPMENT_NOT_OF_ORDER"};
  refused.detail = "the order does not list the parcel";
  return refused;
}

void Restock(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
             StepDone done) {
  const v1::ShipmentSummary* parcel = ParcelOf(saga);
  if (parcel == nullptr) return done(NotOfOrder());
  CallPerSkuOfParcel(
      saga.order, *parcel, request_id,
      [&participants, &saga](const std::string& sku_request_id, const v1::ShipmentSummary& shipment,
                             const std::string& sku, int64_t quantity, StepDone one) {
        participants.RestockParcel(sku_request_id, saga.order, shipment, sku, quantity,
                                   std::move(one));
      },
      std::move(done));
}

bool Lost(const ClaimedSaga& saga) {
  const v1::ShipmentSummary* parcel = ParcelOf(saga);
  return parcel != nullptr && parcel->status() == "SHIPMENT_STATUS_LOST";
}

void Refund(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
            StepDone done) {
  const v1::ShipmentSummary* parcel = ParcelOf(saga);
  if (parcel == nullptr) return done(NotOfOrder());
  participants.RefundParcel(request_id, saga.order, *parcel, std::move(done));
}

void StepSaved(ClaimedSaga& saga, const StepResult&, SagaWrites& writes) {
  if (saga.state.phase == SagaPhase::kCompleted) {
    writes.MarkParcelRefunded(saga.order_id,
                              PayloadAs<v1::RefundShipmentRequest>(saga)->shipment_id());
  }
  FollowUpSaved(saga, writes);
}

}  // namespace

SagaKindDef RefundSagaKind() {
  SagaKindDef kind;
  kind.name = kRefundSagaKind;
  kind.steps = {
      {"restock", Restock, nullptr, Lost},
      {"refund", Refund, nullptr},
  };
  kind.on_step_saved = StepSaved;
  return kind;
}

}  // namespace oms::order
