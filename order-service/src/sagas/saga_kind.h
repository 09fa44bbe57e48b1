// One saga kind, defined in one place: its steps (each a forward call and, where it can be
// undone, a compensation), its pivot, and its hooks. The coordinator and the saga store are
// generic: they drive any kind registered in sagas/registry.cc by its name.
//
// Adding a step to a kind is one edit in that kind's file: a row in its step list.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "order-service/src/participants.h"
#include "order-service/src/saga.h"
#include "order-service/src/saga_store.h"

namespace oms::order {

// Starts a step's call with the saga's deterministic `request_id`; `done` gets the result once,
// on a gRPC thread. A step may chain several participant calls. `saga` stays alive and unchanged
// until `done` runs.
using StepCall = std::function<void(Participants& participants, const ClaimedSaga& saga,
                                    const std::string& request_id, StepDone done)>;

struct StepDef {
  std::string name;  // in request ids, the journal, failpoints and metrics
  StepCall forward;
  StepCall compensate;  // empty: the step has nothing to undo
  // True when an earlier step did this one's work already, a pure function of the persisted
  // saga: the coordinator goes past it with no call and no save of its own (the next step's save
  // records the saga beyond it; a saga resumed before that finds it done already again). Never
  // set on a kind's last step.
  std::function<bool(const ClaimedSaga& saga)> done_already = nullptr;
};

// What a saga kind may tell the rest of order-service when a saga's turn ends with it final or
// parked.
class SagaListener {
 public:
  virtual ~SagaListener() = default;
  // The order saga ended (or parked): CreateOrder's waiters can answer.
  virtual void OrderSettled(const std::string& order_id, SagaPhase phase) = 0;
};

struct SagaKindDef {
  std::string name;  // stored in sagas.kind
  std::vector<StepDef> steps;
  // The pivot step's name: up to it a failure compensates; after it the saga only moves forward.
  // Empty: every step is forward only.
  std::string pivot;
  // In the transaction that saves a step: `saga` is the saga after the step (its state already
  // the next one); the hook writes what the step's `result` and the new state mean for the
  // order, and updates `saga` alike. The coordinator adopts `saga` once the transaction commits.
  std::function<void(ClaimedSaga& saga, const StepResult& result, SagaWrites& writes)>
      on_step_saved;
  // After a turn that left the saga final or parked, outside any transaction.
  std::function<void(const ClaimedSaga& saga, SagaListener& listener)> on_finished;

  // The engine's view of the steps (saga.h), filled by the registry from `steps` and `pivot`.
  SagaSpec spec;
};

// Saves a step's outcome with `kind`'s hook in the same transaction (SagaStore::SaveStep); once
// it committed, `*saved` is the saga as it stands now. The one way a step is saved.
[[nodiscard]] absl::Status SaveStepOf(SagaStore& store, const SagaKindDef& kind,
                                      const ClaimedSaga& saga, const SagaState& next,
                                      const JournalEntry& entry, const StepResult& result,
                                      std::chrono::milliseconds retry_after,
                                      std::chrono::seconds lease, ClaimedSaga* saved);

}  // namespace oms::order
