#include "common/config.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "absl/flags/flag.h"

ABSL_FLAG(int, config_test_port, 50052, "port");
ABSL_FLAG(std::string, config_test_host, "127.0.0.1", "host");

namespace oms {
namespace {

TEST(ConfigTest, EnvironmentFillsFlagsNotGivenOnTheCommandLine) {
  setenv("OMS_CONFIG_TEST_PORT", "6000", 1);
  setenv("OMS_CONFIG_TEST_HOST", "0.0.0.0", 1);
  char arg0[] = "prog";
  char arg1[] = "--config_test_host=10.0.0.1";
  char* argv[] = {arg0, arg1};
  ASSERT_TRUE(ParseFlagsWithEnv(2, argv,
                                {{"config_test_port", "OMS_CONFIG_TEST_PORT"},
                                 {"config_test_host", "OMS_CONFIG_TEST_HOST"}})
                  .ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_port), 6000);
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_host), "10.0.0.1");  // the command line wins

  setenv("OMS_CONFIG_TEST_PORT", "not-a-number", 1);
  char* argv_plain[] = {arg0};
  absl::Status bad =
      ParseFlagsWithEnv(1, argv_plain, {{"config_test_port", "OMS_CONFIG_TEST_PORT"}});
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("OMS_CONFIG_TEST_PORT"), absl::string_view::npos);
  unsetenv("OMS_CONFIG_TEST_PORT");
  unsetenv("OMS_CONFIG_TEST_HOST");
}

}  // namespace
}  // namespace oms
