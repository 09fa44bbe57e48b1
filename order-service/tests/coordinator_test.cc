// The coordinator with a fake saga store and fake participants: no database, no network. What
// the process-level suites cannot isolate: every step in order and the waiters told, a refusal
// compensating in reverse, a lost lease ending the turn, Stop() waiting for a call in flight,
// and a saga of an unknown kind or step left alone.
#include "order-service/src/coordinator.h"

#include <algorithm>
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

#include "order-service/src/order_metrics.h"
#include "order-service/src/order_waiters.h"
#include "order-service/src/sagas/order_saga.h"
#include "order-service/src/sagas/registry.h"
#include "order-service/tests/saga_fakes.h"

namespace oms::order {
namespace {

using namespace std::chrono_literals;

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
    options.retry = RetryPolicy{10s, 1ms, 2ms};
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
                                      "ExtendReservation s1:keep-reservation",
                                      "CreateShipments s1:ship"}));
  EXPECT_EQ(store_.Writes(), (std::vector<std::string>{
                                 "order ORDER_STATUS_PENDING", "order ORDER_STATUS_PENDING",
                                 "order ORDER_STATUS_PENDING", "order ORDER_STATUS_CONFIRMED"}));
  // A saga of an earlier release: inventory's short hold, extended before the pivot.
  EXPECT_EQ(participants_.ReserveHolds(), std::vector<int>{0});
}

TEST_F(CoordinatorTest, AReserveThatTookTheOrdersHoldLeavesNothingToKeepAndNoSaveOfItsOwn) {
  ClaimedSaga saga = OrderSaga("s1h");
  saga.payload = kHoldFromReserve;
  store_.Add(saga);
  std::atomic<bool> told{false};
  waiters_.Wait("order-s1h", std::chrono::steady_clock::now() + 1h, [&] { told = true; });
  Coordinator coordinator(store_, participants_, waiters_, metrics_, Options());
  coordinator.Kick("s1h");
  ASSERT_TRUE(Eventually([&] { return told.load(); })) << Seen();
  EXPECT_EQ(store_.Phase("s1h"), SagaPhase::kCompleted);
  EXPECT_EQ(participants_.Calls(),
            (std::vector<std::string>{"Reserve s1h:reserve", "Authorize s1h:authorize",
                                      "CreateShipments s1h:ship"}));
  EXPECT_EQ(participants_.ReserveHolds(), std::vector<int>{kOrderHoldSeconds});
  EXPECT_EQ(store_.Writes(),
            (std::vector<std::string>{"order ORDER_STATUS_PENDING", "order ORDER_STATUS_PENDING",
                                      "order ORDER_STATUS_CONFIRMED"}));
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
  // Stopping: no further call was started, and the lease is given up, so that another replica
  // resumes the saga from its saved step at once.
  EXPECT_EQ(participants_.Calls(), std::vector<std::string>{"Reserve s5:reserve"});
  EXPECT_EQ(store_.Holder("s5"), "");
}

TEST_F(CoordinatorTest, ACallOutlastingAThirdOfTheLeaseRenewsItAndAnEndedTurnNoLonger) {
  store_.Add(OrderSaga("s7"));
  participants_.Hold("Reserve");
  CoordinatorOptions options = Options();
  options.lease = 1s;
  Coordinator coordinator(store_, participants_, waiters_, metrics_, options);
  coordinator.Start();
  coordinator.Kick("s7");
  ASSERT_TRUE(Eventually([&] { return participants_.Holding(); }));
  // The call is still out: the lease is renewed, again and again, while it is.
  ASSERT_TRUE(Eventually([&] { return store_.Renewals("s7") >= 2; })) << Seen();
  EXPECT_EQ(store_.Holder("s7"), "replica-a");
  participants_.Release();
  ASSERT_TRUE(Eventually([&] { return store_.Phase("s7") == SagaPhase::kCompleted; })) << Seen();
  // The saga's turn is over: its lease is no longer renewed.
  const int renewals = store_.Renewals("s7");
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(store_.Renewals("s7"), renewals);
  coordinator.Stop();
}

TEST_F(CoordinatorTest, FailpointsFailACallBeforeItIsMadeOrLoseTheAnswerOfOneThatWas) {
  store_.Add(OrderSaga("s8"));
  CoordinatorOptions options = Options();
  options.failpoints = Failpoints::Parse(
      "order.before_reserve=error(UNAVAILABLE)@nth1,"
      "order.after_authorize=reply_lost@nth1");
  Coordinator coordinator(store_, participants_, waiters_, metrics_, options);
  coordinator.Start();
  coordinator.Kick("s8");
  ASSERT_TRUE(Eventually([&] { return store_.Phase("s8") == SagaPhase::kCompleted; })) << Seen();
  coordinator.Stop();
  const auto calls = participants_.Calls();
  // The first reserve was never made; the first authorization was made and its answer lost, so
  // it is made again under the same request id.
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "Reserve s8:reserve"), 1) << Seen();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "Authorize s8:authorize"), 2) << Seen();
  const auto journal = store_.Journal();
  ASSERT_GE(journal.size(), 4u);
  EXPECT_EQ(journal[0], "s8:reserve TRANSIENT");
  EXPECT_EQ(journal[1], "s8:reserve OK");
  EXPECT_EQ(journal[2], "s8:authorize TRANSIENT");
  EXPECT_EQ(journal[3], "s8:authorize OK");
}

TEST_F(CoordinatorTest, AFailpointErrorOfARefusalCodeIsARefusalOfACallNeverMade) {
  store_.Add(OrderSaga("s10"));
  CoordinatorOptions options = Options();
  options.failpoints = Failpoints::Parse("order.before_authorize=error(FAILED_PRECONDITION)@nth1");
  Coordinator coordinator(store_, participants_, waiters_, metrics_, options);
  coordinator.Kick("s10");
  ASSERT_TRUE(Eventually([&] { return store_.Phase("s10") == SagaPhase::kCompensated; })) << Seen();
  coordinator.Stop();
  // Refused as a participant's FAILED_PRECONDITION would be: the reserve is compensated and the
  // authorization never made, nor retried.
  EXPECT_EQ(participants_.Calls(),
            (std::vector<std::string>{"Reserve s10:reserve",
                                      "ReleaseReservation s10:reserve:compensate"}));
  EXPECT_EQ(store_.Journal()[1], "s10:authorize REFUSED");
  // A reason the order API does not name reaches the customer as DEPENDENCY_UNAVAILABLE.
  EXPECT_EQ(store_.Writes().back(), "order ORDER_STATUS_REJECTED DEPENDENCY_UNAVAILABLE");
}

TEST_F(CoordinatorTest, ShipmentsThatShippedWhileTheirCreateWentUnansweredConfirmTheOrder) {
  store_.Add(OrderSaga("s9"));
  // The create's answers never come for longer than the budget, and meanwhile the warehouse
  // shipped: shipping refuses the cancellation. The order goes forward, not to an operator.
  participants_.Script("CreateShipments",
                       {{CallResult::kTransient, ""}, {CallResult::kTransient, ""}});
  participants_.Script("CancelShipments", {{CallResult::kRefused, "SHIPMENT_ALREADY_SHIPPED"}});
  CoordinatorOptions options = Options();
  options.retry = RetryPolicy{1ms, 1ms, 2ms};
  Coordinator coordinator(store_, participants_, waiters_, metrics_, options);
  coordinator.Start();
  coordinator.Kick("s9");
  ASSERT_TRUE(Eventually([&] { return store_.Phase("s9") == SagaPhase::kCompleted; })) << Seen();
  coordinator.Stop();
  const auto calls = participants_.Calls();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "CancelShipments s9:ship:compensate"), 1)
      << Seen();
  EXPECT_EQ(calls.back(), "CreateShipments s9:ship") << Seen();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "VoidPayment s9:authorize:compensate"), 0);
  EXPECT_EQ(store_.Writes().back(), "order ORDER_STATUS_CONFIRMED") << Seen();
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
