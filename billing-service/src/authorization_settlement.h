// Settling what the provider answered under an authorization intent's key when the answer could
// not simply be recorded by the call that asked for it: the order was voided while the call was
// in flight, or the caller died after the provider answered. Used by the use cases (a caller
// that finds its order voided) and by the reconciler (whatever a dead caller left).
//
// No database transaction is open while the provider is called: each method calls the provider
// first, then decides again under the order's lock from what it reads, so that a caller and the
// reconciler settling the same intent at once settle it once.
#pragma once

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "billing-service/src/billing_records.h"
#include "billing-service/src/payment_provider.h"

namespace oms {
class PgPool;
}  // namespace oms

namespace oms::billing {

class AuthorizationIntentsStore;
class PaymentsStore;

// Inside the caller's transaction, under the order's lock: writes `answer` (the provider's, to
// `intent`'s call) as the order's payment with its AUTHORIZE transaction, attributed to
// intent.request_id, and moves the intent to AUTHORIZED or DECLINED. Returns the payment's id.
std::string RecordAnswer(PaymentsStore& payments, AuthorizationIntentsStore& intents,
                         const std::string& provider, const AuthorizationIntent& intent,
                         const ProviderResult& answer);

class AuthorizationSettlement {
 public:
  AuthorizationSettlement(PgPool& pool, PaymentProvider& provider)
      : pool_(pool), provider_(provider) {}

  // The provider gave `answer` under `intent`'s key. If the order was voided in flight (intent
  // VOIDED or CLOSED, the answer not recorded yet), an approval is voided at the provider
  // (ReleaseKey), then the answer and the release are recorded on the order's tombstone
  // (transactions attributed to `request_id`) and the intent is CLOSED. Returns whether this
  // call recorded them (false: nothing to release, or recorded already). A provider error is
  // returned as is; the reconciler tries again later.
  [[nodiscard]] absl::StatusOr<bool> Release(const AuthorizationIntent& intent,
                                             const ProviderResult& answer,
                                             const std::string& request_id);
  // `intent` is still AUTHORIZING and the provider gave `answer` under its key: records it as
  // the order's payment, as the dead caller would have. false: the intent moved on meanwhile.
  [[nodiscard]] absl::StatusOr<bool> Adopt(const AuthorizationIntent& intent,
                                           const ProviderResult& answer);
  // `intent` is VOIDED and the provider holds nothing under its key: CLOSED. false: it moved on.
  [[nodiscard]] absl::StatusOr<bool> Close(const AuthorizationIntent& intent);

 private:
  // Runs `settle` in one transaction under the order's lock; returns what it returns.
  [[nodiscard]] absl::StatusOr<bool> UnderOrderLock(
      const std::string& order_id,
      absl::FunctionRef<bool(PaymentsStore&, AuthorizationIntentsStore&)> settle);

  PgPool& pool_;
  PaymentProvider& provider_;
};

}  // namespace oms::billing
