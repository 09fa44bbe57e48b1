// The participants over fake peer clients: each step's request is built from the order alone, so
// a retry sends the same bytes, and each answer becomes the step's outcome (done, transient, or
// refused with the participant's reason) and what the saga keeps.
#include "order-service/src/grpc_participants.h"

#include <functional>
#include <string>
#include <utility>
#include <variant>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/grpc_status.h"
#include "common/status.h"
#include "order-service/tests/peer_fakes.h"

namespace oms::order {
namespace {

v1::Order TwoLineOrder() {
  v1::Order order;
  order.set_id("order-1");
  order.set_currency("EUR");
  order.mutable_total()->set_currency("EUR");
  order.mutable_total()->set_amount_minor(5198);
  order.mutable_shipping_address()->set_country("DE");
  order.mutable_shipping_address()->set_region("SN");
  order.set_allocation_strategy(inventory::v1::ALLOCATION_STRATEGY_MINIMIZE_SPLITS);
  for (const char* sku : {"BACKPACK-20L", "BOTTLE-1L"}) {
    auto* line = order.add_lines();
    line->set_sku(sku);
    line->set_quantity(2);
    line->set_unit_weight_grams(sku[1] == 'A' ? 1200 : 300);
  }
  auto* group = order.mutable_allocation()->add_groups();
  group->set_warehouse_id("wh-leipzig");
  auto* allocated = group->add_lines();
  allocated->set_sku("BACKPACK-20L");
  allocated->set_quantity(2);
  return order;
}

class GrpcParticipantsTest : public ::testing::Test {
 protected:
  // Runs one step (the fakes answer at once) and hands back its result.
  StepResult Run(const std::function<void(StepDone)>& step) {
    StepResult result;
    int answers = 0;
    step([&](StepResult answered) {
      result = std::move(answered);
      ++answers;
    });
    EXPECT_EQ(answers, 1);
    return result;
  }

  FakeInventoryClient inventory_;
  FakeBillingClient billing_;
  FakeShippingClient shipping_;
  std::unique_ptr<Participants> participants_ =
      MakeGrpcParticipants(inventory_, billing_, shipping_);
  const v1::Order order_ = TwoLineOrder();
};

TEST_F(GrpcParticipantsTest, AReservationAsksForEveryLineAndKeepsTheAllocation) {
  inventory::v1::Reservation reservation;
  reservation.mutable_allocation()->add_groups()->set_warehouse_id("wh-leipzig");
  inventory_.Script("ReserveStock", grpc::Status::OK, reservation);
  StepResult result =
      Run([&](StepDone done) { participants_->Reserve("s1:reserve", order_, 0, std::move(done)); });
  EXPECT_EQ(result.outcome.result, CallResult::kOk);
  ASSERT_TRUE(std::holds_alternative<Reserved>(result.output));
  EXPECT_EQ(std::get<Reserved>(result.output).allocation.groups(0).warehouse_id(), "wh-leipzig");
  ASSERT_EQ(inventory_.Calls().size(), 1u);
  EXPECT_EQ(inventory_.Calls()[0],
            "ReserveStock s1:reserve request_id: \"s1:reserve\" order_id: \"order-1\" "
            "lines { sku: \"BACKPACK-20L\" quantity: 2 } lines { sku: \"BOTTLE-1L\" quantity: 2 } "
            "destination { country: \"DE\" region: \"SN\" } "
            "strategy: ALLOCATION_STRATEGY_MINIMIZE_SPLITS product_policies: true");
  // With the order's hold: asked of inventory with the request, which stays a function of it.
  Run([&](StepDone done) {
    participants_->Reserve("s2:reserve", order_, kOrderHoldSeconds, std::move(done));
  });
  ASSERT_EQ(inventory_.Calls().size(), 2u);
  EXPECT_NE(inventory_.Calls()[1].find("ttl_seconds: 2592000"), std::string::npos)
      << inventory_.Calls()[1];
}

TEST_F(GrpcParticipantsTest, ARetrySendsTheSameRequest) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    Run([&](StepDone done) { participants_->CreateShipments("s1:ship", order_, std::move(done)); });
  }
  ASSERT_EQ(shipping_.Calls().size(), 2u);
  EXPECT_EQ(shipping_.Calls()[0], shipping_.Calls()[1]);
  // The allocated lines carry the ordered lines' weights.
  EXPECT_TRUE(absl::StrContains(shipping_.Calls()[0], "unit_weight_grams: 1200"))
      << shipping_.Calls()[0];
}

TEST_F(GrpcParticipantsTest, ARefusalCarriesTheParticipantsReasonAndMessage) {
  billing_.Script<billing::v1::Payment>(
      "AuthorizePayment", ToGrpcStatus(WithReason(absl::StatusCode::kFailedPrecondition,
                                                  "PAYMENT_DECLINED", "card declined")));
  StepResult result = Run([&](StepDone done) {
    participants_->Authorize("s1:authorize", order_, "tok_visa", std::move(done));
  });
  EXPECT_EQ(result.outcome.result, CallResult::kRefused);
  EXPECT_EQ(result.outcome.reason, "PAYMENT_DECLINED");
  EXPECT_EQ(result.detail, "card declined");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(result.output));

  // Without a reason, the code's name stands for it.
  shipping_.Script<shipping::v1::CancelShipmentResponse>(
      "CancelShipment", grpc::Status(grpc::StatusCode::NOT_FOUND, "no such shipment"));
  result = Run([&](StepDone done) {
    participants_->CancelShipment("s2:cancel", "ship-1", std::move(done));
  });
  EXPECT_EQ(result.outcome.result, CallResult::kRefused);
  EXPECT_EQ(result.outcome.reason, "NOT_FOUND");
}

TEST_F(GrpcParticipantsTest, AnUnavailableParticipantIsTransient) {
  billing_.Script<billing::v1::Payment>(
      "VoidPayment", grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"));
  StepResult result =
      Run([&](StepDone done) { participants_->VoidPayment("s1:void", order_, std::move(done)); });
  EXPECT_EQ(result.outcome.result, CallResult::kTransient);
  EXPECT_EQ(result.detail, "connection refused");
  ASSERT_EQ(billing_.Calls().size(), 1u);
  EXPECT_TRUE(absl::StrContains(billing_.Calls()[0], "reason: \"order rejected\""))
      << billing_.Calls()[0];
}

}  // namespace
}  // namespace oms::order
