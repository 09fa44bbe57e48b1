// EDIT, one per edit of a confirmed order (ModifyOrder, docs/commerce.md section 3). Its payload
// is the EditPlan: the new version as captured and the difference from the version in effect.
//  1. reserve-added: inventory holds the added units in the order's reservation
//     (compensation: releases them, per warehouse);
//  2. authorize-increase: billing authorizes the increase on the order's payment
//     (compensation: voids it);
//  3. cancel-previous, the pivot: shipping cancels every shipment of the order, all or none. A
//     shipment that shipped meanwhile refuses the lot (SHIPMENT_ALREADY_SHIPPED): the saga
//     compensates and the order stays as it was. Once it is done the new version is the order's
//     (AdoptOrderVersion, in the same transaction as the step's save). Given up with its outcome
//     unknown, it is asked again (CancelPreviousAgain) before anything is undone;
//  4. release-removed: the removed units are released, per warehouse;
//  5. create-shipments: the new version's shipments (AllocationGroup.order_version);
//  6. void-decrease: the decrease is voided.
// Captures bill against the version in effect when their shipment ships: nothing shipped
// before the pivot, and nothing of the old version can ship after it.
#include "order-service/src/order_edit.h"
#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"

namespace oms::order {
namespace {

std::shared_ptr<const v1::EditPlan> PlanOf(const ClaimedSaga& saga) {
  return PayloadAs<v1::EditPlan>(saga);
}

// Each warehouse's lines of `lines`, released one warehouse after the other.
void ReleasePerWarehouse(Participants& participants, const ClaimedSaga& saga,
                         const std::string& request_id,
                         std::map<std::string, std::vector<inventory::v1::OrderLine>> lines,
                         StepDone done) {
  auto by_warehouse =
      std::make_shared<std::vector<std::pair<std::string, std::vector<inventory::v1::OrderLine>>>>(
          lines.begin(), lines.end());
  CallChain::Run(
      by_warehouse->size(),
      [&participants, &saga, request_id, by_warehouse](std::size_t i, StepDone one) {
        const auto& [warehouse_id, units] = (*by_warehouse)[i];
        participants.ReleaseUnits(request_id + ":" + warehouse_id, saga.order, warehouse_id, units,
                                  std::move(one));
      },
      WentOk, FirstFailure(std::move(done)));
}

void ReserveAdded(Participants& participants, const ClaimedSaga& saga,
                  const std::string& request_id, StepDone done) {
  participants.AddToReservation(request_id, saga.order, PlanOf(saga)->added(), std::move(done));
}

void ReleaseAdded(Participants& participants, const ClaimedSaga& saga,
                  const std::string& request_id, StepDone done) {
  const auto plan = PlanOf(saga);
  std::map<std::string, std::vector<inventory::v1::OrderLine>> lines;
  for (const auto& group : plan->added_allocation().groups()) {
    lines[group.warehouse_id()].assign(group.lines().begin(), group.lines().end());
  }
  ReleasePerWarehouse(participants, saga, request_id, std::move(lines), std::move(done));
}

bool NothingAdded(const ClaimedSaga& saga) { return PlanOf(saga)->added().empty(); }

void AuthorizeIncrease(Participants& participants, const ClaimedSaga& saga,
                       const std::string& request_id, StepDone done) {
  participants.IncrementAuthorization(request_id, saga.order, PlanOf(saga)->increase_minor(),
                                      std::move(done));
}

// Voids exactly the increase (never 0, which would void everything uncaptured).
void VoidIncrease(Participants& participants, const ClaimedSaga& saga,
                  const std::string& request_id, StepDone done) {
  const int64_t increase = PlanOf(saga)->increase_minor();
  if (increase == 0) return done({});
  participants.VoidShare(request_id, saga.order, increase, std::move(done));
}

bool NoIncrease(const ClaimedSaga& saga) { return PlanOf(saga)->increase_minor() == 0; }

void CancelPrevious(Participants& participants, const ClaimedSaga& saga,
                    const std::string& request_id, StepDone done) {
  participants.CancelForEdit(request_id, saga.order, std::move(done));
}

// The pivot given up after failing for its whole budget: its outcome is unknown. Cancelling
// again, all or none, tells: done (by the lost call, or by this one) means the new version goes
// ahead (PIVOT_TOOK_EFFECT: forward again from the pivot, whose repeat answers what it did); a
// shipment that shipped meanwhile means nothing was cancelled, and the edit is undone.
void CancelPreviousAgain(Participants& participants, const ClaimedSaga& saga,
                         const std::string& request_id, StepDone done) {
  participants.CancelForEdit(request_id, saga.order, [done = std::move(done)](StepResult result) {
    if (result.outcome.result == CallResult::kOk) {
      result.outcome = {CallResult::kRefused, kPivotTookEffect};
      result.output = {};
    } else if (result.outcome.result == CallResult::kRefused &&
               result.outcome.reason == "SHIPMENT_ALREADY_SHIPPED") {
      result = {};
    }
    done(std::move(result));
  });
}

void ReleaseRemoved(Participants& participants, const ClaimedSaga& saga,
                    const std::string& request_id, StepDone done) {
  const auto plan = PlanOf(saga);
  std::map<std::string, std::vector<inventory::v1::OrderLine>> lines;
  for (const auto& removed : plan->removed()) {
    inventory::v1::OrderLine line;
    line.set_sku(removed.sku());
    line.set_quantity(removed.quantity());
    lines[removed.warehouse_id()].push_back(std::move(line));
  }
  ReleasePerWarehouse(participants, saga, request_id, std::move(lines), std::move(done));
}

bool NothingRemoved(const ClaimedSaga& saga) { return PlanOf(saga)->removed().empty(); }

void CreateShipments(Participants& participants, const ClaimedSaga& saga,
                     const std::string& request_id, StepDone done) {
  participants.CreateVersionShipments(request_id, saga.order, std::move(done));
}

void VoidDecrease(Participants& participants, const ClaimedSaga& saga,
                  const std::string& request_id, StepDone done) {
  const int64_t decrease = PlanOf(saga)->decrease_minor();
  if (decrease == 0) return done({});
  participants.VoidShare(request_id, saga.order, decrease, std::move(done));
}

// The order as the edit makes it: the plan's captured version with the order's identity and
// payment, and the allocation less the removed units plus where the added ones are held.
v1::Order EditedOrder(const v1::Order& order, const v1::EditPlan& plan) {
  v1::Order edited = plan.edited();
  edited.set_id(order.id());
  edited.set_status(order.status());
  *edited.mutable_payment() = order.payment();
  *edited.mutable_shipments() = order.shipments();
  *edited.mutable_create_time() = order.create_time();
  *edited.mutable_allocation() =
      EditedAllocation(order.allocation(), plan.removed(), plan.added_allocation());
  edited.set_version(plan.to_version());
  return edited;
}

void StepSaved(ClaimedSaga& saga, const StepResult& result, SagaWrites& writes) {
  if (const auto* reserved = std::get_if<Reserved>(&result.output)) {
    v1::EditPlan plan = *PlanOf(saga);
    *plan.mutable_added_allocation() = reserved->allocation;
    saga.payload = plan.SerializeAsString();
    writes.SetSagaPayload(saga.saga_id, saga.payload);
  } else if (std::holds_alternative<PreviousVersionCancelled>(result.output)) {
    v1::Order edited = EditedOrder(saga.order, *PlanOf(saga));
    for (auto& shipment : *edited.mutable_shipments()) {
      shipment.set_status("SHIPMENT_STATUS_CANCELLED");
    }
    writes.AdoptOrderVersion(saga.order_id, edited);
    saga.order = std::move(edited);
  } else if (const auto* created = std::get_if<ShipmentsCreated>(&result.output)) {
    writes.ListShipments(saga.order_id, created->shipments);
  }
  FollowUpSaved(saga, writes);
}

}  // namespace

SagaKindDef EditSagaKind() {
  SagaKindDef kind;
  kind.name = kEditSagaKind;
  kind.steps = {
      {"reserve-added", ReserveAdded, ReleaseAdded, NothingAdded},
      {"authorize-increase", AuthorizeIncrease, VoidIncrease, NoIncrease},
      {"cancel-previous", CancelPrevious, CancelPreviousAgain},
      {"release-removed", ReleaseRemoved, nullptr, NothingRemoved},
      {"create-shipments", CreateShipments, nullptr},
      {"void-decrease", VoidDecrease, nullptr},
  };
  kind.pivot = "cancel-previous";
  kind.on_step_saved = StepSaved;
  return kind;
}

}  // namespace oms::order
