// The saga engine against fake participants over many seeded schedules of failures, refusals,
// lost replies and coordinator crashes (state reloaded from the last persisted copy), asserting
// that every saga ends final and that each completed step is compensated exactly once.
#include "order-service/src/saga.h"

#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

namespace oms::order {
namespace {

// The order saga's shape: reserve, authorize, create shipments (the pivot), confirm.
const SagaSpec kSpec{{{"reserve", true}, {"authorize", true}, {"ship", true}, {"confirm", false}},
                     2};

using std::chrono::milliseconds;

// A moment `ms` milliseconds into a test.
std::chrono::system_clock::time_point At(int64_t ms) {
  return std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 50) +
         milliseconds(ms);
}

// A participant that deduplicates by request id, honours tombstones and counts real effects.
class FakeParticipant {
 public:
  // Forward call: applies at most once; refused if a compensation got here first.
  bool Forward(const std::string& id) {
    if (compensated_.count(id)) return false;
    if (!applied_.count(id)) ++effects_;
    applied_.insert(id);
    return true;
  }
  // Compensation of the forward call `id`: undoes it once, or leaves a tombstone.
  void Compensate(const std::string& id) {
    if (compensated_.count(id)) return;
    compensated_.insert(id);
    if (applied_.count(id)) ++undone_;
  }
  bool Applied(const std::string& id) const { return applied_.count(id) > 0; }
  int effects() const { return effects_; }
  int undone() const { return undone_; }

 private:
  std::set<std::string> applied_;
  std::set<std::string> compensated_;
  int effects_ = 0;
  int undone_ = 0;
};

struct Schedule {
  double transient = 0.2;   // the call fails before reaching the participant
  double lost_reply = 0.1;  // the participant acts, the coordinator sees a timeout
  double refuse = 0.03;     // a business refusal (forward steps before the pivot)
  double crash = 0.1;       // the coordinator dies after the call, before persisting
};

struct SagaRun {
  SagaState final_state;
  std::vector<FakeParticipant> participants;
  int retries_by_operator = 0;
};

SagaRun RunSaga(uint64_t seed, const Schedule& schedule, const RetryPolicy& policy) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> roll(0, 1);
  SagaRun run;
  run.participants.resize(kSpec.steps.size());
  const std::string saga_id = "saga-" + std::to_string(seed);
  SagaState persisted;  // what the store holds
  for (int calls = 0; calls < 10000; ++calls) {
    const auto now = At(calls);  // each call takes a millisecond
    if (persisted.phase == SagaPhase::kNeedsAttention) {
      persisted = Retry(persisted);  // the operator's RetrySaga
      ++run.retries_by_operator;
      continue;
    }
    NextCall call = Next(kSpec, persisted);
    if (call.kind == NextCall::kNone) break;
    const std::string forward_id = saga_id + ":" + kSpec.steps[call.step].name;
    const std::string retry_suffix =
        persisted.retries > 0 ? ":retry" + std::to_string(persisted.retries) : "";
    EXPECT_EQ(
        RequestId(saga_id, kSpec, call, persisted),
        (call.kind == NextCall::kForward ? forward_id : forward_id + ":compensate") + retry_suffix);
    FakeParticipant& participant = run.participants[call.step];
    CallOutcome outcome;
    const double r = roll(random);
    if (r < schedule.transient) {
      outcome.result = CallResult::kTransient;
    } else if (call.kind == NextCall::kForward) {
      // A participant answers a repeat of a request it acted on with its stored result, so
      // only a request it has not acted on can be refused.
      const bool may_refuse = call.step <= kSpec.pivot && !participant.Applied(forward_id);
      if (may_refuse && roll(random) < schedule.refuse) {
        outcome = {CallResult::kRefused, "REFUSED_BY_" + kSpec.steps[call.step].name};
      } else if (!participant.Forward(forward_id)) {
        outcome = {CallResult::kRefused, "TOMBSTONE"};
      }
      if (outcome.result == CallResult::kOk && roll(random) < schedule.lost_reply) {
        outcome.result = CallResult::kTransient;
      }
    } else {
      participant.Compensate(forward_id);
      if (roll(random) < schedule.lost_reply) outcome.result = CallResult::kTransient;
    }
    SagaState next = Advance(kSpec, persisted, outcome, policy, now);
    if (roll(random) < schedule.crash) continue;  // crashed before persisting: reload and redo
    persisted = next;
  }
  run.final_state = persisted;
  return run;
}

class SagaScheduleTest : public ::testing::TestWithParam<Schedule> {};

std::string ScheduleName(std::size_t index) {
  static const char* kNames[] = {"Mild", "Rough", "LossyAndCrashy"};
  return kNames[index];
}

TEST_P(SagaScheduleTest, EverySagaEndsFinalAndCompensatesEachCompletedStepOnce) {
  const RetryPolicy policy{milliseconds(4), milliseconds(1), milliseconds(10)};
  int completed = 0, compensated = 0;
  for (uint64_t seed = 1; seed <= 2000; ++seed) {
    SagaRun run = RunSaga(seed, GetParam(), policy);
    ASSERT_TRUE(IsFinal(run.final_state.phase))
        << "seed " << seed << " ended " << PhaseName(run.final_state.phase);
    for (std::size_t step = 0; step < kSpec.steps.size(); ++step) {
      const FakeParticipant& p = run.participants[step];
      ASSERT_LE(p.effects(), 1) << "seed " << seed << ": step " << step << " acted twice";
      if (run.final_state.phase == SagaPhase::kCompleted) {
        EXPECT_EQ(p.effects(), 1) << "seed " << seed;
        EXPECT_EQ(p.undone(), 0) << "seed " << seed;
      } else {
        // Compensated: whatever took effect was undone exactly once.
        EXPECT_EQ(p.undone(), p.effects()) << "seed " << seed << " step " << step;
      }
    }
    if (run.final_state.phase == SagaPhase::kCompleted) {
      ++completed;
    } else {
      ++compensated;
      EXPECT_FALSE(run.final_state.failure_reason.empty());
      // Nothing after the pivot ran in a compensated saga.
      EXPECT_EQ(run.participants[3].effects(), 0) << "seed " << seed;
    }
  }
  // The schedules are rough enough that both endings occur many times.
  EXPECT_GT(completed, 100);
  EXPECT_GT(compensated, 100);
}

INSTANTIATE_TEST_SUITE_P(Schedules, SagaScheduleTest,
                         ::testing::Values(Schedule{0.2, 0.1, 0.03, 0.1},
                                           Schedule{0.45, 0.2, 0.05, 0.2},
                                           Schedule{0.1, 0.4, 0.1, 0.3}),
                         [](const auto& test_info) { return ScheduleName(test_info.index); });

TEST(SagaTest, ARefusalCompensatesTheStepsBeforeItInReverse) {
  const RetryPolicy policy;
  SagaState state;
  state = Advance(kSpec, state, {CallResult::kOk, ""}, policy, At(0));  // reserved
  state = Advance(kSpec, state, {CallResult::kRefused, "PAYMENT_DECLINED"}, policy, At(0));
  EXPECT_EQ(state.phase, SagaPhase::kCompensating);
  EXPECT_EQ(state.failure_reason, "PAYMENT_DECLINED");
  NextCall call = Next(kSpec, state);
  EXPECT_EQ(call.kind, NextCall::kCompensate);
  EXPECT_EQ(call.step, 0);  // release the reservation; authorize took no effect
  state = Advance(kSpec, state, {CallResult::kOk, ""}, policy, At(0));
  EXPECT_EQ(state.phase, SagaPhase::kCompensated);
}

TEST(SagaTest, AStepThatKeepsFailingForItsBudgetIsItselfCompensatedThenTheOnesBefore) {
  const RetryPolicy policy{std::chrono::seconds(60), milliseconds(1), milliseconds(1)};
  SagaState state;
  state = Advance(kSpec, state, {CallResult::kOk, ""}, policy, At(0));
  // Failing fast, many times, inside the budget: the saga keeps trying.
  for (int i = 0; i < 100; ++i) {
    state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(1000 + i * 100));
  }
  EXPECT_EQ(state.phase, SagaPhase::kRunning);
  EXPECT_EQ(state.attempts, 100);
  EXPECT_EQ(state.failing_since, At(1000));
  state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(1000 + 59999));
  EXPECT_EQ(state.phase, SagaPhase::kRunning);
  // Failing for the whole budget: given up.
  state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(1000 + 60000));
  EXPECT_EQ(state.phase, SagaPhase::kCompensating);
  EXPECT_EQ(state.failure_reason, kDependencyUnavailable);
  EXPECT_EQ(Next(kSpec, state).step, 1);  // void the authorization that may have happened
  EXPECT_EQ(state.failing_since, std::chrono::system_clock::time_point{});
}

TEST(SagaTest, TheBudgetCountsFromTheFirstFailureOfEachCall) {
  const RetryPolicy policy{milliseconds(1000), milliseconds(1), milliseconds(1)};
  SagaState state;
  state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(0));
  EXPECT_EQ(state.failing_since, At(0));
  // Answered: the next step's failures start their own clock.
  state = Advance(kSpec, state, {CallResult::kOk, ""}, policy, At(900));
  EXPECT_EQ(state.failing_since, std::chrono::system_clock::time_point{});
  state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(1500));
  state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(2400));
  EXPECT_EQ(state.phase, SagaPhase::kRunning);
  EXPECT_EQ(state.step, 1);
  EXPECT_EQ(state.failing_since, At(1500));
  state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(2500));
  EXPECT_EQ(state.phase, SagaPhase::kCompensating);
}

TEST(SagaTest, AfterThePivotStepsAreRetriedWithoutLimit) {
  const RetryPolicy policy{milliseconds(2), milliseconds(1), milliseconds(1)};
  SagaState state{SagaPhase::kRunning, 3, 0, "", SagaPhase::kRunning};
  for (int i = 0; i < 50; ++i) {
    state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(i * 1000));
  }
  EXPECT_EQ(state.phase, SagaPhase::kRunning);
  EXPECT_EQ(state.attempts, 50);
  state = Advance(kSpec, state, {CallResult::kOk, ""}, policy, At(0));
  EXPECT_EQ(state.phase, SagaPhase::kCompleted);
}

TEST(SagaTest, ACompensationFailingTransientlyIsRetriedUntilItSucceedsNeverParked) {
  const RetryPolicy policy{milliseconds(2), milliseconds(1), milliseconds(1)};
  SagaState state{SagaPhase::kCompensating, 1, 0, "PAYMENT_DECLINED", SagaPhase::kRunning};
  // A participant down for far longer than any forward budget.
  for (int i = 0; i < 100; ++i) {
    state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(i * 1000));
  }
  EXPECT_EQ(state.phase, SagaPhase::kCompensating);
  EXPECT_EQ(state.attempts, 100);
  EXPECT_EQ(Next(kSpec, state).kind, NextCall::kCompensate);
  EXPECT_EQ(Next(kSpec, state).step, 1);
  state = Advance(kSpec, state, {CallResult::kOk, ""}, policy, At(0));
  EXPECT_EQ(state.phase, SagaPhase::kCompensating);
  EXPECT_EQ(state.step, 0);
  EXPECT_EQ(state.attempts, 0);
}

TEST(SagaTest, ARefusedCompensationParksAndAnOperatorRetryResumesIt) {
  const RetryPolicy policy{milliseconds(2), milliseconds(1), milliseconds(1)};
  SagaState state{SagaPhase::kCompensating, 1, 0, "PAYMENT_DECLINED", SagaPhase::kRunning};
  state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(0));
  state = Advance(kSpec, state, {CallResult::kRefused, "VOID_REFUSED"}, policy, At(0));
  EXPECT_EQ(state.phase, SagaPhase::kNeedsAttention);
  EXPECT_EQ(Next(kSpec, state).kind, NextCall::kNone);
  const std::string refused_id = RequestId("s", kSpec, {NextCall::kCompensate, state.step}, state);
  state = Retry(state);
  EXPECT_EQ(state.phase, SagaPhase::kCompensating);
  EXPECT_EQ(state.step, 1);
  EXPECT_EQ(state.attempts, 0);
  // Participants answer a refused request id with its refusal forever: the retry calls anew.
  EXPECT_EQ(refused_id, "s:" + kSpec.steps[1].name + ":compensate");
  EXPECT_EQ(RequestId("s", kSpec, Next(kSpec, state), state), refused_id + ":retry1");
  // Retrying a saga that is not parked changes nothing; a second refusal and retry calls anew.
  EXPECT_EQ(Retry(state), state);
  state = Advance(kSpec, state, {CallResult::kRefused, "VOID_REFUSED"}, policy, At(0));
  state = Retry(state);
  EXPECT_EQ(RequestId("s", kSpec, Next(kSpec, state), state), refused_id + ":retry2");
}

TEST(SagaTest, APivotThatTookEffectWhileBeingCompensatedGoesForwardAgain) {
  const RetryPolicy policy{milliseconds(1000), milliseconds(1), milliseconds(1)};
  // The pivot's answer never came within the budget: compensating it first.
  SagaState state{SagaPhase::kRunning, 2, 0, "", SagaPhase::kRunning};
  state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(0));
  state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(1000));
  ASSERT_EQ(state.phase, SagaPhase::kCompensating);
  ASSERT_EQ(state.step, kSpec.pivot);
  // Its compensation is refused because it took effect for good: forward from the pivot again.
  state = Advance(kSpec, state, {CallResult::kRefused, kPivotTookEffect}, policy, At(1100));
  EXPECT_EQ(state.phase, SagaPhase::kRunning);
  EXPECT_EQ(state.step, kSpec.pivot);
  EXPECT_EQ(state.failure_reason, "");
  EXPECT_EQ(state.attempts, 0);
  EXPECT_EQ(Next(kSpec, state).kind, NextCall::kForward);
  state = Advance(kSpec, state, {CallResult::kOk, ""}, policy, At(1200));
  EXPECT_EQ(state.step, kSpec.pivot + 1);
  // Any other refusal of a compensation, or that one anywhere but at the pivot, parks.
  SagaState before_pivot{SagaPhase::kCompensating, 1, 0, kDependencyUnavailable,
                         SagaPhase::kRunning};
  EXPECT_EQ(
      Advance(kSpec, before_pivot, {CallResult::kRefused, kPivotTookEffect}, policy, At(0)).phase,
      SagaPhase::kNeedsAttention);
}

TEST(SagaTest, ARefusalAfterThePivotParksWithItsReasonAndARetryGoesOnWithoutIt) {
  const RetryPolicy policy{milliseconds(2), milliseconds(1), milliseconds(1)};
  SagaState state{SagaPhase::kRunning, kSpec.pivot + 1, 0, "", SagaPhase::kRunning};
  state = Advance(kSpec, state, {CallResult::kRefused, "RESERVATION_EXPIRED"}, policy, At(0));
  EXPECT_EQ(state.phase, SagaPhase::kNeedsAttention);
  EXPECT_EQ(state.failure_reason, "RESERVATION_EXPIRED");  // what the operator is shown
  state = Retry(state);
  EXPECT_EQ(state.phase, SagaPhase::kRunning);
  EXPECT_EQ(state.step, kSpec.pivot + 1);
  EXPECT_EQ(state.failure_reason, "");
}

TEST(SagaTest, ARetryAfterARefusalInFrontOfTheParticipantCallsUnderTheSameRequestId) {
  const RetryPolicy policy{milliseconds(2), milliseconds(1), milliseconds(1)};
  SagaState state{SagaPhase::kRunning, kSpec.pivot + 1, 0, "", SagaPhase::kRunning};
  const std::string first = RequestId("s", kSpec, Next(kSpec, state), state);
  // The call reached the participant and its answer was lost; the next one was refused by a
  // bare status code before any participant judged it.
  state = Advance(kSpec, state, {CallResult::kTransient, ""}, policy, At(0));
  state = Advance(kSpec, state, {CallResult::kRefused, "PERMISSION_DENIED"}, policy, At(1));
  ASSERT_EQ(state.phase, SagaPhase::kNeedsAttention);
  state = Retry(state);
  // The same request id: the participant answers what the first call did.
  EXPECT_EQ(RequestId("s", kSpec, Next(kSpec, state), state), first);
  // A participant's own refusal is remembered under that id: the next retry calls anew.
  state = Advance(kSpec, state, {CallResult::kRefused, "COMMIT_EXCEEDS_HOLD"}, policy, At(2));
  state = Retry(state);
  EXPECT_EQ(RequestId("s", kSpec, Next(kSpec, state), state), first + ":retry1");
  EXPECT_TRUE(IsBareStatusCode("FAILED_PRECONDITION"));
  EXPECT_FALSE(IsBareStatusCode("SHIPMENT_ALREADY_CAPTURED"));
  EXPECT_FALSE(IsBareStatusCode(""));
}

TEST(SagaTest, AnOperatorResolutionEndsAParkedSagaWhereItWasGoing) {
  const SagaState compensating{SagaPhase::kNeedsAttention, 1, 2, "PAYMENT_DECLINED",
                               SagaPhase::kCompensating};
  EXPECT_EQ(Resolve(compensating).phase, SagaPhase::kCompensated);
  EXPECT_EQ(Resolve(compensating).failure_reason, "PAYMENT_DECLINED");
  const SagaState forward{SagaPhase::kNeedsAttention, 3, 2, "", SagaPhase::kRunning};
  EXPECT_EQ(Resolve(forward).phase, SagaPhase::kCompleted);
  EXPECT_EQ(Resolve(forward).attempts, 0);
  const SagaState running{SagaPhase::kRunning, 1, 0, "", SagaPhase::kRunning};
  EXPECT_EQ(Resolve(running), running);  // only a parked saga is resolved
}

TEST(SagaTest, BackoffGrowsAndStaysUnderTheCeiling) {
  const RetryPolicy policy{std::chrono::seconds(60), milliseconds(100), milliseconds(2000)};
  EXPECT_EQ(Backoff(policy, 0, 0.999).count(), 99);
  EXPECT_EQ(Backoff(policy, 3, 0.5).count(), 400);
  EXPECT_EQ(Backoff(policy, 30, 0.999).count(), 1998);
  EXPECT_EQ(Backoff(policy, 5, 0.0).count(), 0);
}

}  // namespace
}  // namespace oms::order
