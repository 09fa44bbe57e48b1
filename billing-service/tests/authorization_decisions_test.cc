// The pure decisions around an authorization in flight: when to call the provider, what the
// second transaction does with the answer, what a late answer records, the reconciler's moves.
#include "billing-service/src/authorization_decisions.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::billing {
namespace {

AuthorizationIntent Intent(const std::string& request_id, IntentState state) {
  AuthorizationIntent intent;
  intent.order_id = "order-1";
  intent.request_id = request_id;
  intent.idempotency_key = "oms-auth:order-1";
  intent.amount_minor = 10000;
  intent.currency = "EUR";
  intent.state = state;
  return intent;
}

PaymentRecord Payment(bool tombstone, long long authorized, long long voided) {
  PaymentRecord payment;
  payment.id = "pay-1";
  payment.currency = tombstone ? "" : "EUR";
  payment.amounts.authorized = authorized;
  payment.amounts.voided = voided;
  payment.amounts.tombstone = tombstone;
  return payment;
}

ProviderResult Answer(ProviderOutcome outcome) {
  ProviderResult result;
  result.outcome = outcome;
  result.reference = "sbx_authorize_1";
  result.amount_minor = outcome == ProviderOutcome::kApproved ? 10000 : 0;
  result.currency = "EUR";
  result.decline_code = outcome == ProviderOutcome::kApproved ? "" : "card_declined";
  return result;
}

TEST(BillingAuthorizationDecisionsTest, TheIntentAndCallComeFromTheRequest) {
  v1::AuthorizePaymentRequest request;
  request.set_request_id("saga-1:authorize");
  request.set_order_id("order-1");
  request.mutable_amount()->set_currency("EUR");
  request.mutable_amount()->set_amount_minor(10000);
  request.set_token("tok_visa");
  const AuthorizationIntent intent = IntentFor(request);
  EXPECT_EQ(intent.order_id, "order-1");
  EXPECT_EQ(intent.request_id, "saga-1:authorize");
  EXPECT_EQ(intent.idempotency_key, "oms-auth:order-1");
  EXPECT_EQ(intent.amount_minor, 10000);
  EXPECT_EQ(intent.currency, "EUR");
  EXPECT_EQ(intent.state, IntentState::kAuthorizing);
  const AuthorizeCall call = CallFor(request);
  EXPECT_EQ(call.idempotency_key, intent.idempotency_key);
  EXPECT_EQ(call.token, "tok_visa");
  EXPECT_EQ(RecordedCallOf(intent).idempotency_key, call.idempotency_key);
  EXPECT_EQ(RecordedCallOf(intent).amount_minor, 10000);
  EXPECT_EQ(ReleaseKey("order-1"), "oms-release:order-1");
}

TEST(BillingAuthorizationDecisionsTest, OnlyAnIntentOfThisRequestStillInFlightCallsTheProvider) {
  const std::string mine = "saga-1:authorize";
  EXPECT_EQ(PlanAuthorizationStart(false, false, std::nullopt, mine),
            AuthorizationStart::kRecordIntent);
  EXPECT_EQ(PlanAuthorizationStart(false, false, Intent(mine, IntentState::kAuthorizing), mine),
            AuthorizationStart::kCallProvider);
  EXPECT_EQ(PlanAuthorizationStart(false, false, Intent("other", IntentState::kAuthorizing), mine),
            AuthorizationStart::kSkipProvider);
  EXPECT_EQ(PlanAuthorizationStart(false, true, Intent(mine, IntentState::kVoided), mine),
            AuthorizationStart::kSkipProvider);
  EXPECT_EQ(PlanAuthorizationStart(false, true, std::nullopt, mine),
            AuthorizationStart::kSkipProvider);  // a tombstone, or a payment from before intents
  EXPECT_EQ(PlanAuthorizationStart(true, false, std::nullopt, mine),
            AuthorizationStart::kSkipProvider);  // answered already: RunOnce replays or refuses
}

TEST(BillingAuthorizationDecisionsTest, TheSecondTransactionRecordsAnswersOrRefuses) {
  using Action = AuthorizationVerdict::Action;
  const std::string mine = "saga-1:authorize";
  const auto in_flight = Intent(mine, IntentState::kAuthorizing);
  EXPECT_EQ(JudgeAuthorization("order-1", mine, std::nullopt, in_flight, true).action,
            Action::kRecord);
  // Without an answer there is nothing to record: a retry resolves it.
  auto unanswered = JudgeAuthorization("order-1", mine, std::nullopt, in_flight, false);
  EXPECT_EQ(unanswered.action, Action::kRefuse);
  EXPECT_EQ(unanswered.refusal.code(), absl::StatusCode::kAborted);

  // Voided while in flight (the void left a tombstone): refused (the caller releases the answer).
  auto voided = JudgeAuthorization("order-1", mine, Payment(true, 0, 0),
                                   Intent(mine, IntentState::kVoided), true);
  EXPECT_EQ(voided.action, Action::kRefuse);
  EXPECT_EQ(ReasonOf(voided.refusal), "AUTHORIZATION_VOIDED");
  EXPECT_EQ(JudgeAuthorization("order-1", mine, Payment(true, 0, 0),
                               Intent(mine, IntentState::kClosed), false)
                .action,
            Action::kRefuse);

  // Recorded for this request by a void or the reconciler: its answer, unless voided.
  EXPECT_EQ(JudgeAuthorization("order-1", mine, Payment(false, 10000, 0),
                               Intent(mine, IntentState::kAuthorized), true)
                .action,
            Action::kAnswerPayment);
  auto adopted_and_voided = JudgeAuthorization("order-1", mine, Payment(false, 10000, 10000),
                                               Intent(mine, IntentState::kAuthorized), true);
  EXPECT_EQ(adopted_and_voided.action, Action::kRefuse);
  EXPECT_EQ(ReasonOf(adopted_and_voided.refusal), "AUTHORIZATION_VOIDED");

  // Another request's payment or intent.
  auto other_payment = JudgeAuthorization("order-1", "saga-2:authorize", Payment(false, 10000, 0),
                                          Intent(mine, IntentState::kAuthorized), false);
  EXPECT_EQ(ReasonOf(other_payment.refusal), "PAYMENT_EXISTS");
  auto other_intent =
      JudgeAuthorization("order-1", "saga-2:authorize", std::nullopt, in_flight, false);
  EXPECT_EQ(other_intent.refusal.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(other_intent.refusal), "PAYMENT_EXISTS");
  auto tombstoned = JudgeAuthorization("order-1", mine, Payment(true, 0, 0), std::nullopt, false);
  EXPECT_EQ(ReasonOf(tombstoned.refusal), "AUTHORIZATION_VOIDED");
  // No intent and no payment: the first transaction found the request id taken.
  auto reused = JudgeAuthorization("order-1", mine, std::nullopt, std::nullopt, false);
  EXPECT_EQ(ReasonOf(reused.refusal), "IDEMPOTENCY_KEY_REUSED");
}

TEST(BillingAuthorizationDecisionsTest, AnAnswerSettlesTheIntent) {
  EXPECT_EQ(StateAfter(Answer(ProviderOutcome::kApproved)), IntentState::kAuthorized);
  EXPECT_EQ(StateAfter(Answer(ProviderOutcome::kDeclined)), IntentState::kDeclined);
}

TEST(BillingAuthorizationDecisionsTest, ALateApprovalIsReleasedInFullAndRecordedOnTheTombstone) {
  const auto intent = Intent("saga-1:authorize", IntentState::kVoided);
  const ProviderResult approval = Answer(ProviderOutcome::kApproved);
  const FollowUpCall release = ReleaseCall(intent, approval);
  EXPECT_EQ(release.idempotency_key, "oms-release:order-1");
  EXPECT_EQ(release.authorization_reference, "sbx_authorize_1");
  EXPECT_EQ(release.amount_minor, 10000);
  EXPECT_EQ(release.currency, "EUR");

  ProviderResult released;
  released.reference = "sbx_void_1";
  released.amount_minor = 10000;
  released.currency = "EUR";
  auto records =
      LateAnswerRecords("tomb-1", intent, approval, released, "sandbox", "billing-reconciler");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].payment_id, "tomb-1");
  EXPECT_EQ(records[0].kind, v1::TRANSACTION_KIND_AUTHORIZE);
  EXPECT_EQ(records[0].outcome, v1::TRANSACTION_OUTCOME_APPROVED);
  EXPECT_EQ(records[0].idempotency_key, "oms-auth:order-1");
  EXPECT_EQ(records[0].provider_reference, "sbx_authorize_1");
  EXPECT_EQ(records[0].amount_minor, 10000);
  EXPECT_EQ(records[1].payment_id, "tomb-1");
  EXPECT_EQ(records[1].kind, v1::TRANSACTION_KIND_VOID);
  EXPECT_EQ(records[1].idempotency_key, "oms-release:order-1");
  EXPECT_EQ(records[1].provider_reference, "sbx_void_1");
  EXPECT_EQ(records[1].amount_minor, 10000);
  EXPECT_EQ(records[1].request_id, "billing-reconciler");

  auto declined = LateAnswerRecords("tomb-1", intent, Answer(ProviderOutcome::kDeclined),
                                    std::nullopt, "sandbox", "saga-1:authorize");
  ASSERT_EQ(declined.size(), 1u);
  EXPECT_EQ(declined[0].outcome, v1::TRANSACTION_OUTCOME_DECLINED);
}

TEST(BillingAuthorizationDecisionsTest, ALateAnswerIsRecordedOnceAndOnlyForAnOrderVoidedInFlight) {
  EXPECT_TRUE(LateAnswerToRecord(Intent("r", IntentState::kVoided), true, false));
  EXPECT_TRUE(LateAnswerToRecord(Intent("r", IntentState::kClosed), true, false));
  EXPECT_FALSE(LateAnswerToRecord(Intent("r", IntentState::kVoided), true, true));
  EXPECT_FALSE(LateAnswerToRecord(Intent("r", IntentState::kAuthorized), true, false));
  EXPECT_FALSE(LateAnswerToRecord(Intent("r", IntentState::kVoided), false, false));
  EXPECT_FALSE(LateAnswerToRecord(std::nullopt, true, false));
}

TEST(BillingAuthorizationDecisionsTest, TheReconcilerAdoptsReleasesClosesOrWaits) {
  const std::optional<ProviderResult> answered = Answer(ProviderOutcome::kApproved);
  EXPECT_EQ(PlanReconcile(IntentState::kAuthorizing, answered), ReconcileAction::kAdopt);
  EXPECT_EQ(PlanReconcile(IntentState::kAuthorizing, std::nullopt), ReconcileAction::kWait);
  EXPECT_EQ(PlanReconcile(IntentState::kVoided, answered), ReconcileAction::kRelease);
  EXPECT_EQ(PlanReconcile(IntentState::kVoided, Answer(ProviderOutcome::kDeclined)),
            ReconcileAction::kRelease);
  EXPECT_EQ(PlanReconcile(IntentState::kVoided, std::nullopt), ReconcileAction::kClose);
  EXPECT_EQ(PlanReconcile(IntentState::kClosed, answered), ReconcileAction::kWait);
}

}  // namespace
}  // namespace oms::billing
