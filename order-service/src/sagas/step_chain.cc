#include "order-service/src/sagas/step_chain.h"

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

void FollowUpSaved(const ClaimedSaga& saga, SagaWrites& writes) {
  if (saga.state.phase == SagaPhase::kNeedsAttention) writes.FlagOrderAttention(saga.order_id);
  // An edit undone (compensated) has ended as surely as a completed saga.
  if (saga.state.phase == SagaPhase::kCompleted || saga.state.phase == SagaPhase::kCompensated) {
    writes.CompleteOrderIfDone(saga.order_id);
  }
}

}  // namespace oms::order
