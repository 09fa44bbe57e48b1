// The pure parts of request-id idempotency: which answers are remembered, the caller's deadline
// on this thread, and the statement bound it leaves.
#include "common/idempotency.h"

#include <limits>

#include <gtest/gtest.h>

namespace oms {
namespace {

TEST(IdempotencyRulesTest, DefiniteBusinessAnswersAreRefusalsAndTransientFailuresAreNot) {
  for (absl::StatusCode code :
       {absl::StatusCode::kFailedPrecondition, absl::StatusCode::kInvalidArgument,
        absl::StatusCode::kNotFound, absl::StatusCode::kAlreadyExists,
        absl::StatusCode::kOutOfRange, absl::StatusCode::kPermissionDenied}) {
    EXPECT_TRUE(IsRefusal(code)) << absl::StatusCodeToString(code);
  }
  // The request did not run, or its outcome is unknown: a retry must run it again.
  for (absl::StatusCode code :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kAborted,
        absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kInternal,
        absl::StatusCode::kResourceExhausted, absl::StatusCode::kUnknown,
        absl::StatusCode::kCancelled, absl::StatusCode::kUnimplemented,
        absl::StatusCode::kUnauthenticated, absl::StatusCode::kDataLoss, absl::StatusCode::kOk}) {
    EXPECT_FALSE(IsRefusal(code)) << absl::StatusCodeToString(code);
  }
}

TEST(IdempotencyRulesTest, ACallDeadlineScopeHoldsForItsThreadAndRestoresTheEnclosingOne) {
  EXPECT_EQ(CallDeadlineScope::Current(), absl::InfiniteFuture());
  const absl::Time outer = absl::FromUnixSeconds(2'000'000'000);
  const absl::Time inner = absl::FromUnixSeconds(1'000'000'000);
  {
    CallDeadlineScope outer_scope(outer);
    EXPECT_EQ(CallDeadlineScope::Current(), outer);
    {
      CallDeadlineScope inner_scope(inner);
      EXPECT_EQ(CallDeadlineScope::Current(), inner);
    }
    EXPECT_EQ(CallDeadlineScope::Current(), outer);
  }
  EXPECT_EQ(CallDeadlineScope::Current(), absl::InfiniteFuture());
}

TEST(IdempotencyRulesTest, TheStatementBoundIsTheTimeLeftRoundedUp) {
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  EXPECT_EQ(*StatementTimeoutMs(absl::InfiniteFuture(), now), 0);  // no deadline, no bound
  EXPECT_EQ(*StatementTimeoutMs(now + absl::Seconds(2), now), 2000);
  EXPECT_EQ(*StatementTimeoutMs(now + absl::Microseconds(1500), now), 2);
  EXPECT_EQ(*StatementTimeoutMs(now + absl::Nanoseconds(1), now), 1);
  EXPECT_EQ(*StatementTimeoutMs(now + absl::Hours(24 * 365), now), std::numeric_limits<int>::max());
  EXPECT_EQ(StatementTimeoutMs(now, now).status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(StatementTimeoutMs(now - absl::Seconds(1), now).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace oms
