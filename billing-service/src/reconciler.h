// The authorization reconciler: a background loop that compares what the provider holds with what
// billing recorded, for the authorizations whose caller may have died mid-call. One thread per
// process; replicas may all run it, since every move is decided again under the order's lock.
//
// Each pass takes the intents not settled (AUTHORIZING, VOIDED) whose last change or look is older
// than `settle_after` (a caller alive that long is taken for dead), asks the provider for the
// authorization under each one's key, and (authorization_decisions.h, PlanReconcile):
//   - VOIDED with an answer: voids an approval at the provider and records it on the tombstone;
//   - VOIDED with nothing: closes it;
//   - AUTHORIZING with an answer: records it as the order's payment, as the caller would have (the
//     saga's retry under the same request id is then answered with it, so one authorization);
//   - AUTHORIZING with nothing: leaves it for the saga's retry or void, and looks again later.
// What it did is recorded in billing's tables (payments, payment_transactions, intents) and
// counted in the metrics (billing_metrics.h).
#pragma once

#include <chrono>

#include "absl/status/statusor.h"
#include "common/background_loop.h"

namespace oms {
class PgPool;
}  // namespace oms

namespace oms::billing {

class BillingMetrics;
class PaymentProvider;

struct ReconcileReport {
  int adopted = 0;          // AUTHORIZING intents recorded as payments
  int released = 0;         // approvals voided at the provider
  int closed = 0;           // VOIDED intents the provider had nothing for
  int waiting = 0;          // AUTHORIZING intents the provider has nothing for yet
  int failed = 0;           // intents a provider or database error left for the next pass
  long long in_flight = 0;  // intents not settled after the pass
};

class AuthorizationReconciler {
 public:
  struct Options {
    std::chrono::seconds settle_after{300};
    std::chrono::milliseconds interval{30000};
    int batch = 100;                    // intents per pass
    BillingMetrics* metrics = nullptr;  // may be null (tests)
  };

  // `pool` is billing's; `provider` the one billing calls.
  AuthorizationReconciler(PgPool& pool, PaymentProvider& provider, Options options);
  ~AuthorizationReconciler() = default;  // Stop()s

  void Start();
  // Returns once the loop has ended; a pass in progress finishes first.
  void Stop();

  // One pass (the loop's, and tests'). An error only when the work list cannot be read.
  [[nodiscard]] absl::StatusOr<ReconcileReport> ReconcileNow();

 private:
  // One pass, logged.
  void Pass();

  PgPool& pool_;
  PaymentProvider& provider_;
  const Options options_;
  BackgroundLoop loop_;
};

}  // namespace oms::billing
