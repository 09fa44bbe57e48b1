#include "order-service/src/order_edit.h"

#include <gtest/gtest.h>

#include "common/status.h"
#include "order-service/src/participants.h"
#include "order-service/src/sagas/registry.h"
#include "order-service/tests/saga_fakes.h"

namespace oms::order {
namespace {

// 3 MUG at wh-a and 2 at wh-b, 1 PACK at wh-b; CONFIRMED at version 1.
v1::Order Confirmed() {
  v1::Order order;
  order.set_id("order-1");
  order.set_status(v1::ORDER_STATUS_CONFIRMED);
  order.set_version(1);
  order.mutable_total()->set_amount_minor(10000);
  auto* mug = order.add_lines();
  mug->set_sku("MUG");
  mug->set_quantity(5);
  auto* pack = order.add_lines();
  pack->set_sku("PACK");
  pack->set_quantity(1);
  auto* a = order.mutable_allocation()->add_groups();
  a->set_warehouse_id("wh-a");
  a->add_lines()->set_sku("MUG");
  a->mutable_lines(0)->set_quantity(3);
  auto* b = order.mutable_allocation()->add_groups();
  b->set_warehouse_id("wh-b");
  b->add_lines()->set_sku("MUG");
  b->mutable_lines(0)->set_quantity(2);
  b->add_lines()->set_sku("PACK");
  b->mutable_lines(1)->set_quantity(1);
  for (const char* warehouse : {"wh-a", "wh-b"}) {
    auto* shipment = order.add_shipments();
    shipment->set_shipment_id(std::string("ship-") + warehouse);
    shipment->set_warehouse_id(warehouse);
    shipment->set_status("SHIPMENT_STATUS_PENDING");
  }
  return order;
}

google::protobuf::RepeatedPtrField<v1::OrderLineRequest> Lines(
    std::initializer_list<std::pair<const char*, int64_t>> lines) {
  google::protobuf::RepeatedPtrField<v1::OrderLineRequest> out;
  for (const auto& [sku, quantity] : lines) {
    auto* line = out.Add();
    line->set_sku(sku);
    line->set_quantity(quantity);
  }
  return out;
}

TEST(OrderEditTest, OnlyAConfirmedOrderAtItsVersionWithNothingShippedIsEdited) {
  v1::Order order = Confirmed();
  EXPECT_TRUE(CheckEditable(order, 1).ok());
  EXPECT_EQ(ReasonOf(CheckEditable(order, 2)), "VERSION_CONFLICT");
  order.mutable_shipments(1)->set_status("SHIPMENT_STATUS_SHIPPED");
  EXPECT_EQ(ReasonOf(CheckEditable(order, 1)), "LINE_ALREADY_SHIPPED");
  order = Confirmed();
  order.set_status(v1::ORDER_STATUS_PENDING);
  EXPECT_EQ(ReasonOf(CheckEditable(order, 1)), "ORDER_NOT_EDITABLE");
  order = Confirmed();
  order.mutable_shipments(0)->add_short_picked()->set_sku("MUG");
  EXPECT_EQ(ReasonOf(CheckEditable(order, 1)), "ORDER_NOT_EDITABLE");
  order = Confirmed();
  order.mutable_allocation()->add_backordered()->set_sku("MUG");
  EXPECT_EQ(ReasonOf(CheckEditable(order, 1)), "ORDER_NOT_EDITABLE");
}

TEST(OrderEditTest, TheDifferenceIsTakenPerSkuAndRemovedFromTheHighestWarehouseFirst) {
  const v1::Order order = Confirmed();
  // PACK cancelled, MUG from 5 to 2, a new LAMP.
  const LineChanges changes = DiffLines(order, Lines({{"MUG", 2}, {"LAMP", 4}}));
  EXPECT_EQ(changes.added, (std::map<std::string, int64_t>{{"LAMP", 4}}));
  EXPECT_EQ(changes.removed, (std::map<std::string, int64_t>{{"MUG", 3}, {"PACK", 1}}));
  EXPECT_TRUE(DiffLines(order, Lines({{"PACK", 1}, {"MUG", 5}})).empty());

  const auto removed = RemovedByWarehouse(order.allocation(), changes.removed);
  ASSERT_EQ(removed.size(), 3u);
  EXPECT_EQ(removed[0].warehouse_id() + removed[0].sku() + std::to_string(removed[0].quantity()),
            "wh-bMUG2");
  EXPECT_EQ(removed[1].warehouse_id() + removed[1].sku() + std::to_string(removed[1].quantity()),
            "wh-aMUG1");
  EXPECT_EQ(removed[2].warehouse_id() + removed[2].sku() + std::to_string(removed[2].quantity()),
            "wh-bPACK1");

  v1::Order edited;
  edited.mutable_total()->set_amount_minor(12500);
  const v1::EditPlan plan = MakeEditPlan("edit-1", order, edited, changes);
  EXPECT_EQ(plan.from_version(), 1);
  EXPECT_EQ(plan.to_version(), 2);
  EXPECT_EQ(plan.edited().version(), 2);
  EXPECT_EQ(plan.increase_minor(), 2500);
  EXPECT_EQ(plan.decrease_minor(), 0);
  EXPECT_EQ(plan.removed_size(), 3);
  ASSERT_EQ(plan.added_size(), 1);
  EXPECT_EQ(plan.added(0).sku(), "LAMP");

  // The LAMPs held at a new warehouse: wh-b goes (nothing left), wh-a keeps 2 MUG.
  inventory::v1::Allocation added;
  auto* c = added.add_groups();
  c->set_warehouse_id("wh-c");
  c->add_lines()->set_sku("LAMP");
  c->mutable_lines(0)->set_quantity(4);
  const auto allocation = EditedAllocation(order.allocation(), plan.removed(), added);
  ASSERT_EQ(allocation.groups_size(), 2) << allocation.DebugString();
  EXPECT_EQ(allocation.groups(0).warehouse_id(), "wh-a");
  EXPECT_EQ(allocation.groups(0).lines(0).quantity(), 2);
  EXPECT_EQ(allocation.groups(1).warehouse_id(), "wh-c");
  EXPECT_EQ(allocation.groups(1).lines(0).quantity(), 4);
}

TEST(OrderEditTest, ExistingLinesKeepTheirCapturedPriceAndAdjustments) {
  v1::Order order = Confirmed();
  order.mutable_lines(0)->mutable_unit_price()->set_amount_minor(1299);
  order.mutable_lines(0)->set_name("Mug as sold");
  auto* adjustment = order.mutable_lines(0)->add_adjustments();
  adjustment->set_code("MUG10");
  adjustment->mutable_applied()->set_amount_minor(130);
  inventory::v1::BatchGetProductsResponse catalog;
  auto* mug = catalog.add_products();
  mug->set_sku("MUG");
  mug->mutable_unit_price()->set_amount_minor(1499);
  mug->set_active(false);
  auto* lamp = catalog.add_products();
  lamp->set_sku("LAMP");
  lamp->mutable_unit_price()->set_amount_minor(4000);
  KeepCapturedPrices(order, &catalog);
  EXPECT_EQ(catalog.products(0).unit_price().amount_minor(), 1299);
  EXPECT_EQ(catalog.products(0).name(), "Mug as sold");
  EXPECT_TRUE(catalog.products(0).active());
  EXPECT_EQ(catalog.products(1).unit_price().amount_minor(), 4000);

  const auto request = RepricingRequest(order, Lines({{"MUG", 1}, {"LAMP", 1}}));
  ASSERT_EQ(request.lines_size(), 2);
  ASSERT_EQ(request.lines(0).adjustments_size(), 1);
  EXPECT_EQ(request.lines(0).adjustments(0).code(), "MUG10");
  EXPECT_FALSE(request.lines(0).adjustments(0).has_applied());
  EXPECT_TRUE(request.lines(1).adjustments().empty());
}

TEST(OrderEditTest, TheEditSagaTakesTheNewVersionAtItsPivotAndCompensatesBeforeIt) {
  const SagaKindDef& edit = *FindSagaKind(kEditSagaKind);
  EXPECT_EQ(edit.pivot, "cancel-previous");
  std::vector<std::string> writes;
  RecordingWrites recording(writes);
  ClaimedSaga saga;
  saga.kind = kEditSagaKind;
  saga.order_id = "order-1";
  saga.order = Confirmed();
  saga.state.phase = SagaPhase::kRunning;
  v1::Order edited;
  edited.mutable_total()->set_amount_minor(12500);
  saga.payload = MakeEditPlan("edit-1", saga.order, edited,
                              DiffLines(saga.order, Lines({{"MUG", 2}, {"LAMP", 4}})))
                     .SerializeAsString();
  StepResult reserved;
  inventory::v1::Allocation held;
  held.add_groups()->set_warehouse_id("wh-c");
  held.mutable_groups(0)->add_lines()->set_sku("LAMP");
  held.mutable_groups(0)->mutable_lines(0)->set_quantity(4);
  reserved.output = Reserved{held};
  edit.on_step_saved(saga, reserved, recording);
  EXPECT_EQ(writes, (std::vector<std::string>{"payload"}));
  v1::EditPlan plan;
  ASSERT_TRUE(plan.ParseFromString(saga.payload));
  EXPECT_EQ(plan.added_allocation().groups(0).warehouse_id(), "wh-c");

  writes.clear();
  StepResult cancelled;
  cancelled.output = PreviousVersionCancelled{};
  edit.on_step_saved(saga, cancelled, recording);
  EXPECT_EQ(writes, (std::vector<std::string>{"version 2"}));
  EXPECT_EQ(saga.order.version(), 2);
  EXPECT_EQ(saga.order.total().amount_minor(), 12500);
  EXPECT_EQ(saga.order.id(), "order-1");
  ASSERT_EQ(saga.order.allocation().groups_size(), 2);
  EXPECT_EQ(saga.order.allocation().groups(1).warehouse_id(), "wh-c");
  for (const auto& shipment : saga.order.shipments()) {
    EXPECT_EQ(shipment.status(), "SHIPMENT_STATUS_CANCELLED");
  }

  // Undone before the pivot: the units added are released where they are held, and exactly the
  // increase is voided (never 0, which would void the whole payment).
  FakeParticipants participants;
  std::vector<std::string> answers;
  auto step = [&](const std::string& name) -> const StepDef& {
    for (const auto& def : edit.steps) {
      if (def.name == name) return def;
    }
    ADD_FAILURE() << name;
    return edit.steps[0];
  };
  step("reserve-added").compensate(participants, saga, "saga-1:reserve-added", [&](StepResult) {
    answers.push_back("released");
  });
  step("authorize-increase")
      .compensate(participants, saga, "saga-1:authorize-increase",
                  [&](StepResult) { answers.push_back("voided"); });
  EXPECT_EQ(answers, (std::vector<std::string>{"released", "voided"}));
  EXPECT_EQ(participants.Calls(),
            (std::vector<std::string>{"ReleaseUnits saga-1:reserve-added:wh-c",
                                      "VoidShare saga-1:authorize-increase"}));
  // Undone, the edit has ended: a delivered order may complete.
  writes.clear();
  saga.state.phase = SagaPhase::kCompensated;
  edit.on_step_saved(saga, StepResult{}, recording);
  EXPECT_EQ(writes, (std::vector<std::string>{"complete-if-done"}));
}

// The pivot given up with its outcome unknown is asked again: cancelled now means the new version
// goes ahead (forward from the pivot); a shipment that shipped means nothing was cancelled, and
// the compensation goes on.
TEST(OrderEditTest, APivotOfUnknownOutcomeIsAskedAgainBeforeAnythingIsUndone) {
  const SagaKindDef& edit = *FindSagaKind(kEditSagaKind);
  const StepDef* pivot = nullptr;
  for (const auto& step : edit.steps) {
    if (step.name == edit.pivot) pivot = &step;
  }
  ASSERT_NE(pivot, nullptr);
  ASSERT_TRUE(static_cast<bool>(pivot->compensate));
  ClaimedSaga saga;
  saga.kind = kEditSagaKind;
  saga.order = Confirmed();
  FakeParticipants participants;
  participants.Script("CancelForEdit",
                      {CallOutcome{CallResult::kOk, ""},
                       CallOutcome{CallResult::kRefused, "SHIPMENT_ALREADY_SHIPPED"},
                       CallOutcome{CallResult::kTransient, "UNAVAILABLE"}});
  std::vector<CallOutcome> outcomes;
  for (int i = 0; i < 3; ++i) {
    pivot->compensate(participants, saga, "saga-1:cancel-previous:compensate",
                      [&](StepResult result) { outcomes.push_back(result.outcome); });
  }
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].result, CallResult::kRefused);
  EXPECT_EQ(outcomes[0].reason, kPivotTookEffect);
  EXPECT_EQ(outcomes[1].result, CallResult::kOk);
  EXPECT_EQ(outcomes[2].result, CallResult::kTransient);
}

}  // namespace
}  // namespace oms::order
