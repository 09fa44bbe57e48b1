#include "tools/check/invariant_check.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"

namespace oms::check {
namespace {

constexpr int64_t kLongAgo = 100000;  // seconds: settled long ago

// One order that went all the way, consistent across the four services: two mugs shipped from
// one warehouse, captured and invoiced once.
WindowFacts CompletedOrder() {
  WindowFacts facts;
  facts.orders.push_back({"order-1",
                          "COMPLETED",
                          1000,
                          kLongAgo,
                          kLongAgo,
                          {{"saga-1", "ORDER", "", "COMPLETED", kLongAgo},
                           {"saga-2", "SHIPMENT", "ship-1", "COMPLETED", kLongAgo}}});
  facts.reservations.push_back({"order-1", "COMMITTED", kLongAgo, {{"wh-1", {{"MUG", 2}}}}});
  facts.shipments.push_back(
      {"ship-1", "order-1", "OUTBOUND", "wh-1", false, true, kLongAgo, {{"MUG", 2}}, ""});
  facts.payments.push_back({"pay-1", "order-1", 1000, 1000, 0, 0, "auth-1", kLongAgo});
  facts.invoices.push_back({"inv-1", "order-1", "pay-1", "ship-1", 1000, {{"MUG", 2}}, kLongAgo});
  facts.provider_authorizations.push_back({"order-1", "auth-1", 1000, 1000, 0, kLongAgo});
  return facts;
}

const CheckOptions kAtRest{true, 600};
const CheckOptions kLive{false, 600};

std::string Check(const WindowFacts& facts, const CheckOptions& options = kAtRest) {
  return absl::StrJoin(CheckWindow(facts, options), "\n");
}

TEST(InvariantCheckTest, AConsistentOrderHasNoViolationAtRestOrLive) {
  EXPECT_EQ(Check(CompletedOrder(), kAtRest), "");
  EXPECT_EQ(Check(CompletedOrder(), kLive), "");
}

// A parcel returned to sender and shipped again: the replacement carries the same goods, which
// were committed and invoiced once; it is no I3 or I5 violation. Counted as a shipment of its
// own, it would be.
TEST(InvariantCheckTest, AReplacementOfAParcelReturnedToSenderShipsItsGoodsAgain) {
  WindowFacts facts = CompletedOrder();
  facts.shipments.push_back(
      {"ship-2", "order-1", "OUTBOUND", "wh-1", false, true, kLongAgo, {{"MUG", 2}}, "ship-1"});
  EXPECT_EQ(Check(facts), "");
  facts.shipments.back().replaces_shipment_id.clear();
  EXPECT_EQ(Check(facts), "I3: order order-1 warehouse wh-1: committed MUGx2, shipped MUGx4");
}

TEST(InvariantCheckTest, I2AHoldLeftOnAFinalOrder) {
  WindowFacts facts = CompletedOrder();
  facts.reservations[0].state = "HELD";
  EXPECT_EQ(Check(facts), "I2: reservation of COMPLETED order order-1 is still HELD");
  // Live, a hold that just changed may still be on its way to release.
  facts.reservations[0].idle_seconds = 5;
  EXPECT_EQ(Check(facts, kLive), "");
}

TEST(InvariantCheckTest, I3CommittedDiffersFromShipped) {
  WindowFacts facts = CompletedOrder();
  facts.reservations[0].committed["wh-1"]["MUG"] = 3;
  EXPECT_EQ(Check(facts), "I3: order order-1 warehouse wh-1: committed MUGx3, shipped MUGx2");
  // A return shipment is not outbound and counts for nothing here.
  facts = CompletedOrder();
  facts.shipments.push_back(
      {"ship-r", "order-1", "RETURN", "wh-1", false, true, kLongAgo, {{"MUG", 1}}, ""});
  EXPECT_EQ(Check(facts), "");
}

TEST(InvariantCheckTest, I4AtRestEverySagaEndedAndNoOrderPending) {
  WindowFacts facts = CompletedOrder();
  facts.orders[0].sagas[0].phase = "RUNNING";
  EXPECT_EQ(Check(facts), "I4: ORDER saga saga-1 of order order-1 is RUNNING");
  facts = CompletedOrder();
  facts.orders[0].status = "PENDING";
  EXPECT_TRUE(absl::StrContains(Check(facts), "I4: order order-1 is still PENDING"));
}

TEST(InvariantCheckTest, I4LiveOnlyParkedOrOverdueSagasAndOrdersCount) {
  WindowFacts facts = CompletedOrder();
  facts.orders[0].sagas[0].phase = "RUNNING";
  facts.orders[0].sagas[0].age_seconds = 30;
  EXPECT_EQ(Check(facts, kLive), "");
  facts.orders[0].sagas[0].age_seconds = 900;
  EXPECT_EQ(Check(facts, kLive),
            "I4: ORDER saga saga-1 of order order-1 is RUNNING (started 900 s ago)");
  facts.orders[0].sagas[0] = {"saga-1", "ORDER", "", "NEEDS_ATTENTION", 30};
  EXPECT_EQ(Check(facts, kLive),
            "I4: ORDER saga saga-1 of order order-1 is NEEDS_ATTENTION (started 30 s ago)");
}

TEST(InvariantCheckTest, I4ARejectedOrderKeepsNoShipment) {
  WindowFacts facts;
  facts.orders.push_back({"order-2",
                          "REJECTED",
                          500,
                          kLongAgo,
                          kLongAgo,
                          {{"saga-3", "ORDER", "", "COMPENSATED", 1}}});
  facts.shipments.push_back(
      {"ship-2", "order-2", "OUTBOUND", "wh-1", true, false, kLongAgo, {}, ""});
  EXPECT_EQ(Check(facts), "");
  facts.shipments[0].cancelled = false;
  EXPECT_EQ(Check(facts), "I4: REJECTED order order-2 keeps shipment ship-2");
}

TEST(InvariantCheckTest, I5CapturesMatchInvoicesAndTheOrderTotal) {
  WindowFacts facts = CompletedOrder();
  facts.payments[0].captured_minor = 100;
  facts.provider_authorizations[0].captured_minor = 100;
  EXPECT_EQ(Check(facts),
            "I5: payment pay-1 of order order-1 captured 100 but its invoices total 1000\n"
            "I5: COMPLETED order order-1 totals 1000 but authorized 1000, captured 100 and "
            "voided 0");
  // What did not ship was voided instead: the total is accounted for.
  facts.invoices[0].total_minor = 100;
  facts.payments[0].voided_minor = 900;
  facts.provider_authorizations[0].voided_minor = 900;
  EXPECT_EQ(Check(facts), "");
}

TEST(InvariantCheckTest, I5AnEditedOrderIsAccountedForByItsAuthorization) {
  // Edited from 1000 up to 1500: 500 more authorized on the same payment, 1500 captured.
  WindowFacts facts = CompletedOrder();
  facts.orders[0].total_minor = 1500;
  facts.payments[0].authorized_minor = 1500;
  facts.payments[0].captured_minor = 1500;
  facts.invoices[0].total_minor = 1500;
  facts.provider_authorizations[0].amount_minor = 1500;
  facts.provider_authorizations[0].captured_minor = 1500;
  EXPECT_EQ(Check(facts), "");
  // Capturing more than the order's total is caught, even with the authorization to cover it.
  facts.orders[0].total_minor = 1200;
  EXPECT_EQ(Check(facts),
            "I5: COMPLETED order order-1 totals 1200 but authorized 1500, captured 1500 and "
            "voided 0");
}

TEST(InvariantCheckTest, I5InvoicesBillExactlyAShippedShipmentOfTheOrder) {
  WindowFacts facts = CompletedOrder();
  facts.invoices[0].lines["MUG"] = 3;
  EXPECT_EQ(Check(facts), "I5: invoice inv-1 bills MUGx3 but shipment ship-1 shipped MUGx2");
  facts = CompletedOrder();
  facts.shipments[0].shipped = false;
  facts.reservations[0].committed.clear();
  EXPECT_EQ(Check(facts),
            "I5: invoice inv-1 of order order-1 is for shipment ship-1, which is not a shipped "
            "outbound shipment of that order");
}

TEST(InvariantCheckTest, I5AShipmentWhoseSagaCompletedIsInvoiced) {
  WindowFacts facts = CompletedOrder();
  facts.invoices.clear();
  facts.payments[0].captured_minor = 0;
  facts.provider_authorizations[0].captured_minor = 0;
  facts.orders[0].status = "DELIVERED";
  // Accounted for otherwise (all of it voided), so that only the missing invoice is found.
  facts.orders[0].total_minor = 0;
  facts.payments[0].voided_minor = 1000;
  facts.provider_authorizations[0].voided_minor = 1000;
  EXPECT_EQ(Check(facts),
            "I5: shipped shipment ship-1 of order order-1 completed its saga but was never "
            "invoiced");
}

TEST(InvariantCheckTest, I5NothingLeftAuthorizedOnARejectedOrderAndRefundsWithinCaptures) {
  WindowFacts facts;
  facts.orders.push_back({"order-3",
                          "REJECTED",
                          700,
                          kLongAgo,
                          kLongAgo,
                          {{"saga-4", "ORDER", "", "COMPENSATED", 1}}});
  facts.payments.push_back({"pay-3", "order-3", 700, 0, 700, 0, "auth-3", kLongAgo});
  facts.provider_authorizations.push_back({"order-3", "auth-3", 700, 0, 700, kLongAgo});
  EXPECT_EQ(Check(facts), "");
  facts.payments[0].voided_minor = 0;
  facts.payments[0].refunded_minor = 1;
  facts.provider_authorizations[0].voided_minor = 0;
  EXPECT_EQ(Check(facts),
            "I5: payment pay-3 refunded 1 of 0 captured\n"
            "I5: payment pay-3 of REJECTED order order-3 leaves 700 authorized\n"
            "I5: provider authorization auth-3 of REJECTED order order-3 leaves 700 open");
}

TEST(InvariantCheckTest, I5TheProviderHoldsOneAuthorizationPerOrderThatBillingKnows) {
  WindowFacts facts = CompletedOrder();
  facts.provider_authorizations.push_back({"order-1", "auth-9", 1000, 0, 0, kLongAgo});
  EXPECT_EQ(Check(facts),
            "I5: the provider holds more than one authorization for order order-1\n"
            "I5: provider authorization auth-9 of order order-1 holds 1000 that billing does not "
            "know of");
}

TEST(InvariantCheckTest, I6EveryOrderHasItsOrderSaga) {
  WindowFacts facts = CompletedOrder();
  facts.orders[0].sagas.erase(facts.orders[0].sagas.begin());
  EXPECT_EQ(Check(facts), "I6: order order-1 has no saga");
  EXPECT_EQ(Check(facts, kLive), "I6: order order-1 has no saga");
}

TEST(InvariantCheckTest, I7NothingBelongsToAnUnknownOrder) {
  WindowFacts facts = CompletedOrder();
  facts.payments[0].order_id = "order-x";
  facts.reservations[0].order_id = "order-x";
  const std::string found = Check(facts);
  EXPECT_TRUE(absl::StrContains(found, "I7: payment pay-1 of unknown order order-x")) << found;
  EXPECT_TRUE(absl::StrContains(found, "I7: reservation of unknown order order-x")) << found;
  // Live, a fact newer than the settle time may belong to an order placed after its page.
  facts = CompletedOrder();
  facts.shipments.push_back({"ship-9", "order-new", "OUTBOUND", "wh-1", false, false, 3, {}, ""});
  EXPECT_EQ(Check(facts, kLive), "");
  EXPECT_EQ(Check(facts, kAtRest), "I7: shipment ship-9 of unknown order order-new");
}

TEST(InvariantCheckTest, LiveAnOrderInFlightIsNotCrossChecked) {
  WindowFacts facts = CompletedOrder();
  facts.orders[0].status = "SHIPPED";
  facts.payments[0].captured_minor = 0;
  facts.orders[0].sagas[1].phase = "RUNNING";  // the capture is under way
  facts.orders[0].sagas[1].age_seconds = 2;
  EXPECT_EQ(Check(facts, kLive), "");
  EXPECT_NE(Check(facts, kAtRest), "");
}

TEST(InvariantCheckTest, TakeWindowMovesTheFactsUpToTheLastIdInByteOrder) {
  WindowFacts pending;
  pending.orders.push_back({"b", "COMPLETED", 0, 0, 0, {}});
  pending.orders.push_back({"d", "COMPLETED", 0, 0, 0, {}});
  pending.payments.push_back({"p", "c", 0, 0, 0, 0, "", 0});
  pending.shipments.push_back({"s", "e", "OUTBOUND", "w", false, false, 0, {}, ""});
  WindowFacts window = TakeWindow(&pending, std::string("c"));
  ASSERT_EQ(window.orders.size(), 1u);
  EXPECT_EQ(window.orders[0].id, "b");
  ASSERT_EQ(window.payments.size(), 1u);
  EXPECT_TRUE(window.shipments.empty());
  EXPECT_EQ(pending.orders.size(), 1u);
  EXPECT_TRUE(pending.payments.empty());
  window = TakeWindow(&pending, std::nullopt);
  EXPECT_EQ(window.orders.size(), 1u);
  EXPECT_EQ(window.shipments.size(), 1u);
  EXPECT_TRUE(pending.orders.empty() && pending.shipments.empty());
}

TEST(InvariantCheckTest, InvariantOfReadsTheLeadingId) {
  EXPECT_EQ(InvariantOf("I5: payment p"), "I5");
  EXPECT_EQ(InvariantOf("I1 the ledger sums to the level: level 1/0"), "I1");
  EXPECT_EQ(InvariantOf("Inventory: nothing"), "");
  EXPECT_EQ(InvariantOf("I12x: no"), "");
  EXPECT_EQ(InvariantOf(""), "");
}

}  // namespace
}  // namespace oms::check
