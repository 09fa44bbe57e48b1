#include "tests/chaos/schedule.h"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "common/failpoints.h"

namespace oms::chaos {
namespace {

ScheduleOptions Options() {
  ScheduleOptions options;
  options.window_ms = 60000;
  options.processes = {"order-a", "order-b", "billing"};
  options.edges = {"order>billing", "order>shipping"};
  options.restart_database = true;
  options.failpoints = {{"order-a", {"order.after_ship", "order.before_authorize"}},
                        {"billing", {"billing.capture.before_commit"}}};
  options.refusals = {{"order-a", {"order.before_commit-stock"}},
                      {"order-b", {"order.before_capture-payment"}}};
  return options;
}

TEST(ChaosScheduleTest, ASeedNamesOneScheduleAndAnotherSeedAnother) {
  EXPECT_EQ(MakeSchedule(7, Options()), MakeSchedule(7, Options()));
  EXPECT_NE(MakeSchedule(7, Options()), MakeSchedule(8, Options()));
}

TEST(ChaosScheduleTest, FaultsAreSortedInsideTheWindowAndCoverEveryKind) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto faults = MakeSchedule(seed, Options());
    ASSERT_GE(faults.size(), 10u);
    std::set<FaultKind> kinds;
    for (size_t i = 0; i < faults.size(); ++i) {
      EXPECT_GE(faults[i].at_ms, 0);
      EXPECT_LT(faults[i].at_ms, 60000);
      if (i > 0) {
        EXPECT_GE(faults[i].at_ms, faults[i - 1].at_ms);
      }
      kinds.insert(faults[i].kind);
    }
    EXPECT_EQ(kinds.size(), 10u) << "seed " << seed;
  }
}

TEST(ChaosScheduleTest, PausesLastHalfALeaseToThreeAndAProcessTakesOneFaultAtATime) {
  const auto faults = MakeSchedule(3, Options());
  std::map<std::string, int64_t> busy_until;
  for (const Fault& fault : faults) {
    if (fault.kind == FaultKind::kPause) {
      EXPECT_GE(fault.duration_ms, 1000);
      EXPECT_LE(fault.duration_ms, 6000);
    }
    if (fault.kind == FaultKind::kDelay) {  // around the 900 ms deadline
      EXPECT_GE(fault.latency_ms, 450);
      EXPECT_LE(fault.latency_ms, 1350);
    }
    if (fault.target.empty()) continue;
    EXPECT_GE(fault.at_ms, busy_until[fault.target]) << FormatFault(fault);
    busy_until[fault.target] = fault.at_ms + fault.duration_ms;
  }
}

TEST(ChaosScheduleTest, AFailpointArmsAWellFormedTransientFaultOfItsProcess) {
  int armed = 0;
  const ScheduleOptions options = Options();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    for (const Fault& fault : MakeSchedule(seed, options)) {
      if (fault.kind != FaultKind::kFailpoint) continue;
      ++armed;
      EXPECT_TRUE(Failpoints::Validate(fault.failpoint).ok()) << FormatFault(fault);
      const auto& points = options.failpoints.at(fault.target);
      const std::string point = fault.failpoint.substr(0, fault.failpoint.find('='));
      EXPECT_NE(std::find(points.begin(), points.end(), point), points.end()) << FormatFault(fault);
      // Never a crash (kills are their own kind) and nothing a participant would refuse.
      EXPECT_EQ(fault.failpoint.find("crash"), std::string::npos);
      EXPECT_GE(fault.duration_ms, 1000);
      EXPECT_LE(fault.duration_ms, 4000);
    }
  }
  EXPECT_GT(armed, 20);
}

TEST(ChaosScheduleTest, ARefusalArmsARefusalAtAPointOfItsProcessBriefly) {
  int armed = 0;
  const ScheduleOptions options = Options();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    for (const Fault& fault : MakeSchedule(seed, options)) {
      if (fault.kind != FaultKind::kRefusal) continue;
      ++armed;
      EXPECT_TRUE(Failpoints::Validate(fault.failpoint).ok()) << FormatFault(fault);
      const std::string point = options.refusals.at(fault.target).front();
      EXPECT_EQ(fault.failpoint, point + "=error(FAILED_PRECONDITION)") << FormatFault(fault);
      EXPECT_GE(fault.duration_ms, 300);
      EXPECT_LE(fault.duration_ms, 1500);
    }
  }
  EXPECT_GT(armed, 20);
}

TEST(ChaosScheduleTest, WithoutTheClusterNoDatabaseRestartIsScheduled) {
  ScheduleOptions options = Options();
  options.restart_database = false;
  for (const Fault& fault : MakeSchedule(5, options)) {
    EXPECT_NE(fault.kind, FaultKind::kRestartDb);
  }
}

}  // namespace
}  // namespace oms::chaos
