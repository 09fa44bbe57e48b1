// REFUND, forward only: an operator's other decision on a parcel returned to sender or lost (the
// first is RESHIP). A returned parcel's goods go back on hand at its warehouse, one restock per
// SKU (a lost parcel's are gone: nothing is restocked), and its invoice is refunded whole,
// shipping included: the parcel never reached the customer. Its payload is
// the operator's request (RefundShipment). Once it completes, the parcel no longer counts in the
// order's status (fulfilment.h): an order whose other parcels were delivered completes.
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"
#include "order-service/src/shipment_charges.h"

namespace oms::order {
namespace {

const v1::ShipmentSummary* ParcelOf(const ClaimedSaga& saga) {
  const std::string shipment_id = PayloadAs<v1::RefundShipmentRequest>(saga)->shipment_id();
  for (const auto& shipment : saga.order.shipments()) {
    if (shipment.shipment_id() == shipment_id) return &shipment;
  }
  return nullptr;
}

// Refused, never retried: the order does not list the parcel or cannot say what it carries.
StepResult NotOfOrder(const std::string& detail) {
  StepResult refused;
  refused.outcome = {CallResult::kRefused, "SHIPMENT_NOT_OF_ORDER"};
  refused.detail = detail;
  return refused;
}

void Restock(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
             StepDone done) {
  const v1::ShipmentSummary* parcel = ParcelOf(saga);
  if (parcel == nullptr) return done(NotOfOrder("the order does not list the parcel"));
  auto units = UnitsOfShipment(saga.order, *parcel);
  if (!units.ok()) return done(NotOfOrder(std::string(units.status().message())));
  auto skus =
      std::make_shared<std::vector<std::pair<std::string, int64_t>>>(units->begin(), units->end());
  auto shipment = std::make_shared<v1::ShipmentSummary>(*parcel);
  CallChain::Run(
      skus->size(),
      [&participants, &saga, request_id, skus, shipment](std::size_t i, StepDone one) {
        const auto& [sku, quantity] = (*skus)[i];
        participants.RestockParcel(request_id + ":" + sku, saga.order, *shipment, sku, quantity,
                                   std::move(one));
      },
      WentOk, FirstFailure(std::move(done)));
}

bool Lost(const ClaimedSaga& saga) {
  const v1::ShipmentSummary* parcel = ParcelOf(saga);
  return parcel != nullptr && parcel->status() == "SHIPMENT_STATUS_LOST";
}

void Refund(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
            StepDone done) {
  const v1::ShipmentSummary* parcel = ParcelOf(saga);
  if (parcel == nullptr) return done(NotOfOrder("the order does not list the parcel"));
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
