// Products' own backorder policies against a real PostgreSQL: a ReserveStock with
// product_policies refuses, does without or queues each short SKU as its product says, in one
// reservation; a refusal changes nothing; a repeat answers what was stored whatever the policies
// are by then; the queued units fill as any backorder's, and the books agree afterwards.
#include <gtest/gtest.h>

#include "common/status.h"
#include "inventory-service/src/reservation_validation.h"
#include "inventory-service/tests/backorder_test_fixture.h"
#include "inventory-service/tests/test_requests.h"

namespace oms::inventory {
namespace {

constexpr char kShortfallsUrl[] = "type.googleapis.com/oms.inventory.v1.InsufficientStock";

class ProductPoliciesTest : public BackorderTest {
 protected:
  v1::ReserveStockRequest PolicyRequest(const std::string& order_id,
                                        std::vector<std::pair<std::string, int64_t>> lines) {
    v1::ReserveStockRequest request = ReserveRequest(order_id, std::move(lines));
    request.set_product_policies(true);
    return request;
  }

  void SetPolicy(const std::string& sku, v1::BackorderPolicy policy) {
    v1::Product change;
    change.set_sku(sku);
    change.set_backorder_policy(policy);
    v1::Product updated;
    ASSERT_TRUE(inventory_->UpdateProduct(change, {"backorder_policy"}, &updated).ok());
    ASSERT_EQ(updated.backorder_policy(), policy);
  }

  // The shortfalls of an INSUFFICIENT_STOCK refusal, as "SKU wanted/available,...".
  static std::string ShortfallsOf(const absl::Status& status) {
    EXPECT_EQ(ReasonOf(status), "INSUFFICIENT_STOCK") << status;
    v1::InsufficientStock detail;
    auto payload = status.GetPayload(kShortfallsUrl);
    if (!payload || !detail.ParseFromString(std::string(*payload))) return "no detail";
    std::string text;
    for (const auto& s : detail.shortfalls()) {
      text += (text.empty() ? "" : ",") + s.sku() + " " + std::to_string(s.wanted()) + "/" +
              std::to_string(s.available());
    }
    return text;
  }
};

// A REJECT product short refuses the whole reservation as a reserve without flags does, naming
// only the REJECT SKUs short, and nothing is held or queued.
TEST_F(ProductPoliciesTest, AShortRejectProductRefusesTheReservationAndChangesNothing) {
  SetPolicy("SKU-B", v1::BACKORDER_POLICY_BACKORDER);
  Receive(berlin_, "LAST", 1);
  Receive(berlin_, "SKU-A", 2);
  const std::string books = Books();

  // LAST keeps the default, REJECT.
  EXPECT_EQ(ShortfallsOf(Reserve(PolicyRequest("order-1", {{"LAST", 3}})).status()), "LAST 3/1");
  EXPECT_EQ(
      ShortfallsOf(
          Reserve(PolicyRequest("order-2", {{"SKU-B", 4}, {"LAST", 2}, {"SKU-A", 1}})).status()),
      "LAST 2/1");
  // A SKU that is no product follows REJECT: nothing to queue for.
  EXPECT_EQ(ShortfallsOf(Reserve(PolicyRequest("order-3", {{"NO-SUCH", 1}})).status()),
            "NO-SUCH 1/0");

  EXPECT_EQ(Books(), books);
  EXPECT_EQ(Count("SELECT count(*) FROM backorders"), 0);
  EXPECT_EQ(Availability("SKU-B").total_backordered(), 0);
  EXPECT_EQ(Violations(), "");
}

// One SKU does without what is missing, another queues it, in one reservation; a receipt then
// fills the queued one as any backorder's; a repeat of the request id answers what was stored.
TEST_F(ProductPoliciesTest, ShipAvailableAndBackorderProductsShareOneReservation) {
  SetPolicy("SKU-A", v1::BACKORDER_POLICY_SHIP_AVAILABLE);
  SetPolicy("SKU-B", v1::BACKORDER_POLICY_BACKORDER);
  Receive(berlin_, "SKU-A", 2);
  Receive(warsaw_, "SKU-B", 1);
  Receive(warsaw_, "LAST", 1);

  const v1::ReserveStockRequest request =
      PolicyRequest("order-1", {{"SKU-A", 5}, {"SKU-B", 4}, {"LAST", 1}});
  auto reserved = Reserve(request);
  ASSERT_TRUE(reserved.ok()) << reserved.status();
  EXPECT_EQ(reserved->state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(HeldText(*reserved), "BER-1 SKU-A=2,WAW-1 LAST=1,WAW-1 SKU-B=1");
  EXPECT_EQ(Text(reserved->allocation().unfilled()), "SKU-A=3");
  EXPECT_EQ(Text(reserved->allocation().backordered()), "SKU-B=3");
  EXPECT_EQ(QueueRow("order-1", "SKU-A"), "none");
  EXPECT_EQ(QueueRow("order-1", "SKU-B"), "3/0/0");
  EXPECT_EQ(Availability("SKU-B").total_backordered(), 3);
  EXPECT_EQ(Violations(), "");

  // The policies change; the request id still answers the reservation it made.
  SetPolicy("SKU-A", v1::BACKORDER_POLICY_REJECT);
  SetPolicy("SKU-B", v1::BACKORDER_POLICY_SHIP_AVAILABLE);
  auto again = Reserve(request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id(), reserved->id());
  EXPECT_EQ(Text(again->allocation().unfilled()), "SKU-A=3");
  EXPECT_EQ(Text(again->allocation().backordered()), "SKU-B=3");
  EXPECT_EQ(Count("SELECT count(*) FROM backorders"), 1);

  auto received = Adjust("receipt-1", berlin_, "SKU-B", 5);
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(received->level().reserved(), 3);
  EXPECT_EQ(QueueRow("order-1", "SKU-B"), "3/3/0");
  EXPECT_EQ(HeldText(Get("order-1")), "BER-1 SKU-A=2,BER-1 SKU-B=3,WAW-1 LAST=1,WAW-1 SKU-B=1");
  const v1::ListBackorderFillsResponse fills = Fills(0);
  ASSERT_EQ(fills.fills_size(), 1);
  EXPECT_EQ(Text(fills.fills(0)), "1 order-1 BER-1 SKU-B=3");
  EXPECT_EQ(Availability("SKU-B").total_backordered(), 0);
  EXPECT_EQ(Violations(), "");
}

// The flags' edge rules, per SKU: a SKU of which there is nothing is wholly done without or
// queued; an order that would get nothing at all, none held and none queued, is refused.
TEST_F(ProductPoliciesTest, NothingAvailableIsRefusedOnlyWhenNothingIsQueued) {
  SetPolicy("SKU-A", v1::BACKORDER_POLICY_SHIP_AVAILABLE);
  SetPolicy("SKU-B", v1::BACKORDER_POLICY_BACKORDER);
  SetPolicy("LAST", v1::BACKORDER_POLICY_SHIP_AVAILABLE);
  const std::string books = Books();
  EXPECT_EQ(ShortfallsOf(Reserve(PolicyRequest("order-1", {{"SKU-A", 2}, {"LAST", 1}})).status()),
            "SKU-A 2/0,LAST 1/0");
  EXPECT_EQ(Books(), books);

  auto queued = Reserve(PolicyRequest("order-2", {{"SKU-A", 2}, {"SKU-B", 1}}));
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_EQ(queued->state(), v1::RESERVATION_STATE_HELD);
  EXPECT_TRUE(queued->lines().empty());
  EXPECT_EQ(Text(queued->allocation().unfilled()), "SKU-A=2");
  EXPECT_EQ(Text(queued->allocation().backordered()), "SKU-B=1");

  Receive(warsaw_, "LAST", 1);
  auto some_held = Reserve(PolicyRequest("order-3", {{"LAST", 1}, {"SKU-A", 2}}));
  ASSERT_TRUE(some_held.ok()) << some_held.status();
  EXPECT_EQ(HeldText(*some_held), "WAW-1 LAST=1");
  EXPECT_EQ(Text(some_held->allocation().unfilled()), "SKU-A=2");
  EXPECT_TRUE(some_held->allocation().backordered().empty());
  EXPECT_EQ(Violations(), "");
}

// The order's policy for every SKU, or each product's own: never both.
TEST_F(ProductPoliciesTest, EitherFlagWithProductPoliciesIsRefused) {
  v1::ReserveStockRequest request = PolicyRequest("order-1", {{"SKU-A", 1}});
  request.set_backorder_unavailable(true);
  EXPECT_EQ(testing::FieldOf(ValidateReserve(request)), "product_policies");
  request.set_backorder_unavailable(false);
  request.set_cancel_unavailable(true);
  EXPECT_EQ(testing::FieldOf(ValidateReserve(request)), "product_policies");
}

}  // namespace
}  // namespace oms::inventory
