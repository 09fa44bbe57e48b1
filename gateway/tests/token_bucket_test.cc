// The per-credential token bucket, driven by a synthetic clock.
#include "gateway/src/token_bucket.h"

#include <gtest/gtest.h>

namespace oms::gateway {
namespace {

using Clock = TokenBucketLimiter::Clock;

TEST(TokenBucketTest, AllowsTheBurstThenRefillsAtTheRate) {
  TokenBucketLimiter limiter(/*rate_per_second=*/2, /*burst=*/3);
  const Clock::time_point t0{};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("a", t0).allowed) << i;
  auto refused = limiter.Take("a", t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
  // Another credential has its own bucket.
  EXPECT_TRUE(limiter.Take("b", t0).allowed);
  // Half a second at 2/s gives one token back, and only one.
  EXPECT_TRUE(limiter.Take("a", t0 + std::chrono::milliseconds(500)).allowed);
  EXPECT_FALSE(limiter.Take("a", t0 + std::chrono::milliseconds(500)).allowed);
  // Refill stops at the burst.
  const auto later = t0 + std::chrono::seconds(100);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("a", later).allowed) << i;
  EXPECT_FALSE(limiter.Take("a", later).allowed);
}

TEST(TokenBucketTest, RetryAfterCoversTheWait) {
  TokenBucketLimiter limiter(/*rate_per_second=*/0.1, /*burst=*/1);
  const Clock::time_point t0{};
  EXPECT_TRUE(limiter.Take("a", t0).allowed);
  auto refused = limiter.Take("a", t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 10);
  EXPECT_FALSE(limiter.Take("a", t0 + std::chrono::seconds(9)).allowed);
  EXPECT_TRUE(limiter.Take("a", t0 + std::chrono::seconds(10)).allowed);
}

TEST(TokenBucketTest, ARefundGivesATokenBackUpToTheBurst) {
  TokenBucketLimiter limiter(/*rate_per_second=*/0.001, /*burst=*/2);
  const Clock::time_point t0{};
  EXPECT_TRUE(limiter.Take("a", t0).allowed);
  EXPECT_TRUE(limiter.Take("a", t0).allowed);
  EXPECT_FALSE(limiter.Take("a", t0).allowed);
  limiter.Refund("a");
  EXPECT_TRUE(limiter.Take("a", t0).allowed);
  EXPECT_FALSE(limiter.Take("a", t0).allowed);
  for (int i = 0; i < 5; ++i) limiter.Refund("a");
  EXPECT_TRUE(limiter.Take("a", t0).allowed);
  EXPECT_TRUE(limiter.Take("a", t0).allowed);
  EXPECT_FALSE(limiter.Take("a", t0).allowed) << "no more than the burst";
  limiter.Refund("unknown");  // nothing to give back to
  EXPECT_EQ(limiter.bucket_count(), 1u);
}

TEST(TokenBucketTest, KeepsAtMostMaxKeysBuckets) {
  TokenBucketLimiter limiter(1, 2, /*max_keys=*/4);
  const Clock::time_point t0{};
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(limiter.Take("key" + std::to_string(i), t0).allowed);
    EXPECT_LE(limiter.bucket_count(), 4u);
  }
}

}  // namespace
}  // namespace oms::gateway
