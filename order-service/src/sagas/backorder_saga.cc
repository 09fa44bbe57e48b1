// BACKORDER, one per fill of the order's queued units (inventory's BackorderFill: a receipt held
// them for the order at one warehouse), forward only: the order's hold is renewed, then shipping
// creates the shipment of those units (backorder_fill_sequence), which ships and captures as any
// other (SHIPMENT sagas; what it bills follows from the order's fills, shipment_charges.h). Its
// payload is the fill. Started once the order is confirmed. The fill's units are released instead
// when nobody will ship them: the order is cancelled, or its backorders were cancelled before the
// fill was taken in (the cancellation voided those units; the fill is then not among the order's
// fills).
#include <algorithm>

#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"

namespace oms::order {
namespace {

v1::ShipmentSummary ShipmentOfFill(const inventory::v1::BackorderFill& fill) {
  v1::ShipmentSummary shipment;
  shipment.set_warehouse_id(fill.warehouse_id());
  shipment.set_backorder_fill_sequence(fill.sequence());
  *shipment.mutable_lines() = fill.lines();
  return shipment;
}

// Nobody will ship the fill: the order is cancelled, or the fill is not among its fills.
bool Unwanted(const ClaimedSaga& saga, const inventory::v1::BackorderFill& fill) {
  const auto& fills = saga.order.backorder_fills();
  const bool taken_in = std::any_of(fills.begin(), fills.end(), [&fill](const auto& known) {
    return known.sequence() == fill.sequence();
  });
  return saga.order.status() == v1::ORDER_STATUS_CANCELLED || !taken_in;
}

bool NothingToKeep(const ClaimedSaga& saga) {
  return Unwanted(saga, *PayloadAs<inventory::v1::BackorderFill>(saga));
}

// The fill's units are held in the order's reservation, whose hold was set when the order was
// placed: a fill after a long wait could otherwise expire before it ships.
void KeepHold(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
              StepDone done) {
  participants.ExtendReservation(request_id, saga.order, std::move(done));
}

void ShipFill(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
              StepDone done) {
  const auto fill = PayloadAs<inventory::v1::BackorderFill>(saga);
  if (Unwanted(saga, *fill)) {
    participants.ReleaseShipment(request_id, saga.order, ShipmentOfFill(*fill), std::move(done));
    return;
  }
  participants.CreateFillShipment(request_id, saga.order, *fill, std::move(done));
}

void StepSaved(ClaimedSaga& saga, const StepResult& result, SagaWrites& writes) {
  if (const auto* created = std::get_if<ShipmentsCreated>(&result.output)) {
    writes.ListShipments(saga.order_id, created->shipments);
  }
  FollowUpSaved(saga, writes);
}

}  // namespace

SagaKindDef BackorderSagaKind() {
  SagaKindDef kind;
  kind.name = kBackorderSagaKind;
  kind.steps = {{"keep-hold", KeepHold, nullptr, NothingToKeep}, {"ship-fill", ShipFill, nullptr}};
  kind.on_step_saved = StepSaved;
  return kind;
}

}  // namespace oms::order
