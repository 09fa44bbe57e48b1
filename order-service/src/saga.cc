#include "order-service/src/saga.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"

namespace oms::order {
namespace {

// The first compensatable step at or below `from`, or -1.
int CompensatableAtOrBelow(const SagaSpec& spec, int from) {
  for (int step = from; step >= 0; --step) {
    if (spec.steps[step].compensatable) return step;
  }
  return -1;
}

SagaState StartCompensation(const SagaSpec& spec, const SagaState& state, int from,
                            const std::string& reason) {
  SagaState next;
  next.retries = state.retries;  // the operator's retries still name the calls
  next.failure_reason = reason;
  next.step = CompensatableAtOrBelow(spec, from);
  next.phase = next.step < 0 ? SagaPhase::kCompensated : SagaPhase::kCompensating;
  return next;
}

// `reason`: why a step going forward was refused, for the operator who looks at it; a
// compensation keeps the reason it started for, which is what the order is rejected with.
SagaState Park(SagaState state, const std::string& reason = "") {
  state.parked_from = state.phase;
  if (!reason.empty()) state.failure_reason = reason;
  state.phase = SagaPhase::kNeedsAttention;
  return state;
}

}  // namespace

bool IsFinal(SagaPhase phase) {
  return phase == SagaPhase::kCompleted || phase == SagaPhase::kCompensated;
}

NextCall Next(const SagaSpec& spec, const SagaState& state) {
  switch (state.phase) {
    case SagaPhase::kRunning:
      return {NextCall::kForward, state.step};
    case SagaPhase::kCompensating:
      return {NextCall::kCompensate, state.step};
    default:
      return {};
  }
}

SagaState Advance(const SagaSpec& spec, const SagaState& state, const CallOutcome& outcome,
                  const RetryPolicy& policy, std::chrono::system_clock::time_point now) {
  SagaState next = state;
  // Every answer but a transient failure starts the next call's clock afresh.
  next.failing_since = {};
  if (outcome.result == CallResult::kTransient) {
    next.failing_since =
        state.attempts > 0 && state.failing_since != std::chrono::system_clock::time_point{}
            ? state.failing_since
            : now;
  }
  const bool at_or_before_pivot = state.step <= spec.pivot;
  if (state.phase == SagaPhase::kRunning) {
    switch (outcome.result) {
      case CallResult::kOk:
        next.step = state.step + 1;
        next.attempts = 0;
        if (next.step == static_cast<int>(spec.steps.size())) next.phase = SagaPhase::kCompleted;
        return next;
      case CallResult::kTransient:
        next.attempts = state.attempts + 1;
        if (at_or_before_pivot && now - next.failing_since >= policy.forward_budget) {
          // Its outcome is unknown, so the failing step is compensated too.
          return StartCompensation(spec, state, state.step, kDependencyUnavailable);
        }
        return next;  // after the pivot: retried until it succeeds
      case CallResult::kRefused:
        if (at_or_before_pivot) {
          return StartCompensation(spec, state, state.step - 1, outcome.reason);
        }
        return Park(next, outcome.reason);  // a refusal after the pivot needs a person
    }
  }
  if (state.phase == SagaPhase::kCompensating) {
    if (outcome.result == CallResult::kOk) {
      next.attempts = 0;
      next.step = CompensatableAtOrBelow(spec, state.step - 1);
      if (next.step < 0) next.phase = SagaPhase::kCompensated;
      return next;
    }
    next.attempts = state.attempts + 1;
    if (outcome.result == CallResult::kRefused && state.step == spec.pivot &&
        outcome.reason == kPivotTookEffect) {
      SagaState forward = state;
      forward.phase = SagaPhase::kRunning;
      forward.attempts = 0;
      forward.failure_reason.clear();
      forward.failing_since = {};
      return forward;
    }
    // Transient: the participant may simply be away; the compensation is retried until it
    // succeeds. Refused: it will not take effect by itself, a person must look.
    if (outcome.result == CallResult::kRefused) return Park(next);
    return next;
  }
  return next;  // final or parked: nothing moves it but an operator
}

SagaState Retry(const SagaState& state) {
  if (state.phase != SagaPhase::kNeedsAttention) return state;
  SagaState next = state;
  next.phase = state.parked_from;
  const bool going_forward = state.parked_from == SagaPhase::kRunning;
  // A forward step refused in front of its participant may have reached it before (an answer
  // lost, then the refusal): the same request id answers what that call did, where a new one
  // would be judged as a second request for what is already done.
  const bool call_anew = !going_forward || !IsBareStatusCode(state.failure_reason);
  // Going forward again, it has failed at nothing yet; a compensation still is one for its reason.
  if (going_forward) next.failure_reason.clear();
  next.attempts = 0;
  next.failing_since = {};
  next.retries = state.retries + (call_anew ? 1 : 0);
  return next;
}

bool IsBareStatusCode(const std::string& reason) {
  for (int code = 1; code <= 16; ++code) {
    if (reason == absl::StatusCodeToString(static_cast<absl::StatusCode>(code))) return true;
  }
  return false;
}

SagaState Resolve(const SagaState& state) {
  if (state.phase != SagaPhase::kNeedsAttention) return state;
  SagaState next = state;
  next.phase = state.parked_from == SagaPhase::kCompensating ? SagaPhase::kCompensated
                                                             : SagaPhase::kCompleted;
  next.attempts = 0;
  return next;
}

std::string RequestId(const std::string& saga_id, const SagaSpec& spec, const NextCall& call,
                      const SagaState& state) {
  std::string id = saga_id + ":" + spec.steps[call.step].name;
  if (call.kind == NextCall::kCompensate) id += ":compensate";
  if (state.retries > 0) id += ":retry" + std::to_string(state.retries);
  return id;
}

std::chrono::milliseconds Backoff(const RetryPolicy& policy, int attempts, double random) {
  const double ceiling = std::min<double>(static_cast<double>(policy.max.count()),
                                          policy.base.count() * std::pow(2.0, attempts));
  return std::chrono::milliseconds(static_cast<int64_t>(ceiling * random));
}

const char* PhaseName(SagaPhase phase) {
  switch (phase) {
    case SagaPhase::kRunning:
      return "RUNNING";
    case SagaPhase::kCompensating:
      return "COMPENSATING";
    case SagaPhase::kCompleted:
      return "COMPLETED";
    case SagaPhase::kCompensated:
      return "COMPENSATED";
    case SagaPhase::kNeedsAttention:
      return "NEEDS_ATTENTION";
  }
  return "UNKNOWN";
}

bool ParsePhase(const std::string& name, SagaPhase* phase) {
  for (SagaPhase candidate : {SagaPhase::kRunning, SagaPhase::kCompensating, SagaPhase::kCompleted,
                              SagaPhase::kCompensated, SagaPhase::kNeedsAttention}) {
    if (name == PhaseName(candidate)) {
      *phase = candidate;
      return true;
    }
  }
  return false;
}

}  // namespace oms::order
