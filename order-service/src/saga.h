// The saga engine: a pure state machine that says what to call next and how an answer moves the
// saga on. The coordinator persists the state before every call and after every answer, so a
// saga resumes anywhere from its stored state; participants deduplicate by request id, so a call
// repeated after a crash or a lost reply has one effect.
//
// Rules: steps run in order; a step's unknown outcome (transient failure) is retried with the
// same request id, never assumed not to have happened. Up to and including the pivot, a refusal
// or a step that keeps failing compensates the completed steps in reverse order (the failed step
// too when its outcome is unknown; a compensation for a request that never arrived succeeds and
// leaves a tombstone). After the pivot the saga only moves forward, retrying until it succeeds.
// A compensation's transient failures are retried until it succeeds, with capped backoff (an
// ordinary outage of a participant delays a rejection, it never parks it; the age of the oldest
// open saga has an alert); only a compensation that is refused parks the saga in
// NEEDS_ATTENTION, and so does a refusal after the pivot.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace oms::order {

enum class SagaPhase { kRunning, kCompensating, kCompleted, kCompensated, kNeedsAttention };

struct StepSpec {
  std::string name;
  bool compensatable = false;
};

struct SagaSpec {
  std::vector<StepSpec> steps;
  int pivot = 0;  // index of the pivot step; once it completes the saga only moves forward
};

struct RetryPolicy {
  // How long a step before the pivot may keep failing transiently (from its first failure)
  // before the saga gives up and compensates; later steps and compensations retry without a
  // limit. A time, not a count of attempts: what an outage may last whatever the call deadline.
  std::chrono::milliseconds forward_budget{600000};  // ARCHITECTURE.md: 10 minutes
  std::chrono::milliseconds base{100};               // first backoff
  std::chrono::milliseconds max{10000};
};

struct SagaState {
  SagaPhase phase = SagaPhase::kRunning;
  int step = 0;                // running: the step to run; compensating: the step to compensate
  int attempts = 0;            // failed attempts of that call so far
  std::string failure_reason;  // why compensation started (machine-readable)
  SagaPhase parked_from = SagaPhase::kRunning;  // where NEEDS_ATTENTION came from
  // Operator retries that call under new request ids. A saga parks on a refusal, and a
  // participant answers every repeat of a request id it refused with that refusal, so a retry
  // after a participant's refusal calls anew; one after a refusal by a bare status code (from in
  // front of the participant, which remembers nothing) calls under the same ids.
  int retries = 0;
  // When the call to make first failed transiently; the epoch while it has not.
  std::chrono::system_clock::time_point failing_since{};
  bool operator==(const SagaState&) const = default;
};

enum class CallResult {
  kOk,
  kTransient,  // UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED: outcome unknown, retry
  kRefused,    // a business refusal: the step did not take effect
};

struct CallOutcome {
  CallResult result = CallResult::kOk;
  std::string reason;  // for refusals: the participant's reason, e.g. PAYMENT_DECLINED
};

struct NextCall {
  enum Kind { kNone, kForward, kCompensate } kind = kNone;
  int step = 0;
};

inline constexpr char kDependencyUnavailable[] = "DEPENDENCY_UNAVAILABLE";
// A compensation of the pivot refused because the pivot took effect for good meanwhile (its
// answer was lost, and the world moved on: the goods shipped). Nothing is undone: the saga goes
// forward again from the pivot, whose repeated call answers what it did.
inline constexpr char kPivotTookEffect[] = "PIVOT_TOOK_EFFECT";

bool IsFinal(SagaPhase phase);

// What to call for `state`; kNone once the saga is final or parked.
NextCall Next(const SagaSpec& spec, const SagaState& state);

// The state after `outcome` of the call Next() named, answered at `now`.
SagaState Advance(const SagaSpec& spec, const SagaState& state, const CallOutcome& outcome,
                  const RetryPolicy& policy, std::chrono::system_clock::time_point now);

// An operator's retry of a parked saga: it resumes where it stopped, with a fresh budget, under
// new request ids (RequestId) unless what parked it was a forward step refused by a bare status
// code (SagaState::retries).
SagaState Retry(const SagaState& state);

// Whether a refusal's reason is a bare status code name ("PERMISSION_DENIED"): the call was
// refused before a participant judged it (an interceptor, a proxy, a failpoint), so no
// participant remembers it. A participant's own refusals carry a reason of its own.
bool IsBareStatusCode(const std::string& reason);

// An operator's resolution of a parked saga, after doing by hand what it could not: it ends
// where it was going, COMPENSATED when it was compensating, COMPLETED when it was going forward.
SagaState Resolve(const SagaState& state);

// The deterministic request id of a call: "<saga id>:<step>" or "<saga id>:<step>:compensate",
// with ":retry<n>" after the n-th operator retry that calls anew (state.retries).
std::string RequestId(const std::string& saga_id, const SagaSpec& spec, const NextCall& call,
                      const SagaState& state);

// Exponential backoff with full jitter; `random` in [0, 1).
std::chrono::milliseconds Backoff(const RetryPolicy& policy, int attempts, double random);

const char* PhaseName(SagaPhase phase);
// The phase PhaseName() printed; false for any other text.
bool ParsePhase(const std::string& name, SagaPhase* phase);

}  // namespace oms::order
