#include "order-service/src/sagas/registry.h"

#include <cstdio>
#include <cstdlib>

namespace oms::order {
namespace {

// Fills the engine's view; a pivot naming no step is a defect found at the first saga.
SagaKindDef WithSpec(SagaKindDef kind) {
  kind.spec.pivot = -1;
  for (const auto& step : kind.steps) {
    if (step.name == kind.pivot) kind.spec.pivot = static_cast<int>(kind.spec.steps.size());
    kind.spec.steps.push_back({step.name, static_cast<bool>(step.compensate)});
  }
  if (!kind.pivot.empty() && kind.spec.pivot < 0) {
    std::fprintf(stderr, "saga kind %s: pivot %s is not one of its steps\n", kind.name.c_str(),
                 kind.pivot.c_str());
    std::abort();
  }
  return kind;
}

}  // namespace

const std::vector<SagaKindDef>& SagaKinds() {
  static const std::vector<SagaKindDef> kKinds = {
      WithSpec(OrderSagaKind()),    WithSpec(ShipmentSagaKind()), WithSpec(CancelSagaKind()),
      WithSpec(ReturnSagaKind()),   WithSpec(ReceiveSagaKind()),  WithSpec(ReshipSagaKind()),
      WithSpec(ResourceSagaKind()), WithSpec(RefundSagaKind()),   WithSpec(BackorderSagaKind()),
      WithSpec(EditSagaKind()),
  };
  return kKinds;
}

const SagaKindDef* FindSagaKind(const std::string& name) {
  for (const auto& kind : SagaKinds()) {
    if (kind.name == name) return &kind;
  }
  return nullptr;
}

absl::Status SaveStepOf(SagaStore& store, const SagaKindDef& kind, const ClaimedSaga& saga,
                        const SagaState& next, const JournalEntry& entry, const StepResult& result,
                        std::chrono::milliseconds retry_after, std::chrono::seconds lease,
                        ClaimedSaga* saved) {
  ClaimedSaga after;
  absl::Status status =
      store.SaveStep(saga, next, entry, retry_after, lease, [&](SagaWrites& writes) {
        // From the claimed saga each time: a transaction that is retried runs this again.
        after = saga;
        after.state = next;
        if (kind.on_step_saved) kind.on_step_saved(after, result, writes);
      });
  if (status.ok()) *saved = std::move(after);
  return status;
}

}  // namespace oms::order
