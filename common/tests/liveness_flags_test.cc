// The liveness flags every service takes: their defaults, their variables, their bounds.
#include <cstdlib>

#include <gtest/gtest.h>

#include "common/service_flags.h"

namespace oms {
namespace {

const ServiceIdentity kIdentity{"flag-test", "OMS_LIVENESSTEST", 50098, 9498};

absl::StatusOr<HostConfig> Parse() {
  char arg0[] = "svc";
  char* argv[] = {arg0};
  setenv("OMS_INSECURE_PLAINTEXT", "1", 1);  // transport_flags_test.cc covers the certificates
  return HostConfigFromFlags(1, argv, kIdentity);
}

TEST(LivenessFlagsTest, DefaultsBoundStuckWorkAndProbeSilentConnections) {
  setenv("OMS_LIVENESSTEST_DATABASE_URL", "postgresql://u:p@127.0.0.1:5432/db", 1);
  auto config = Parse();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->statement_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(config->lock_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(config->db_keepalive.idle, std::chrono::seconds(30));
  EXPECT_EQ(config->db_keepalive.interval, std::chrono::seconds(10));
  EXPECT_EQ(config->db_keepalive.count, 3);
  EXPECT_EQ(config->grpc_keepalive.time, std::chrono::milliseconds(20000));
  EXPECT_EQ(config->grpc_keepalive.timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(config->grpc_keepalive.min_client_ping_interval, std::chrono::milliseconds(10000));
  unsetenv("OMS_LIVENESSTEST_DATABASE_URL");
}

TEST(LivenessFlagsTest, VariablesSetThemAndBoundsAreChecked) {
  setenv("OMS_LIVENESSTEST_DATABASE_URL", "postgresql://u:p@127.0.0.1:5432/db", 1);
  setenv("OMS_DB_STATEMENT_TIMEOUT_MS", "0", 1);
  setenv("OMS_DB_LOCK_TIMEOUT_MS", "2500", 1);
  setenv("OMS_DB_KEEPALIVE_IDLE_SECONDS", "5", 1);
  setenv("OMS_GRPC_KEEPALIVE_MS", "60000", 1);
  setenv("OMS_GRPC_MIN_PING_INTERVAL_MS", "30000", 1);
  auto config = Parse();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->statement_timeout, std::chrono::milliseconds(0));  // the server's setting
  EXPECT_EQ(config->lock_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(config->db_keepalive.idle, std::chrono::seconds(5));
  EXPECT_EQ(config->grpc_keepalive.time, std::chrono::milliseconds(60000));
  EXPECT_EQ(config->grpc_keepalive.min_client_ping_interval, std::chrono::milliseconds(30000));

  // A server that would refuse its own clients' pings is refused at start.
  setenv("OMS_GRPC_MIN_PING_INTERVAL_MS", "90000", 1);
  auto refused = Parse();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("--grpc_min_ping_interval_ms"),
            absl::string_view::npos);
  setenv("OMS_GRPC_MIN_PING_INTERVAL_MS", "10000", 1);
  setenv("OMS_DB_KEEPALIVE_IDLE_SECONDS", "0", 1);
  auto no_idle = Parse();
  EXPECT_NE(no_idle.status().message().find("--db_keepalive_idle_seconds"),
            absl::string_view::npos);

  // Flags keep their last value within a process: put the defaults back.
  setenv("OMS_DB_STATEMENT_TIMEOUT_MS", "30000", 1);
  setenv("OMS_DB_LOCK_TIMEOUT_MS", "10000", 1);
  setenv("OMS_DB_KEEPALIVE_IDLE_SECONDS", "30", 1);
  setenv("OMS_GRPC_KEEPALIVE_MS", "20000", 1);
  ASSERT_TRUE(Parse().ok());
  for (const char* name : {"OMS_LIVENESSTEST_DATABASE_URL", "OMS_DB_STATEMENT_TIMEOUT_MS",
                           "OMS_DB_LOCK_TIMEOUT_MS", "OMS_DB_KEEPALIVE_IDLE_SECONDS",
                           "OMS_GRPC_KEEPALIVE_MS", "OMS_GRPC_MIN_PING_INTERVAL_MS"}) {
    unsetenv(name);
  }
}

}  // namespace
}  // namespace oms
