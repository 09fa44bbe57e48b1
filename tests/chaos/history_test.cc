#include "tests/chaos/history.h"

#include <gtest/gtest.h>

namespace oms::chaos {
namespace {

Operation Create(const std::string& client, const std::string& key, Outcome outcome,
                 const std::string& order_id = "") {
  return {client, "create-order", key, "body", outcome, order_id, "", 0};
}

TEST(ChaosHistoryTest, AnAcknowledgedOrderHeldUnderItsKeyIsNoViolation) {
  const std::vector<Operation> history = {Create("c", "k1", Outcome::kUnknown),
                                          Create("c", "k1", Outcome::kOk, "o1"),
                                          Create("c", "k2", Outcome::kFail)};
  EXPECT_TRUE(CheckHistory(history, {{{"c", "k1"}, {"o1"}}}).empty());
}

TEST(ChaosHistoryTest, AnAcknowledgedOrderOmsDoesNotHoldIsLost) {
  const auto violations = CheckHistory({Create("c", "k1", Outcome::kOk, "o1")}, {});
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_NE(violations[0].find("lost"), std::string::npos);
}

TEST(ChaosHistoryTest, TwoOrdersForOneKeyAreViolations) {
  const std::vector<Operation> history = {Create("c", "k1", Outcome::kOk, "o1"),
                                          Create("c", "k1", Outcome::kOk, "o2")};
  const auto violations = CheckHistory(history, {{{"c", "k1"}, {"o1", "o2"}}});
  EXPECT_EQ(violations.size(), 3u);  // held twice, answered twice, o2 not the one held first
}

TEST(ChaosHistoryTest, AKeyRefusedEveryTimeMustCreateNothing) {
  const std::vector<Operation> history = {Create("c", "k1", Outcome::kFail)};
  EXPECT_EQ(CheckHistory(history, {{{"c", "k1"}, {"o1"}}}).size(), 1u);
  // The same key under another client is another key.
  EXPECT_TRUE(CheckHistory(history, {{{"d", "k1"}, {"o1"}}}).empty());
}

TEST(ChaosHistoryTest, AnUnknownAnswerMayHaveCreatedTheOrder) {
  const std::vector<Operation> history = {Create("c", "k1", Outcome::kUnknown),
                                          Create("c", "k1", Outcome::kFail)};
  EXPECT_TRUE(CheckHistory(history, {{{"c", "k1"}, {"o1"}}}).empty());
}

}  // namespace
}  // namespace oms::chaos
