#include "common/service_flags.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "common/failpoints.h"

namespace oms {
namespace {

TEST(ServiceFlagsTest, DefaultsComeFromTheServiceAndTheEnvironmentOverridesThem) {
  setenv("OMS_INSECURE_PLAINTEXT", "1", 1);  // transport_flags_test.cc covers the certificates
  setenv("OMS_FLAGTEST_DATABASE_URL", "postgresql://u:p@127.0.0.1:5432/db", 1);
  setenv("OMS_FLAGTEST_METRICS_PORT", "0", 1);
  setenv("OMS_FAILPOINTS", "flag-test.Get.before_reply=crash", 1);
  char arg0[] = "svc";
  char* argv[] = {arg0};
  auto config = HostConfigFromFlags(1, argv, {"flag-test", "OMS_FLAGTEST", 50099, 9499});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->service_name, "flag-test");
  EXPECT_EQ(config->port, 50099);
  EXPECT_EQ(config->metrics_port, 0);  // 0 means: pick a free port
  EXPECT_EQ(config->database_url, "postgresql://u:p@127.0.0.1:5432/db");
  EXPECT_EQ(config->db_pool_size, 8u);
  EXPECT_TRUE(config->failpoints.armed("flag-test.Get.before_reply"));
  unsetenv("OMS_FAILPOINTS");

  setenv("OMS_FLAGTEST_DB_POOL_SIZE", "0", 1);
  auto bad_pool = HostConfigFromFlags(1, argv, {"flag-test", "OMS_FLAGTEST", 50099, 9499});
  EXPECT_EQ(bad_pool.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_pool.status().message().find("--db_pool_size"), absl::string_view::npos);
  // Flags keep their last value within a process: set the pool size back explicitly.
  setenv("OMS_FLAGTEST_DB_POOL_SIZE", "8", 1);
  setenv("OMS_FLAGTEST_DATABASE_URL", "", 1);
  auto no_database = HostConfigFromFlags(1, argv, {"flag-test", "OMS_FLAGTEST", 50099, 9499});
  EXPECT_NE(no_database.status().message().find("OMS_FLAGTEST_DATABASE_URL"),
            absl::string_view::npos);
  unsetenv("OMS_FLAGTEST_DB_POOL_SIZE");
  unsetenv("OMS_FLAGTEST_DATABASE_URL");
  unsetenv("OMS_FLAGTEST_METRICS_PORT");
}

TEST(FailpointsTest, OnlyCrashEntriesAreArmed) {
  Failpoints failpoints = Failpoints::Parse("a.b=crash,c.d=sleep,,e.f=crash");
  EXPECT_TRUE(failpoints.armed("a.b"));
  EXPECT_TRUE(failpoints.armed("e.f"));
  EXPECT_FALSE(failpoints.armed("c.d"));
  EXPECT_FALSE(failpoints.armed("x"));
  EXPECT_TRUE(Failpoints::Parse("").empty());
  failpoints.Hit("not.armed", "");  // returns: nothing armed under that name
}

TEST(FailpointsDeathTest, AnArmedFailpointExitsLikeACrash) {
  Failpoints failpoints = Failpoints::Parse("order.after_reserve=crash");
  EXPECT_EXIT(failpoints.Hit("order.after_reserve", "req-1"), ::testing::ExitedWithCode(137), "");
}

}  // namespace
}  // namespace oms
