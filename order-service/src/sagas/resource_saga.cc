// RESOURCE, one per short-picked shipment, forward only: inventory holds the units the warehouse
// could not pick at other warehouses (releasing and writing them off where they were missing)
// and cancels those no warehouse has; shipping creates a shipment per warehouse for the units
// held; the cancelled units' share of the payment is voided. Its payload is the ResourcePlan:
// the SHIPMENT_SHORT_PICKED event, then where the units are held now and which were cancelled.
// The new shipments ship and capture as any other (SHIPMENT sagas); what each bills follows
// from the order's shipments (shipment_charges.h), so captures and void add up to the total.
// With nothing left to ship (every shipment cancelled), the order is CANCELLED.
#include "oms/shipping/v1/shipping.pb.h"
#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"
#include "order-service/src/shipment_charges.h"

namespace oms::order {
namespace {

std::shared_ptr<const shipping::v1::OutboxEvent> ShortPickOf(const v1::ResourcePlan& plan) {
  auto event = std::make_shared<shipping::v1::OutboxEvent>();
  event->ParseFromString(plan.short_picked_event());
  return event;
}

void ResourceStock(Participants& participants, const ClaimedSaga& saga,
                   const std::string& request_id, StepDone done) {
  participants.ResourceReservation(
      request_id, saga.order, *ShortPickOf(*PayloadAs<v1::ResourcePlan>(saga)), std::move(done));
}

void CreateShipments(Participants& participants, const ClaimedSaga& saga,
                     const std::string& request_id, StepDone done) {
  const auto plan = PayloadAs<v1::ResourcePlan>(saga);
  participants.CreateResourcedShipments(request_id, saga.order, ShortPickOf(*plan)->shipment_id(),
                                        plan->moved(), std::move(done));
}

bool NothingHeldElsewhere(const ClaimedSaga& saga) {
  return PayloadAs<v1::ResourcePlan>(saga)->moved().groups().empty();
}

bool NothingCancelled(const ClaimedSaga& saga) {
  return PayloadAs<v1::ResourcePlan>(saga)->cancelled().empty();
}

void VoidCancelled(Participants& participants, const ClaimedSaga& saga,
                   const std::string& request_id, StepDone done) {
  if (NothingCancelled(saga)) return done({});
  auto value = CancelledValueOfShortPick(
      saga.order, ShortPickOf(*PayloadAs<v1::ResourcePlan>(saga))->shipment_id());
  if (!value.ok()) return done(UnitsUnknown(value.status(), UnlistedShipment::kRetry));
  // Free goods with no shipping share: nothing to void (0 would void everything uncaptured).
  if (*value == 0) return done({});
  participants.VoidShare(request_id, saga.order, *value, std::move(done));
}

bool EveryShipmentCancelled(const v1::Order& order) {
  for (const auto& shipment : order.shipments()) {
    if (shipment.status() != "SHIPMENT_STATUS_CANCELLED") return false;
  }
  return true;
}

void StepSaved(ClaimedSaga& saga, const StepResult& result, SagaWrites& writes) {
  if (const auto* resourced = std::get_if<Resourced>(&result.output)) {
    v1::ResourcePlan plan = *PayloadAs<v1::ResourcePlan>(saga);
    *plan.mutable_moved() = resourced->moved;
    *plan.mutable_cancelled() = {resourced->cancelled.begin(), resourced->cancelled.end()};
    saga.payload = plan.SerializeAsString();
    writes.SetSagaPayload(saga.saga_id, saga.payload);
    if (!resourced->cancelled.empty()) {
      // Recorded with the short-picked shipment before any new one exists, so every capture of
      // those shares them out the same way.
      v1::ShipmentSummary short_picked;
      short_picked.set_shipment_id(ShortPickOf(plan)->shipment_id());
      short_picked.set_warehouse_id(ShortPickOf(plan)->warehouse_id());
      *short_picked.mutable_short_pick_cancelled() = plan.cancelled();
      writes.ListShipments(saga.order_id, {short_picked});
    }
  } else if (const auto* created = std::get_if<ShipmentsCreated>(&result.output)) {
    writes.ListShipments(saga.order_id, created->shipments);
  }
  if (saga.state.phase == SagaPhase::kCompleted && EveryShipmentCancelled(saga.order)) {
    writes.MarkOrderCancelled(saga.order_id);
    return;
  }
  FollowUpSaved(saga, writes);
}

}  // namespace

SagaKindDef ResourceSagaKind() {
  SagaKindDef kind;
  kind.name = kResourceSagaKind;
  kind.steps = {
      {"resource-stock", ResourceStock, nullptr},
      {"create-shipments", CreateShipments, nullptr, NothingHeldElsewhere},
      {"void-cancelled", VoidCancelled, nullptr},
  };
  kind.on_step_saved = StepSaved;
  return kind;
}

}  // namespace oms::order
