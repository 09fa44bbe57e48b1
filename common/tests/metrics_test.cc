#include "common/metrics.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/testing/scrape.h"

namespace oms {
namespace {

using testing::SampleValue;

TEST(MetricsTest, ExposesProcessMetricsAndBuildInfo) {
  Metrics metrics("test-service", "1.2.3");
  const std::string text = metrics.Render();
  EXPECT_EQ(*SampleValue(text, R"(oms_build_info{service="test-service",version="1.2.3"})"), 1);
  EXPECT_GT(*SampleValue(text, "process_resident_memory_bytes"), 1e6);
  EXPECT_GT(*SampleValue(text, "process_open_fds"), 0);
  EXPECT_GT(*SampleValue(text, "process_start_time_seconds"), 1.6e9);
  EXPECT_TRUE(SampleValue(text, "process_cpu_seconds_total").ok());
}

TEST(MetricsTest, ServesAnExpositionThatPromtoolAccepts) {
  Metrics metrics("test-service", "1.2.3");
  ASSERT_TRUE(metrics.Serve("127.0.0.1", 0).ok());
  ASSERT_GT(metrics.port(), 0);
  auto body = testing::HttpGet(absl::StrCat("http://127.0.0.1:", metrics.port(), "/metrics"));
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_NE(body->find("oms_build_info"), std::string::npos);
  EXPECT_NE(body->find("process_cpu_seconds_total"), std::string::npos);
  absl::Status lint = testing::PromtoolCheckMetrics(*body);
  EXPECT_TRUE(lint.ok()) << lint;
}

TEST(MetricsTest, RefusesAPortThatIsTaken) {
  Metrics first("a", "1");
  ASSERT_TRUE(first.Serve("127.0.0.1", 0).ok());
  Metrics second("b", "1");
  absl::Status status = second.Serve("127.0.0.1", first.port());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace oms
