#include "tools/omsctl/check_command.h"

#include <gtest/gtest.h>

namespace oms::tools {
namespace {

TEST(CheckCommandTest, APushgatewayUrlSplitsIntoHostAndPort) {
  auto target = ParsePushgatewayUrl("http://pushgateway.monitoring:9091");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->host, "http://pushgateway.monitoring");
  EXPECT_EQ(target->port, "9091");
  target = ParsePushgatewayUrl("https://[::1]:443");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->host, "https://[::1]");
}

TEST(CheckCommandTest, ABadPushgatewayUrlIsRefusedNamingTheFlag) {
  for (const char* url : {"pushgateway:9091", "http://pushgateway", "http://pushgateway:0",
                          "http://pushgateway:9091/metrics", "ftp://x:1"}) {
    auto target = ParsePushgatewayUrl(url);
    ASSERT_FALSE(target.ok()) << url;
    EXPECT_EQ(target.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(target.status().message().find("--pushgateway"), absl::string_view::npos);
  }
}

TEST(CheckCommandTest, MissingAddressesAndBadBoundsAreRefusedBeforeAnyCall) {
  CheckCommand command;
  command.inventory = command.billing = command.shipping = "127.0.0.1:1";
  EXPECT_EQ(RunCheck(command), kCheckUnreadable);  // no --orders
  command.orders = "127.0.0.1:1";
  command.page_size = 501;
  EXPECT_EQ(RunCheck(command), kCheckUnreadable);
}

}  // namespace
}  // namespace oms::tools
