// The saga kinds' definitions as data: each well formed, the order saga's shape, and what the
// follow-up sagas' hooks write. Pure logic.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "order-service/src/sagas/order_saga.h"
#include "order-service/src/sagas/registry.h"
#include "order-service/tests/saga_fakes.h"

namespace oms::order {
namespace {

int IndexOf(const SagaKindDef& kind, const std::string& step) {
  for (std::size_t i = 0; i < kind.steps.size(); ++i) {
    if (kind.steps[i].name == step) return static_cast<int>(i);
  }
  return -1;
}

TEST(SagaKindsTest, EveryKindIsWellFormed) {
  std::set<std::string> names;
  for (const auto& kind : SagaKinds()) {
    EXPECT_TRUE(names.insert(kind.name).second) << "two kinds named " << kind.name;
    EXPECT_EQ(FindSagaKind(kind.name), &kind);
    ASSERT_FALSE(kind.steps.empty()) << kind.name;
    std::set<std::string> steps;
    for (std::size_t i = 0; i < kind.steps.size(); ++i) {
      const StepDef& step = kind.steps[i];
      EXPECT_TRUE(steps.insert(step.name).second) << kind.name << " repeats " << step.name;
      EXPECT_TRUE(static_cast<bool>(step.forward)) << kind.name << ":" << step.name;
      // A compensation after the pivot could never run: the saga only moves forward there.
      if (step.compensate) {
        EXPECT_LE(static_cast<int>(i), kind.spec.pivot) << step.name;
      }
    }
    EXPECT_EQ(kind.spec.steps.size(), kind.steps.size());
    EXPECT_TRUE(static_cast<bool>(kind.on_step_saved)) << kind.name;
  }
  EXPECT_EQ(FindSagaKind("NOT_A_KIND"), nullptr);
}

TEST(SagaKindsTest, TheOrderSagaHoldsItsStockDurablyBeforeThePivot) {
  const SagaKindDef& order = *FindSagaKind(kOrderSagaKind);
  EXPECT_EQ(order.spec.pivot, IndexOf(order, "ship"));
  // Once shipments exist the goods may be picked: the hold must not be able to expire by then.
  EXPECT_LT(IndexOf(order, "keep-reservation"), order.spec.pivot);
  EXPECT_LT(IndexOf(order, "reserve"), IndexOf(order, "keep-reservation"));
}

TEST(SagaKindsTest, OnlyTheOrderSagaSetsTheOrdersLifecycleStatus) {
  for (const auto& kind : SagaKinds()) {
    for (SagaPhase phase : {SagaPhase::kRunning, SagaPhase::kCompleted}) {
      std::vector<std::string> writes;
      RecordingWrites recording(writes);
      ClaimedSaga saga;
      saga.kind = kind.name;
      saga.order_id = "order-1";
      saga.state.phase = phase;
      kind.on_step_saved(saga, StepResult{}, recording);
      const bool sets_status =
          std::any_of(writes.begin(), writes.end(),
                      [](const std::string& write) { return write.rfind("order ", 0) == 0; });
      EXPECT_EQ(sets_status, kind.name == kOrderSagaKind) << kind.name;
    }
  }
}

TEST(SagaKindsTest, AFollowUpSagaFlagsItsOrderWhenParkedAndCompletesItWhenDone) {
  for (const char* name : {kShipmentSagaKind, kReturnSagaKind}) {
    const SagaKindDef& kind = *FindSagaKind(name);
    std::vector<std::string> writes;
    RecordingWrites recording(writes);
    ClaimedSaga saga;
    saga.kind = name;
    saga.state.phase = SagaPhase::kNeedsAttention;
    kind.on_step_saved(saga, StepResult{}, recording);
    saga.state.phase = SagaPhase::kCompleted;
    kind.on_step_saved(saga, StepResult{}, recording);
    EXPECT_EQ(writes, (std::vector<std::string>{"attention", "complete-if-done"})) << name;
  }
}

TEST(SagaKindsTest, ACancellationOfEveryShipmentCancelsTheOrder) {
  const SagaKindDef& cancel = *FindSagaKind(kCancelSagaKind);
  std::vector<std::string> writes;
  RecordingWrites recording(writes);
  ClaimedSaga saga;
  saga.kind = kCancelSagaKind;
  saga.state.phase = SagaPhase::kCompleted;
  StepResult everything;
  everything.output = CancelledEverything{};
  cancel.on_step_saved(saga, everything, recording);
  EXPECT_EQ(writes, std::vector<std::string>{"cancelled"});
  writes.clear();
  cancel.on_step_saved(saga, StepResult{}, recording);  // some shipments had shipped
  EXPECT_EQ(writes, std::vector<std::string>{"complete-if-done"});
}

// An order whose every shipment this saga cancelled is cancelled, a backorder fill's shipment
// among them: the fill is then not something that may still ship. A fill whose shipment is not
// listed yet still is, and keeps the order going.
TEST(SagaKindsTest, ACancellationOfAFillsOnlyShipmentCancelsTheOrder) {
  const SagaKindDef& cancel = *FindSagaKind(kCancelSagaKind);
  const int void_share = IndexOf(cancel, "void-share");
  ASSERT_GE(void_share, 0);
  for (const bool fill_shipment_listed : {true, false}) {
    ClaimedSaga saga;
    saga.kind = kCancelSagaKind;
    saga.order_id = "order-1";
    inventory::v1::BackorderFill& fill = *saga.order.add_backorder_fills();
    fill.set_sequence(12);
    fill.set_warehouse_id("wh-hamburg");
    auto& queued = *saga.order.mutable_allocation()->add_backordered();
    queued.set_sku("BACKPACK-20L");
    queued.set_quantity(1);
    v1::ShipmentSummary& shipment = *saga.order.add_shipments();
    shipment.set_shipment_id("shipment-of-fill");
    shipment.set_warehouse_id("wh-hamburg");
    shipment.set_status("SHIPMENT_STATUS_PENDING");
    if (fill_shipment_listed) shipment.set_backorder_fill_sequence(12);
    v1::CancelPlan plan;
    *plan.add_candidates() = shipment;
    plan.add_cancelled_shipment_ids("shipment-of-fill");
    plan.set_cancelled_backorders(true);
    saga.payload = plan.SerializeAsString();
    FakeParticipants participants;
    std::optional<StepResult> result;
    cancel.steps[void_share].forward(participants, saga, "cancel:void-share",
                                     [&result](StepResult r) { result = std::move(r); });
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(std::holds_alternative<CancelledEverything>(result->output), fill_shipment_listed)
        << (fill_shipment_listed ? "the fill's shipment was cancelled"
                                 : "the fill's shipment is still to come");
  }
}

// The steps after cancel-backorders run on the same claim: they see the order's fills as the
// cancellation left them and nothing queued, and the stored plan says this saga (and no later
// cancellation) voids the queued units' share.
TEST(SagaKindsTest, ACancellationOfTheBackordersIsKeptForTheStepsAfterIt) {
  const SagaKindDef& cancel = *FindSagaKind(kCancelSagaKind);
  std::vector<std::string> writes;
  RecordingWrites recording(writes);
  ClaimedSaga saga;
  saga.kind = kCancelSagaKind;
  saga.state.phase = SagaPhase::kRunning;
  saga.order.set_backordered_units(3);
  v1::CancelPlan plan;
  plan.set_reason("will not wait");
  saga.payload = plan.SerializeAsString();
  StepResult cancelled;
  cancelled.output = BackordersCancelled{};
  cancel.on_step_saved(saga, cancelled, recording);
  EXPECT_EQ(writes, (std::vector<std::string>{"backorders cancelled", "payload"}));
  EXPECT_EQ(saga.order.backordered_units(), 0);
  ASSERT_TRUE(plan.ParseFromString(saga.payload));
  EXPECT_TRUE(plan.cancelled_backorders());
  EXPECT_EQ(plan.reason(), "will not wait");
}

TEST(SagaKindsTest, TheOrderSagaKeepsWhatItsStepsLearnAndRejectsWithTheClientsReason) {
  const SagaKindDef& order = *FindSagaKind(kOrderSagaKind);
  std::vector<std::string> writes;
  RecordingWrites recording(writes);
  ClaimedSaga saga;
  saga.kind = kOrderSagaKind;
  StepResult authorized;
  authorized.output = Authorized{"payment-7"};
  order.on_step_saved(saga, authorized, recording);
  EXPECT_EQ(saga.order.payment().payment_id(), "payment-7");
  EXPECT_EQ(saga.order.status(), v1::ORDER_STATUS_PENDING);
  saga.state.phase = SagaPhase::kCompensated;
  saga.state.failure_reason = "SOMETHING_INTERNAL";
  order.on_step_saved(saga, StepResult{}, recording);
  EXPECT_EQ(writes.back(), "order ORDER_STATUS_REJECTED DEPENDENCY_UNAVAILABLE");
  // Parked, the order saga shows it in the status and flags the order.
  writes.clear();
  saga.state.phase = SagaPhase::kNeedsAttention;
  order.on_step_saved(saga, StepResult{}, recording);
  EXPECT_EQ(writes, (std::vector<std::string>{"order ORDER_STATUS_NEEDS_ATTENTION", "attention"}));
  EXPECT_EQ(RejectionReasonOf("PAYMENT_DECLINED"), "PAYMENT_DECLINED");
}

}  // namespace
}  // namespace oms::order
