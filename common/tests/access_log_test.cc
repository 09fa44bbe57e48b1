#include "common/access_log.h"

#include <gtest/gtest.h>

namespace oms::log {
namespace {

TEST(AccessLogTest, FailedAndSlowCallsAreAlwaysWritten) {
  const AccessLogPolicy policy;
  for (uint64_t nth = 1; nth <= 3; ++nth) {
    EXPECT_EQ(AccessLogLevel(policy, false, false, 0.001, nth), Level::kInfo);
    EXPECT_EQ(AccessLogLevel(policy, false, true, 0.1, nth), Level::kInfo);
  }
}

TEST(AccessLogTest, QuickSuccessfulCallsAreSampled) {
  AccessLogPolicy policy;
  policy.sample_every = 10;
  int written = 0;
  for (uint64_t nth = 1; nth <= 100; ++nth) {
    if (AccessLogLevel(policy, false, true, 0.002, nth) == Level::kInfo) ++written;
  }
  EXPECT_EQ(written, 10);
  EXPECT_EQ(AccessLogLevel(policy, false, true, 0.002, 20), Level::kInfo);
  EXPECT_EQ(AccessLogLevel(policy, false, true, 0.002, 21), Level::kDebug);
  policy.sample_every = 0;
  EXPECT_EQ(AccessLogLevel(policy, false, true, 0.002, 20), Level::kDebug);
}

TEST(AccessLogTest, HealthChecksStayAtDebugWhateverTheirOutcome) {
  const AccessLogPolicy policy;
  EXPECT_EQ(AccessLogLevel(policy, true, false, 5.0, 100), Level::kDebug);
  EXPECT_EQ(AccessLogLevel(policy, true, true, 0.001, 100), Level::kDebug);
}

}  // namespace
}  // namespace oms::log
