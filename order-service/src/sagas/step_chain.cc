#include "order-service/src/sagas/step_chain.h"

#include <utility>
#include <vector>

#include "order-service/src/shipment_charges.h"

namespace oms::order {

void CallChain::Run(std::size_t count, CallOne call, GoOn go_on, Finish finish) {
  std::shared_ptr<CallChain> chain(
      new CallChain(count, std::move(call), std::move(go_on), std::move(finish)));
  chain->Next(0);
}

CallChain::CallChain(std::size_t count, CallOne call, GoOn go_on, Finish finish)
    : count_(count), call_(std::move(call)), go_on_(std::move(go_on)), finish_(std::move(finish)) {}

void CallChain::Next(std::size_t i) {
  if (i == count_) {
    finish_(std::nullopt);
    return;
  }
  call_(i, [self = shared_from_this(), i](StepResult result) {
    if (!self->go_on_(i, result)) {
      self->finish_(std::move(result));
      return;
    }
    self->Next(i + 1);
  });
}

bool WentOk(std::size_t, const StepResult& result) {
  return result.outcome.result == CallResult::kOk;
}

CallChain::Finish FirstFailure(StepDone done) {
  return [done = std::move(done)](std::optional<StepResult> stopped) {
    done(stopped ? std::move(*stopped) : StepResult{});
  };
}

const v1::ShipmentSummary* ListedShipment(const v1::Order& order, const std::string& shipment_id) {
  for (const auto& shipment : order.shipments()) {
    if (shipment.shipment_id() == shipment_id) return &shipment;
  }
  return nullptr;
}

StepResult UnitsUnknown(const absl::Status& read, UnlistedShipment unlisted) {
  StepResult failed;
  failed.outcome = unlisted == UnlistedShipment::kRetry && absl::IsUnavailable(read)
                       ? CallOutcome{CallResult::kTransient, "SHIPMENT_NOT_LISTED_YET"}
                       : CallOutcome{CallResult::kRefused, "SHIPMENT_NOT_OF_ORDER"};
  failed.detail = std::string(read.message());
  return failed;
}

void CallPerSkuOfParcel(const v1::Order& order, const v1::ShipmentSummary& parcel,
                        const std::string& request_id, SkuCall call, StepDone done) {
  auto units = UnitsOfShipment(order, parcel);
  if (!units.ok()) {
    done(UnitsUnknown(units.status(), UnlistedShipment::kRefuse));
    return;
  }
  auto skus =
      std::make_shared<std::vector<std::pair<std::string, int64_t>>>(units->begin(), units->end());
  auto shipment = std::make_shared<v1::ShipmentSummary>(parcel);
  CallChain::Run(
      skus->size(),
      [call = std::move(call), request_id, skus, shipment](std::size_t i, StepDone one) {
        const auto& [sku, quantity] = (*skus)[i];
        call(request_id + ":" + sku, *shipment, sku, quantity, std::move(one));
      },
      WentOk, FirstFailure(std::move(done)));
}

void FollowUpSaved(const ClaimedSaga& saga, SagaWrites& writes) {
  if (saga.state.phase == SagaPhase::kNeedsAttention) writes.FlagOrderAttention(saga.order_id);
  // An edit undone (compensated) has ended as surely as a completed saga.
  if (saga.state.phase == SagaPhase::kCompleted || saga.state.phase == SagaPhase::kCompensated) {
    writes.CompleteOrderIfDone(saga.order_id);
  }
}

}  // namespace oms::order
