// What billing decides around an authorization whose provider call runs with no database
// transaction open. The intent (billing_records.h) is committed first; then the provider is
// called; then a second transaction records the answer, unless a void tombstoned the order
// meanwhile, in which case the approval is released at the provider under ReleaseKey. The
// reconciler settles what a dead caller left. Pure logic: no I/O.
//
// Error reasons: AUTHORIZATION_VOIDED, PAYMENT_EXISTS, IDEMPOTENCY_KEY_REUSED (see
// billing_decisions.h); ABORTED (no reason) for a state that a retry resolves.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "billing-service/src/billing_records.h"
#include "billing-service/src/payment_provider.h"
#include "oms/billing/v1/billing.pb.h"

namespace oms::billing {

// The key billing voids an approval under when it arrived for an order voided in flight: one per
// order, so the caller and the reconciler releasing the same approval void it once.
std::string ReleaseKey(const std::string& order_id);

// The intent and the provider call of `request` (its key is AuthorizationKey of the order).
[[nodiscard]] AuthorizationIntent IntentFor(const v1::AuthorizePaymentRequest& request);
[[nodiscard]] AuthorizeCall CallFor(const v1::AuthorizePaymentRequest& request);
// The call `intent` stands for, as far as billing's records need it (no token).
[[nodiscard]] AuthorizeCall RecordedCallOf(const AuthorizationIntent& intent);

// The first transaction, from what it read under the order's lock.
enum class AuthorizationStart {
  kRecordIntent,  // nothing yet: record the intent, commit, then call the provider
  kCallProvider,  // this request's intent is in flight (a retry, a concurrent repeat): call
                  // again under the same key, the provider replays its answer
  kSkipProvider,  // the answer needs no provider call: a stored answer, a payment, or another
                  // request's intent
};
[[nodiscard]] AuthorizationStart PlanAuthorizationStart(
    bool request_answered, bool payment_exists, const std::optional<AuthorizationIntent>& intent,
    const std::string& request_id);

// The second transaction, from what it read under the order's lock; `called_provider`: this
// call has the provider's answer.
struct AuthorizationVerdict {
  enum class Action {
    kRecord,         // write the answer as the order's payment
    kAnswerPayment,  // the payment recorded for this request (by a void or the reconciler)
    kRefuse,         // refuse with `refusal`: AUTHORIZATION_VOIDED when a void came first (the
                     // caller then releases its answer, AuthorizationSettlement::Release)
  };
  Action action = Action::kRefuse;
  absl::Status refusal;  // for kRefuse
};
[[nodiscard]] AuthorizationVerdict JudgeAuthorization(
    const std::string& order_id, const std::string& request_id,
    const std::optional<PaymentRecord>& payment, const std::optional<AuthorizationIntent>& intent,
    bool called_provider);

// The state an intent takes once `answer` is the order's payment.
[[nodiscard]] IntentState StateAfter(const ProviderResult& answer);

// The void that releases `approval` of an order voided in flight.
[[nodiscard]] FollowUpCall ReleaseCall(const AuthorizationIntent& intent,
                                       const ProviderResult& approval);

// Whether a late answer under `intent`'s key is still to be recorded on the order's tombstone:
// the intent was voided in flight, and no answer under its key is recorded yet.
[[nodiscard]] bool LateAnswerToRecord(const std::optional<AuthorizationIntent>& intent,
                                      bool tombstone_exists, bool answer_recorded);

// What the order's tombstone records of a late answer: the authorization as the provider gave
// it, then, for an approval, its release (`release`: the provider's answer to ReleaseCall).
[[nodiscard]] std::vector<TransactionRecord> LateAnswerRecords(
    const std::string& tombstone_id, const AuthorizationIntent& intent,
    const ProviderResult& answer, const std::optional<ProviderResult>& release,
    const std::string& provider, const std::string& request_id);

// The reconciler's move for an intent not settled within its bound, given what the provider
// holds under the intent's key.
enum class ReconcileAction {
  kAdopt,    // AUTHORIZING, answered: record the answer as its caller would have
  kRelease,  // VOIDED, answered: release an approval and record it on the tombstone
  kClose,    // VOIDED, nothing at the provider: stop looking
  kWait,     // AUTHORIZING, nothing at the provider: the saga's retry calls again
};
[[nodiscard]] ReconcileAction PlanReconcile(IntentState state,
                                            const std::optional<ProviderResult>& found);

}  // namespace oms::billing
