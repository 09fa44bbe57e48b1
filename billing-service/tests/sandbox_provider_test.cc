// The sandbox provider on a real PostgreSQL: its test tokens, its durable ledger keyed by
// idempotency key, replays, increments of an authorization, and the bounds it keeps on its own
// side.
#include "billing-service/src/sandbox_provider.h"

#include "billing-service/tests/billing_test_fixture.h"
#include "common/status.h"

namespace oms::billing {
namespace {

class SandboxProviderTest : public BillingDbTest {
 protected:
  absl::StatusOr<ProviderResult> Authorize(const std::string& key, const std::string& token,
                                           long long amount = 1000) {
    return provider_->Authorize({key, amount, "EUR", "CARD", token});
  }
  long long Operations() { return Query("SELECT count(*) FROM sandbox_provider_operations"); }
};

TEST_F(SandboxProviderTest, TokensDecideTheAuthorization) {
  auto visa = Authorize("k-visa", "tok_visa");
  ASSERT_TRUE(visa.ok()) << visa.status();
  EXPECT_EQ(visa->outcome, ProviderOutcome::kApproved);
  EXPECT_EQ(visa->reference.rfind("sbx_authorize_", 0), 0u) << visa->reference;
  EXPECT_FALSE(visa->replayed);

  auto declined = Authorize("k-declined", "tok_chargeDeclined");
  ASSERT_TRUE(declined.ok());
  EXPECT_EQ(declined->outcome, ProviderOutcome::kDeclined);
  EXPECT_EQ(declined->decline_code, "card_declined");

  auto unknown = Authorize("k-unknown", "tok_nonsense");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->decline_code, "invalid_token");

  const long long before = Operations();
  auto unavailable = Authorize("k-down", "tok_unavailable");
  EXPECT_EQ(unavailable.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Operations(), before);  // nothing recorded
}

TEST_F(SandboxProviderTest, ASeenKeyReplaysAndADifferentRequestUnderItIsRefused) {
  auto first = Authorize("k-1", "tok_visa");
  auto again = Authorize("k-1", "tok_visa");
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->reference, first->reference);
  EXPECT_EQ(Operations(), 1);
  auto other = Authorize("k-1", "tok_visa", 999);
  EXPECT_EQ(ReasonOf(other.status()), "IDEMPOTENCY_KEY_REUSED");

  auto declined = Authorize("k-2", "tok_chargeDeclined");
  auto declined_again = Authorize("k-2", "tok_chargeDeclined");
  ASSERT_TRUE(declined_again.ok());
  EXPECT_EQ(declined_again->outcome, ProviderOutcome::kDeclined);

  auto found = provider_->FindAuthorization("k-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->reference, first->reference);
  EXPECT_EQ((*found)->amount_minor, 1000);
  auto missing = provider_->FindAuthorization("k-none");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(SandboxProviderTest, CaptureFailsTheFirstTwoAttemptsPerAuthorization) {
  auto auth = Authorize("k-auth", "tok_capture_fails");
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->outcome, ProviderOutcome::kApproved);
  FollowUpCall capture{"k-cap", auth->reference, 400, "EUR"};
  for (int attempt = 0; attempt < SandboxProvider::kCaptureFailures; ++attempt) {
    EXPECT_EQ(provider_->Capture(capture).status().code(), absl::StatusCode::kUnavailable)
        << attempt;
  }
  EXPECT_EQ(Operations(), 1);  // the failed attempts recorded no capture
  auto third = provider_->Capture(capture);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->outcome, ProviderOutcome::kApproved);
  // Later captures on the same authorization succeed at once.
  auto next = provider_->Capture({"k-cap-2", auth->reference, 100, "EUR"});
  EXPECT_TRUE(next.ok()) << next.status();
}

TEST_F(SandboxProviderTest, TheProviderKeepsItsOwnBounds) {
  auto auth = Authorize("k-auth", "tok_visa", 1000);
  ASSERT_TRUE(auth.ok());
  const std::string ref = auth->reference;
  ASSERT_TRUE(provider_->Capture({"c1", ref, 600, "EUR"}).ok());
  EXPECT_EQ(ReasonOf(provider_->Capture({"c2", ref, 401, "EUR"}).status()),
            "AMOUNT_EXCEEDS_AUTHORIZATION");
  EXPECT_EQ(ReasonOf(provider_->Capture({"c3", ref, 1, "USD"}).status()), "CURRENCY_MISMATCH");
  ASSERT_TRUE(provider_->Void({"v1", ref, 400, "EUR"}).ok());
  EXPECT_EQ(ReasonOf(provider_->Void({"v2", ref, 1, "EUR"}).status()),
            "AMOUNT_EXCEEDS_AUTHORIZATION");
  ASSERT_TRUE(provider_->Refund({"r1", ref, 600, "EUR"}).ok());
  EXPECT_EQ(ReasonOf(provider_->Refund({"r2", ref, 1, "EUR"}).status()), "REFUND_EXCEEDS_CAPTURE");
  EXPECT_EQ(provider_->Capture({"c4", "sbx_nope", 1, "EUR"}).status().code(),
            absl::StatusCode::kNotFound);
  // A replay of a follow-up has no second effect.
  auto replay = provider_->Capture({"c1", ref, 600, "EUR"});
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(Query("SELECT sum(amount_minor) FROM sandbox_provider_operations "
                  "WHERE operation = 'CAPTURE'"),
            600);

  auto declined = Authorize("k-declined", "tok_chargeDeclined");
  ASSERT_TRUE(declined.ok());
  EXPECT_EQ(provider_->Capture({"c5", declined->reference, 1, "EUR"}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SandboxProviderTest, AnIncrementRaisesTheSameAuthorizationOnce) {
  auto auth = Authorize("k-auth", "tok_visa", 1000);
  ASSERT_TRUE(auth.ok());
  const std::string ref = auth->reference;
  const FollowUpCall increment{"k-inc", ref, 500, "EUR"};
  auto raised = provider_->IncrementAuthorization(increment);
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(raised->outcome, ProviderOutcome::kApproved);
  EXPECT_EQ(raised->reference.rfind("sbx_increment_", 0), 0u) << raised->reference;
  EXPECT_EQ(raised->amount_minor, 500);
  auto replay = provider_->IncrementAuthorization(increment);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->reference, raised->reference);
  EXPECT_EQ(ReasonOf(provider_->IncrementAuthorization({"k-inc", ref, 501, "EUR"}).status()),
            "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(ReasonOf(provider_->IncrementAuthorization({"k-inc-usd", ref, 1, "USD"}).status()),
            "CURRENCY_MISMATCH");
  EXPECT_EQ(provider_->IncrementAuthorization({"k-inc-none", "sbx_nope", 1, "EUR"}).status().code(),
            absl::StatusCode::kNotFound);

  // Still one authorization, holding 1500: captures take up to that and no further.
  EXPECT_EQ(Query("SELECT count(*) FROM sandbox_provider_operations WHERE operation = 'AUTHORIZE'"),
            1);
  ASSERT_TRUE(provider_->Capture({"c1", ref, 1200, "EUR"}).ok());
  EXPECT_EQ(ReasonOf(provider_->Capture({"c2", ref, 301, "EUR"}).status()),
            "AMOUNT_EXCEEDS_AUTHORIZATION");
  ASSERT_TRUE(provider_->Void({"v1", ref, 300, "EUR"}).ok());
  // Nothing open any more: the authorization is closed to increments.
  EXPECT_EQ(provider_->IncrementAuthorization({"k-inc-2", ref, 100, "EUR"}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SandboxProviderTest, TokIncrementDeclinedAuthorizesButDeclinesEveryIncrement) {
  auto auth = Authorize("k-auth", "tok_increment_declined", 1000);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->outcome, ProviderOutcome::kApproved);
  const FollowUpCall increment{"k-inc", auth->reference, 500, "EUR"};
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto declined = provider_->IncrementAuthorization(increment);
    ASSERT_TRUE(declined.ok()) << declined.status();
    EXPECT_EQ(declined->outcome, ProviderOutcome::kDeclined);
    EXPECT_EQ(declined->decline_code, "card_declined");
    EXPECT_EQ(declined->replayed, attempt > 0);
  }
  // The decline raised nothing: a capture beyond the first 1000 is still refused.
  EXPECT_EQ(ReasonOf(provider_->Capture({"c1", auth->reference, 1001, "EUR"}).status()),
            "AMOUNT_EXCEEDS_AUTHORIZATION");
  EXPECT_TRUE(provider_->Capture({"c2", auth->reference, 1000, "EUR"}).ok());

  auto declined_auth = Authorize("k-declined", "tok_chargeDeclined");
  ASSERT_TRUE(declined_auth.ok());
  EXPECT_EQ(provider_->IncrementAuthorization({"k-inc-2", declined_auth->reference, 1, "EUR"})
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace oms::billing
