// The coordinator with a fake saga store and fake participants: no database, no network. What
// the process-level suites cannot isolate: every step in order and the waiters told, a refusal
// compensating in reverse, a lost lease ending the turn, Stop() waiting for a call in flight,
// and a saga of an unknown kind or step left alone.
#include "order-service/src/coordinator.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "common/status.h"
#include "order-service/src/order_metrics.h"
#include "order-service/src/order_waiters.h"
#include "order-service/src/sagas/registry.h"

namespace oms::order {
namespace {

using namespace std::chrono_literals;

// Polls `done` until it holds or five seconds pass.
template <class Predicate>
bool Eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Records every write a hook makes, as text.
class RecordingWrites : public SagaWrites {
 public:
  explicit RecordingWrites(std::vector<std::string>& log) : log_(log) {}
  void RecordOrderProgress(const OrderProgress& progress) override {
    log_.push_back("order " + v1::OrderStatus_Name(progress.status) +
                   (progress.rejection_reason.empty() ? "" : " " + progress.rejection_reason));
  }
  void MarkOrderCancelled(const std::string&) override { log_.push_back("cancelled"); }
  void FlagOrderAttention(const std::string&) override { log_.push_back("attention"); }
  void CompleteOrderIfDone(const std::string&) override { log_.push_back("complete-if-done"); }
  void SetSagaPayload(const std::string&, const std::string&) override {
    log_.push_back("payload");
  }
  void UpdateReturn(const v1::Return&) override { log_.push_back("return"); }
  void FinishReceipt(const v1::Return&) override { log_.push_back("receipt"); }

 private:
  std::vector<std::string>& log_;
};

// Sagas in memory, with the leases and fencing of the real store.
class FakeSagaStore : public SagaStore {
 public:
  void Add(ClaimedSaga saga) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string id = saga.saga_id;
    sagas_[id] = Row{std::move(saga), "", std::chrono::steady_clock::now()};
  }
  // From the next SaveStep on, another replica holds every saga.
  void LoseLeases() { lose_leases_ = true; }

  absl::StatusOr<std::vector<ClaimedSaga>> Claim(const std::string& owner, std::chrono::seconds,
                                                 int limit, const std::string& saga_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ClaimedSaga> claimed;
    for (auto& [id, row] : sagas_) {
      if (static_cast<int>(claimed.size()) >= limit) break;
      if (!saga_id.empty() && id != saga_id) continue;
      const SagaPhase phase = row.saga.state.phase;
      if (phase != SagaPhase::kRunning && phase != SagaPhase::kCompensating) continue;
      if (!row.holder.empty() || row.due > std::chrono::steady_clock::now()) continue;
      row.holder = owner;
      ++claims_;
      ++row.saga.epoch;
      row.saga.owner = owner;
      claimed.push_back(row.saga);
    }
    return claimed;
  }

  absl::Status SaveStep(const ClaimedSaga& saga, const SagaState& next, const JournalEntry& entry,
                        std::chrono::milliseconds retry_after, std::chrono::seconds,
                        const std::function<void(SagaWrites&)>& writes) override {
    std::lock_guard<std::mutex> lock(mu_);
    Row& row = sagas_.at(saga.saga_id);
    if (lose_leases_ || row.holder != saga.owner || row.saga.epoch != saga.epoch) {
      return WithReason(absl::StatusCode::kAborted, "LEASE_LOST", "held by another replica");
    }
    RecordingWrites recording(writes_);
    writes(recording);
    journal_.push_back(entry.request_id + " " + entry.outcome);
    row.saga.state = next;
    const bool active = next.phase == SagaPhase::kRunning || next.phase == SagaPhase::kCompensating;
    if (!active || retry_after.count() > 0) row.holder.clear();
    row.due = std::chrono::steady_clock::now() + retry_after;
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<SagaCount>> CountOpenSagas() override {
    return std::vector<SagaCount>{};
  }

  int Claims() {
    std::lock_guard<std::mutex> lock(mu_);
    return claims_;
  }
  SagaPhase Phase(const std::string& saga_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return sagas_.at(saga_id).saga.state.phase;
  }
  std::vector<std::string> Journal() {
    std::lock_guard<std::mutex> lock(mu_);
    return journal_;
  }
  std::vector<std::string> Writes() {
    std::lock_guard<std::mutex> lock(mu_);
    return writes_;
  }

 private:
  struct Row {
    ClaimedSaga saga;
    std::string holder;
    std::chrono::steady_clock::time_point due;
  };
  std::mutex mu_;
  std::map<std::string, Row> sagas_;
  std::vector<std::string> journal_;
  std::vector<std::string> writes_;
  int claims_ = 0;
  std::atomic<bool> lose_leases_{false};
};

// Answers each call at once with the outcome scripted for its method (OK when none), or holds
// the answer of one method until Release().
class FakeParticipants : public Participants {
 public:
  void Script(const std::string& method, std::vector<CallOutcome> outcomes) {
    std::lock_guard<std::mutex> lock(mu_);
    script_[method] = std::move(outcomes);
  }
  void Hold(const std::string& method) { held_method_ = method; }
  bool Holding() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<bool>(held_);
  }
  void Release() {
    StepDone done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done = std::move(held_);
      held_ = nullptr;
    }
    done(StepResult{});
  }
  std::vector<std::string> Calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

  void Reserve(const std::string& id, const v1::Order&, StepDone done) override {
    StepResult result;
    result.output = Reserved{};
    Answer("Reserve", id, std::move(done), std::move(result));
  }
  void ReleaseReservation(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("ReleaseReservation", id, std::move(done));
  }
  void Authorize(const std::string& id, const v1::Order&, const std::string&,
                 StepDone done) override {
    StepResult result;
    result.output = Authorized{"payment-1"};
    Answer("Authorize", id, std::move(done), std::move(result));
  }
  void VoidPayment(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("VoidPayment", id, std::move(done));
  }
  void CreateShipments(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("CreateShipments", id, std::move(done));
  }
  void CancelShipments(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("CancelShipments", id, std::move(done));
  }
  void ExtendReservation(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("ExtendReservation", id, std::move(done));
  }
  void CommitShipment(const std::string& id, const v1::Order&, const shipping::v1::OutboxEvent&,
                      StepDone done) override {
    Answer("CommitShipment", id, std::move(done));
  }
  void CaptureShipment(const std::string& id, const v1::Order&, const shipping::v1::OutboxEvent&,
                       StepDone done) override {
    Answer("CaptureShipment", id, std::move(done));
  }
  void CancelShipment(const std::string& id, const std::string&, StepDone done) override {
    Answer("CancelShipment", id, std::move(done));
  }
  void ReleaseWarehouse(const std::string& id, const v1::Order&, const std::string&,
                        StepDone done) override {
    Answer("ReleaseWarehouse", id, std::move(done));
  }
  void VoidShare(const std::string& id, const v1::Order&, int64_t, StepDone done) override {
    Answer("VoidShare", id, std::move(done));
  }
  void CreateReturnShipment(const std::string& id, const v1::Order&, const v1::Return&,
                            StepDone done) override {
    Answer("CreateReturnShipment", id, std::move(done));
  }
  void Restock(const std::string& id, const v1::Return&, const std::string&, int64_t, int64_t,
               StepDone done) override {
    Answer("Restock", id, std::move(done));
  }
  void Refund(const std::string& id, const v1::Return&, const v1::RefundShare&,
              StepDone done) override {
    Answer("Refund", id, std::move(done));
  }
  void RecordReceived(const std::string& id, const v1::Return&, StepDone done) override {
    Answer("RecordReceived", id, std::move(done));
  }

 private:
  void Answer(const std::string& method, const std::string& id, StepDone done,
              StepResult result = {}) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(method + " " + id);
      if (method == held_method_) {
        held_ = std::move(done);
        return;
      }
      auto& outcomes = script_[method];
      if (!outcomes.empty()) {
        result.outcome = outcomes.front();
        outcomes.erase(outcomes.begin());
      }
    }
    if (result.outcome.result != CallResult::kOk) result.output = std::monostate{};
    done(std::move(result));
  }

  std::mutex mu_;
  std::map<std::string, std::vector<CallOutcome>> script_;
  std::vector<std::string> calls_;
  std::string held_method_;
  StepDone held_;
};

ClaimedSaga OrderSaga(const std::string& id) {
  ClaimedSaga saga;
  saga.kind = kOrderSagaKind;
  saga.saga_id = id;
  saga.order_id = "order-" + id;
  saga.order.set_id(saga.order_id);
  return saga;
}

class CoordinatorTest : public ::testing::Test {
 protected:
  CoordinatorOptions Options() {
    CoordinatorOptions options;
    options.owner = "replica-a";
    options.workers = 2;
    options.scan_interval = 5ms;
    options.retry = RetryPolicy{3, 1ms, 2ms};
    return options;
  }

  // What the fakes saw, for failure messages.
  std::string Seen() {
    std::string seen = "calls:";
    for (const auto& call : participants_.Calls()) seen += " [" + call + "]";
    seen += " journal:";
    for (const auto& entry : store_.Journal()) seen += " [" + entry + "]";
    seen += " writes:";
    for (const auto& write : store_.Writes()) seen += " [" + write + "]";
    return seen;
  }

  prometheus::Registry registry_;
  OrderMetrics metrics_{registry_};
  OrderWaiters waiters_;
  FakeSagaStore store_;
  FakeParticipants participants_;
};

TEST_F(CoordinatorTest, AKickRunsEveryStepInOrderAndTellsTheOrdersWaiters) {
  store_.Add(OrderSaga("s1"));
  std::atomic<bool> told{false};
  waiters_.Wait("order-s1", std::chrono::steady_clock::now() + 1h, [&] { told = true; });
  Coordinator coordinator(store_, participants_, waiters_, metrics_, Options());
  coordinator.Kick("s1");
  ASSERT_TRUE(Eventually([&] { return told.load(); })) << Seen();
  EXPECT_EQ(store_.Phase("s1"), SagaPhase::kCompleted);
  EXPECT_EQ(participants_.Calls(),
            (std::vector<std::string>{"Reserve s1:reserve", "Authorize s1:authorize",
                                      "CreateShipments s1:ship",
                                      "ExtendReservation s1:keep-reservation"}));
  EXPECT_EQ(store_.Writes(), (std::vector<std::string>{
                                 "order ORDER_STATUS_PENDING", "order ORDER_STATUS_PENDING",
                                 "order ORDER_STATUS_PENDING", "order ORDER_STATUS_CONFIRMED"}));
}

TEST_F(CoordinatorTest, ARefusalCompensatesTheStepsBeforeItInReverseAndRejectsTheOrder) {
  store_.Add(OrderSaga("s2"));
  participants_.Script("Authorize", {{CallResult::kRefused, "PAYMENT_DECLINED"}});
  std::atomic<bool> told{false};
  waiters_.Wait("order-s2", std::chrono::steady_clock::now() + 1h, [&] { told = true; });
  Coordinator coordinator(store_, participants_, waiters_, metrics_, Options());
  coordinator.Kick("s2");
  ASSERT_TRUE(Eventually([&] { return told.load(); })) << Seen();
  EXPECT_EQ(store_.Phase("s2"), SagaPhase::kCompensated);
  EXPECT_EQ(participants_.Calls(),
            (std::vector<std::string>{"Reserve s2:reserve", "Authorize s2:authorize",
                                      "ReleaseReservation s2:reserve:compensate"}));
  EXPECT_EQ(store_.Writes().back(), "order ORDER_STATUS_REJECTED PAYMENT_DECLINED");
}

TEST_F(CoordinatorTest, ATransientFailureIsRetriedLaterWithTheSameRequestId) {
  store_.Add(OrderSaga("s3"));
  participants_.Script("Reserve", {{CallResult::kTransient, ""}});
  Coordinator coordinator(store_, participants_, waiters_, metrics_, Options());
  coordinator.Start();  // the scan takes the saga up again once its backoff has passed
  coordinator.Kick("s3");
  ASSERT_TRUE(Eventually([&] { return store_.Phase("s3") == SagaPhase::kCompleted; }));
  const auto calls = participants_.Calls();
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls[0], "Reserve s3:reserve");
  EXPECT_EQ(calls[1], "Reserve s3:reserve");
  EXPECT_EQ(store_.Journal().front(), "s3:reserve TRANSIENT");
}

TEST_F(CoordinatorTest, ALeaseLostMidStepEndsTheTurnWithoutAnotherCall) {
  store_.Add(OrderSaga("s4"));
  store_.LoseLeases();
  Coordinator coordinator(store_, participants_, waiters_, metrics_, Options());
  coordinator.Kick("s4");
  ASSERT_TRUE(Eventually([&] { return !participants_.Calls().empty(); }));
  coordinator.Stop();  // returns once the turn has ended
  EXPECT_EQ(participants_.Calls(), std::vector<std::string>{"Reserve s4:reserve"});
  EXPECT_TRUE(store_.Journal().empty());
  EXPECT_EQ(store_.Phase("s4"), SagaPhase::kRunning);
}

TEST_F(CoordinatorTest, StopWaitsForACallInFlightAndSavesItsOutcomeFirst) {
  store_.Add(OrderSaga("s5"));
  participants_.Hold("Reserve");
  Coordinator coordinator(store_, participants_, waiters_, metrics_, Options());
  coordinator.Kick("s5");
  ASSERT_TRUE(Eventually([&] { return participants_.Holding(); }));
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    coordinator.Stop();
    stopped = true;
  });
  // Stop() cannot return while the reply is outstanding.
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(stopped.load());
  participants_.Release();
  stopper.join();
  EXPECT_EQ(store_.Journal(), std::vector<std::string>{"s5:reserve OK"});
  // Stopping: no further call was started; the saga resumes from its saved step.
  EXPECT_EQ(participants_.Calls(), std::vector<std::string>{"Reserve s5:reserve"});
}

TEST_F(CoordinatorTest, ASagaOfAnUnknownKindOrStepIsLeftAloneNeverRunAsAnother) {
  ClaimedSaga unknown_kind = OrderSaga("s6");
  unknown_kind.kind = "NOT_A_KIND";
  store_.Add(unknown_kind);
  ClaimedSaga unknown_step = OrderSaga("s7");
  unknown_step.state.step = 9;
  store_.Add(unknown_step);
  Coordinator coordinator(store_, participants_, waiters_, metrics_, Options());
  coordinator.Kick("s6");
  coordinator.Kick("s7");
  ASSERT_TRUE(Eventually([&] { return store_.Claims() == 2; }));
  coordinator.Stop();  // waits for both turns to end
  EXPECT_TRUE(participants_.Calls().empty());
  EXPECT_TRUE(store_.Journal().empty());
  EXPECT_EQ(store_.Phase("s6"), SagaPhase::kRunning);
  EXPECT_EQ(store_.Phase("s7"), SagaPhase::kRunning);
}

}  // namespace
}  // namespace oms::order
