// CANCEL, forward only: take what is still queued for the order's backorders off the queue,
// cancel the order's shipments that have not shipped, release their stock, void their share
// of the authorization (and the queued units'). Its payload is the CancelPlan: the candidates,
// and which of them it has cancelled so far.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "order-service/src/fulfilment.h"
#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"
#include "order-service/src/shipment_charges.h"

namespace oms::order {
namespace {

void CancelBackorders(Participants& participants, const ClaimedSaga& saga,
                      const std::string& request_id, StepDone done) {
  participants.CancelBackorders(request_id, saga.order, std::move(done));
}

bool NothingQueued(const ClaimedSaga& saga) { return saga.order.backordered_units() == 0; }

// Cancels each candidate not cancelled yet; one that shipped meanwhile is refused and stays.
void CancelShipments(Participants& participants, const ClaimedSaga& saga,
                     const std::string& request_id, StepDone done) {
  auto plan = std::make_shared<v1::CancelPlan>(*PayloadAs<v1::CancelPlan>(saga));
  std::set<std::string> cancelled(plan->cancelled_shipment_ids().begin(),
                                  plan->cancelled_shipment_ids().end());
  auto open = std::make_shared<std::vector<std::string>>();
  for (const auto& candidate : plan->candidates()) {
    if (!cancelled.count(candidate.shipment_id())) open->push_back(candidate.shipment_id());
  }
  CallChain::Run(
      open->size(),
      [&participants, request_id, open](std::size_t i, StepDone one) {
        participants.CancelShipment(request_id + ":" + (*open)[i], (*open)[i], std::move(one));
      },
      [plan, open](std::size_t i, const StepResult& result) {
        if (result.outcome.result == CallResult::kTransient) return false;
        if (result.outcome.result == CallResult::kOk) plan->add_cancelled_shipment_ids((*open)[i]);
        return true;
      },
      [plan, done = std::move(done)](std::optional<StepResult> stopped) {
        if (stopped) {
          done(std::move(*stopped));
          return;
        }
        StepResult result;
        result.output = CancelProgress{std::move(*plan)};
        done(std::move(result));
      });
}

std::set<std::string> CancelledIds(const v1::CancelPlan& plan) {
  return {plan.cancelled_shipment_ids().begin(), plan.cancelled_shipment_ids().end()};
}

// The stock held for each cancelled shipment, its own units only (the order's current summary
// of it: a short pick may have moved some).
void ReleaseHolds(Participants& participants, const ClaimedSaga& saga,
                  const std::string& request_id, StepDone done) {
  const auto plan = PayloadAs<v1::CancelPlan>(saga);
  const std::set<std::string> cancelled = CancelledIds(*plan);
  auto shipments = std::make_shared<std::vector<v1::ShipmentSummary>>();
  for (const auto& candidate : plan->candidates()) {
    if (!cancelled.count(candidate.shipment_id())) continue;
    const auto listed = std::find_if(
        saga.order.shipments().begin(), saga.order.shipments().end(),
        [&candidate](const auto& s) { return s.shipment_id() == candidate.shipment_id(); });
    shipments->push_back(listed != saga.order.shipments().end() ? *listed : candidate);
  }
  CallChain::Run(
      shipments->size(),
      [&participants, &saga, request_id, shipments](std::size_t i, StepDone one) {
        const v1::ShipmentSummary& shipment = (*shipments)[i];
        participants.ReleaseShipment(request_id + ":" + shipment.shipment_id(), saga.order,
                                     shipment, std::move(one));
      },
      WentOk, FirstFailure(std::move(done)));
}

// What the cancelled shipments would have captured (shipment_charges.h): their goods after
// discounts, tax, and share of the shipping charge; and, when this saga cancelled the
// backorders, what the units no fill took would have.
int64_t CancelledValue(const v1::Order& order, const v1::CancelPlan& plan) {
  const std::set<std::string> cancelled = CancelledIds(plan);
  int64_t value = 0;
  if (plan.cancelled_backorders()) {
    if (auto queued = QueuedValue(order); queued.ok()) value += *queued;
  }
  for (const auto& candidate : plan.candidates()) {
    if (!cancelled.count(candidate.shipment_id())) continue;
    auto charge = FullChargeOfShipment(order, candidate);
    if (charge.ok()) value += charge->total;
  }
  return value;
}

// Whether nothing of the order is left to ship: each shipment was cancelled by `plan` or before
// it (a shipment short-picked of every unit), no unit is queued, and every fill off the queue has
// its shipment listed among them (one whose shipment is not listed yet may still ship). A
// replacement only exists for a parcel that shipped.
bool CancelsEverything(const v1::Order& order, const v1::CancelPlan& plan) {
  const std::set<std::string> cancelled = CancelledIds(plan);
  if (cancelled.empty() && order.allocation().backordered().empty()) return false;
  if (order.backordered_units() > 0) return false;
  v1::BackorderState fills;
  *fills.mutable_fills() = order.backorder_fills();
  if (UnshippedFills(order.shipments(), fills) > 0) return false;
  for (const auto& shipment : order.shipments()) {
    if (!cancelled.count(shipment.shipment_id()) &&
        shipment.status() != "SHIPMENT_STATUS_CANCELLED") {
      return false;
    }
  }
  return true;
}

void VoidShare(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
               StepDone done) {
  const auto plan = PayloadAs<v1::CancelPlan>(saga);
  const int64_t value = CancelledValue(saga.order, *plan);
  if (plan->cancelled_shipment_ids().empty() && value == 0) {
    done({});
    return;
  }
  const bool everything = CancelsEverything(saga.order, *plan);
  // Everything cancelled: void all that is uncaptured (none was). Else exactly their share.
  participants.VoidShare(request_id, saga.order, everything ? 0 : value,
                         [everything, done = std::move(done)](StepResult result) {
                           if (result.outcome.result == CallResult::kOk && everything) {
                             result.output = CancelledEverything{};
                           }
                           done(std::move(result));
                         });
}

// The plan's progress is kept with the saga; a cancellation of everything cancels the order.
void StepSaved(ClaimedSaga& saga, const StepResult& result, SagaWrites& writes) {
  if (std::holds_alternative<BackordersCancelled>(result.output)) {
    // The next steps run on this claim: they see the order's fills as the cancellation left
    // them, as a fresh claim would, and the plan says the queued units' share is this saga's.
    *saga.order.mutable_backorder_fills() = writes.CancelBackorders(saga.order_id).fills();
    saga.order.set_backordered_units(0);
    v1::CancelPlan plan = *PayloadAs<v1::CancelPlan>(saga);
    plan.set_cancelled_backorders(true);
    saga.payload = plan.SerializeAsString();
    writes.SetSagaPayload(saga.saga_id, saga.payload);
  }
  if (const auto* progress = std::get_if<CancelProgress>(&result.output)) {
    saga.payload = progress->plan.SerializeAsString();
    writes.SetSagaPayload(saga.saga_id, saga.payload);
  }
  if (saga.state.phase == SagaPhase::kCompleted &&
      std::holds_alternative<CancelledEverything>(result.output)) {
    writes.MarkOrderCancelled(saga.order_id);
    return;
  }
  FollowUpSaved(saga, writes);
}

}  // namespace

SagaKindDef CancelSagaKind() {
  SagaKindDef kind;
  kind.name = kCancelSagaKind;
  kind.steps = {
      {"cancel-backorders", CancelBackorders, nullptr, NothingQueued},
      {"cancel-shipments", CancelShipments, nullptr},
      {"release-holds", ReleaseHolds, nullptr},
      {"void-share", VoidShare, nullptr},
  };
  kind.on_step_saved = StepSaved;
  return kind;
}

}  // namespace oms::order
