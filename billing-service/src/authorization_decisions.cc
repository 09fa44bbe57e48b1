#include "billing-service/src/authorization_decisions.h"

#include "absl/strings/str_cat.h"
#include "billing-service/src/billing_decisions.h"
#include "common/status.h"

namespace oms::billing {
namespace {

bool VoidedInFlight(const AuthorizationIntent& intent) {
  return intent.state == IntentState::kVoided || intent.state == IntentState::kClosed;
}

bool Approved(const ProviderResult& answer) { return answer.outcome == ProviderOutcome::kApproved; }

}  // namespace

std::string ReleaseKey(const std::string& order_id) {
  return absl::StrCat("oms-release:", order_id);
}

AuthorizationIntent IntentFor(const v1::AuthorizePaymentRequest& request) {
  AuthorizationIntent intent;
  intent.order_id = request.order_id();
  intent.request_id = request.request_id();
  intent.idempotency_key = AuthorizationKey(request.order_id());
  intent.amount_minor = request.amount().amount_minor();
  intent.currency = request.amount().currency();
  intent.state = IntentState::kAuthorizing;
  return intent;
}

AuthorizeCall CallFor(const v1::AuthorizePaymentRequest& request) {
  return {AuthorizationKey(request.order_id()), request.amount().amount_minor(),
          request.amount().currency(), "CARD", request.token()};
}

AuthorizeCall RecordedCallOf(const AuthorizationIntent& intent) {
  return {intent.idempotency_key, intent.amount_minor, intent.currency, "CARD", ""};
}

AuthorizationStart PlanAuthorizationStart(bool request_answered, bool payment_exists,
                                          const std::optional<AuthorizationIntent>& intent,
                                          const std::string& request_id) {
  if (request_answered || payment_exists) return AuthorizationStart::kSkipProvider;
  if (!intent.has_value()) return AuthorizationStart::kRecordIntent;
  return intent->request_id == request_id && intent->state == IntentState::kAuthorizing
             ? AuthorizationStart::kCallProvider
             : AuthorizationStart::kSkipProvider;
}

AuthorizationVerdict JudgeAuthorization(const std::string& order_id, const std::string& request_id,
                                        const std::optional<PaymentRecord>& payment,
                                        const std::optional<AuthorizationIntent>& intent,
                                        bool called_provider) {
  using Action = AuthorizationVerdict::Action;
  const bool ours = intent.has_value() && intent->request_id == request_id;
  if (payment.has_value()) {
    absl::Status refusal = RefuseSecondAuthorization(order_id, *payment);
    // The payment a void or the reconciler recorded from this request's answer is its answer,
    // unless it is voided (a tombstone left while the call was in flight, or voided since).
    if (ours && !VoidedInFlight(*intent) && refusal.code() == absl::StatusCode::kAlreadyExists) {
      return {Action::kAnswerPayment, absl::OkStatus()};
    }
    return {Action::kRefuse, refusal};
  }
  if (!intent.has_value()) {
    // The first transaction recorded no intent: the request id is another order's.
    return {Action::kRefuse,
            WithReason(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
                       absl::StrCat("request_id ", request_id,
                                    " was already used for a different request"))};
  }
  if (!ours) {
    return {Action::kRefuse,
            WithReason(absl::StatusCode::kAlreadyExists, "PAYMENT_EXISTS",
                       absl::StrCat("order ", order_id, " is being authorized by request ",
                                    intent->request_id))};
  }
  if (intent->state == IntentState::kAuthorizing && called_provider) {
    return {Action::kRecord, absl::OkStatus()};
  }
  return {Action::kRefuse,
          absl::AbortedError(absl::StrCat("order ", order_id, "'s authorization is in flight"))};
}

IntentState StateAfter(const ProviderResult& answer) {
  return Approved(answer) ? IntentState::kAuthorized : IntentState::kDeclined;
}

FollowUpCall ReleaseCall(const AuthorizationIntent& intent, const ProviderResult& approval) {
  return {ReleaseKey(intent.order_id), approval.reference, approval.amount_minor,
          approval.currency};
}

bool LateAnswerToRecord(const std::optional<AuthorizationIntent>& intent, bool tombstone_exists,
                        bool answer_recorded) {
  return intent.has_value() && VoidedInFlight(*intent) && tombstone_exists && !answer_recorded;
}

std::vector<TransactionRecord> LateAnswerRecords(const std::string& tombstone_id,
                                                 const AuthorizationIntent& intent,
                                                 const ProviderResult& answer,
                                                 const std::optional<ProviderResult>& release,
                                                 const std::string& provider,
                                                 const std::string& request_id) {
  std::vector<TransactionRecord> records = {
      RecordAuthorization(intent.order_id, provider, RecordedCallOf(intent), answer, request_id)
          .transaction};
  if (release.has_value()) {
    TransactionRecord voided;
    voided.kind = v1::TRANSACTION_KIND_VOID;
    voided.amount_minor = release->amount_minor;
    voided.currency = release->currency;
    voided.outcome = v1::TRANSACTION_OUTCOME_APPROVED;
    voided.idempotency_key = ReleaseKey(intent.order_id);
    voided.provider_reference = release->reference;
    voided.request_id = request_id;
    records.push_back(voided);
  }
  for (TransactionRecord& record : records) record.payment_id = tombstone_id;
  return records;
}

ReconcileAction PlanReconcile(IntentState state, const std::optional<ProviderResult>& found) {
  if (state == IntentState::kVoided) {
    return found.has_value() ? ReconcileAction::kRelease : ReconcileAction::kClose;
  }
  if (state == IntentState::kAuthorizing && found.has_value()) return ReconcileAction::kAdopt;
  return ReconcileAction::kWait;
}

}  // namespace oms::billing
