// RESOURCE, one per short-picked shipment, forward only: inventory holds the units the warehouse
// could not pick at other warehouses (releasing and writing them off where they were missing),
// then shipping creates a shipment per warehouse for them. Its payload is the ResourcePlan: the
// SHIPMENT_SHORT_PICKED event, then where the units are held now. The new shipments ship and
// capture as any other (SHIPMENT sagas); what each bills follows from the order's shipments
// (shipment_charges.h), so the captures still add up to the total.
//
// A refusal (no warehouse has the units) parks the saga and flags the order for an operator.
#include "oms/shipping/v1/shipping.pb.h"
#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"

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

void StepSaved(ClaimedSaga& saga, const StepResult& result, SagaWrites& writes) {
  if (const auto* reserved = std::get_if<Reserved>(&result.output)) {
    v1::ResourcePlan plan = *PayloadAs<v1::ResourcePlan>(saga);
    *plan.mutable_moved() = reserved->allocation;
    saga.payload = plan.SerializeAsString();
    writes.SetSagaPayload(saga.saga_id, saga.payload);
  } else if (const auto* created = std::get_if<ShipmentsCreated>(&result.output)) {
    writes.ListShipments(saga.order_id, created->shipments);
  }
  FollowUpSaved(saga, writes);
}

}  // namespace

SagaKindDef ResourceSagaKind() {
  SagaKindDef kind;
  kind.name = kResourceSagaKind;
  kind.steps = {
      {"resource-stock", ResourceStock, nullptr},
      {"create-shipments", CreateShipments, nullptr},
  };
  kind.on_step_saved = StepSaved;
  return kind;
}

}  // namespace oms::order
