#include "common/log.h"

#include <gtest/gtest.h>

namespace oms::log {
namespace {

TEST(LogTest, FormatsOneJsonObjectWithEscapedFields) {
  const auto time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  std::string line = FormatLine(time, Level::kWarn, "inventory-service", "req-1", "stock \"low\"\n",
                                {{"sku", "SKU-1"}});
  EXPECT_EQ(line,
            R"({"time":"2023-11-14T22:13:20.123Z","level":"warn","service":"inventory-service",)"
            R"("request_id":"req-1","message":"stock \"low\"\n","sku":"SKU-1"})");
}

TEST(LogTest, OmitsAnEmptyRequestIdAndSurvivesInvalidUtf8) {
  std::string line = FormatLine(std::chrono::system_clock::time_point(), Level::kInfo, "svc", "",
                                std::string("bad \xff byte"), {});
  EXPECT_EQ(line.find("request_id"), std::string::npos);
  EXPECT_NE(line.find("\"message\":\"bad "), std::string::npos);
}

TEST(LogTest, ParsesLevels) {
  Level level = Level::kInfo;
  ASSERT_TRUE(ParseLevel("debug", &level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_FALSE(ParseLevel("loud", &level));
}

}  // namespace
}  // namespace oms::log
