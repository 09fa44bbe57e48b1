#include "inventory-service/src/backorder_policy.h"

#include <gtest/gtest.h>

#include "inventory-service/tests/test_requests.h"

namespace oms::inventory {
namespace {

constexpr auto kReject = v1::BACKORDER_POLICY_REJECT;
constexpr auto kShipAvailable = v1::BACKORDER_POLICY_SHIP_AVAILABLE;
constexpr auto kBackorder = v1::BACKORDER_POLICY_BACKORDER;

// One warehouse holding `lines`.
Plan Holding(std::vector<Line> lines) {
  return {true, {{"w-1", "BER-1", std::move(lines), "", -1}}, {}};
}

Plan Short(std::vector<Shortfall> shortfalls) { return {false, {}, std::move(shortfalls)}; }

TEST(BackorderPolicyTest, IsStoredByItsNameAndUnspecifiedIsReject) {
  EXPECT_EQ(BackorderPolicyText(kReject), "REJECT");
  EXPECT_EQ(BackorderPolicyText(kShipAvailable), "SHIP_AVAILABLE");
  EXPECT_EQ(BackorderPolicyText(kBackorder), "BACKORDER");
  EXPECT_EQ(BackorderPolicyText(v1::BACKORDER_POLICY_UNSPECIFIED), "REJECT");
  for (auto policy : {kReject, kShipAvailable, kBackorder}) {
    EXPECT_EQ(BackorderPolicyFromText(BackorderPolicyText(policy)), policy);
  }
  EXPECT_EQ(BackorderPolicyFromText("UNSPECIFIED"), kReject);
  EXPECT_EQ(BackorderPolicyFromText("nonsense"), kReject);
}

TEST(BackorderPolicyTest, TheRequestSaysWhichPolicyEachSkuFollows) {
  const std::vector<Line> lines = {{"MUG", 1}, {"CAP", 1}, {"NO-SUCH", 1}};
  const SkuPolicies products = {{"MUG", kShipAvailable}, {"CAP", kBackorder}};
  v1::ReserveStockRequest request = testing::GoodReserve();
  EXPECT_FALSE(DependsOnProducts(request));
  EXPECT_EQ(ShortfallPolicies(request, lines, products),
            (SkuPolicies{{"MUG", kReject}, {"CAP", kReject}, {"NO-SUCH", kReject}}));

  request.set_cancel_unavailable(true);
  EXPECT_FALSE(DependsOnProducts(request));
  EXPECT_EQ(
      ShortfallPolicies(request, lines, {}),
      (SkuPolicies{{"MUG", kShipAvailable}, {"CAP", kShipAvailable}, {"NO-SUCH", kShipAvailable}}));

  // Nothing to queue for a SKU that is no product.
  request.set_cancel_unavailable(false);
  request.set_backorder_unavailable(true);
  EXPECT_TRUE(DependsOnProducts(request));
  EXPECT_EQ(ShortfallPolicies(request, lines, products),
            (SkuPolicies{{"MUG", kBackorder}, {"CAP", kBackorder}, {"NO-SUCH", kReject}}));

  request.set_backorder_unavailable(false);
  request.set_product_policies(true);
  EXPECT_TRUE(DependsOnProducts(request));
  const SkuPolicies own = ShortfallPolicies(request, lines, products);
  EXPECT_EQ(own, (SkuPolicies{{"MUG", kShipAvailable}, {"CAP", kBackorder}, {"NO-SUCH", kReject}}));
  EXPECT_TRUE(TakesWhatThereIs(own));
  EXPECT_FALSE(TakesWhatThereIs({{"MUG", kReject}, {"CAP", v1::BACKORDER_POLICY_UNSPECIFIED}}));
}

TEST(BackorderPolicyTest, EverythingHeldLeavesNothingToDecide) {
  const std::vector<Line> lines = {{"MUG", 2}};
  const Plan full = Holding({{"MUG", 2}});
  const ShortfallDecision decision = DecideShortfalls(lines, full, full, {{"MUG", kReject}});
  EXPECT_TRUE(decision.refused.empty());
  EXPECT_TRUE(decision.unfilled.empty());
  EXPECT_TRUE(decision.backordered.empty());
}

TEST(BackorderPolicyTest, EachShortSkuFollowsItsOwnPolicy) {
  const std::vector<Line> lines = {{"MUG", 5}, {"CAP", 4}, {"PEN", 1}};
  const Plan full = Short({{"MUG", 5, 2}, {"CAP", 4, 0}});
  const Plan held = Holding({{"MUG", 2}, {"PEN", 1}});
  const ShortfallDecision decision = DecideShortfalls(
      lines, full, held, {{"MUG", kShipAvailable}, {"CAP", kBackorder}, {"PEN", kReject}});
  EXPECT_TRUE(decision.refused.empty());
  EXPECT_EQ(decision.unfilled, (std::vector<Line>{{"MUG", 3}}));
  EXPECT_EQ(decision.backordered, (std::vector<Line>{{"CAP", 4}}));
}

TEST(BackorderPolicyTest, AShortRejectSkuRefusesTheWholeReserveNamingOnlyTheRejectSkus) {
  const std::vector<Line> lines = {{"MUG", 5}, {"CAP", 4}};
  const Plan full = Short({{"MUG", 5, 2}, {"CAP", 4, 1}});
  const Plan held = Holding({{"MUG", 2}, {"CAP", 1}});
  const ShortfallDecision decision =
      DecideShortfalls(lines, full, held, {{"MUG", kReject}, {"CAP", kBackorder}});
  EXPECT_EQ(decision.refused, (std::vector<Shortfall>{{"MUG", 5, 2}}));
  EXPECT_TRUE(decision.unfilled.empty());
  EXPECT_TRUE(decision.backordered.empty());

  // Every SKU REJECT (no flag): the plan of everything is what there is, and every shortfall
  // is named, as ever.
  const ShortfallDecision all_reject =
      DecideShortfalls(lines, full, full, {{"MUG", kReject}, {"CAP", kReject}});
  EXPECT_EQ(all_reject.refused, full.shortfalls);
}

// An order of nothing is refused, unless it queues something: nothing available of SKUs that
// ship what there is, and of SKUs that queue.
TEST(BackorderPolicyTest, NothingAvailableIsRefusedOnlyWhenNothingIsQueued) {
  const std::vector<Line> lines = {{"MUG", 2}, {"CAP", 1}};
  const Plan full = Short({{"MUG", 2, 0}, {"CAP", 1, 0}});
  const Plan nothing{true, {}, {}};
  EXPECT_EQ(
      DecideShortfalls(lines, full, nothing, {{"MUG", kShipAvailable}, {"CAP", kShipAvailable}})
          .refused,
      full.shortfalls);

  const ShortfallDecision all_queued =
      DecideShortfalls(lines, full, nothing, {{"MUG", kBackorder}, {"CAP", kBackorder}});
  EXPECT_TRUE(all_queued.refused.empty());
  EXPECT_EQ(all_queued.backordered, lines);

  const ShortfallDecision mixed =
      DecideShortfalls(lines, full, nothing, {{"MUG", kShipAvailable}, {"CAP", kBackorder}});
  EXPECT_TRUE(mixed.refused.empty());
  EXPECT_EQ(mixed.unfilled, (std::vector<Line>{{"MUG", 2}}));
  EXPECT_EQ(mixed.backordered, (std::vector<Line>{{"CAP", 1}}));
}

}  // namespace
}  // namespace oms::inventory
