// Billing's domain metrics, and a PaymentProvider decorator that feeds them:
//   oms_billing_provider_calls_total{operation,outcome}     authorizations, captures, voids,
//       refunds, increments of an authorization (and lookups) by outcome: approved, declined,
//       unavailable, refused (any other error); replays by the provider count as calls too
//   oms_billing_provider_call_duration_seconds{operation}    provider call latency
//   oms_billing_captured_minor_units_total{currency}         amounts captured, in minor units,
//   oms_billing_refunded_minor_units_total{currency}         counted once per committed effect
//   oms_billing_reconciler_voided_total                      approvals the reconciler voided at
//       the provider (they arrived for orders voided while the authorization was in flight)
//   oms_billing_reconciler_adopted_total                     answers the reconciler recorded as
//       payments for authorizations whose caller died after the provider answered
//   oms_billing_authorizations_in_flight                     authorization intents not settled
//       (AUTHORIZING, or VOIDED with the provider's answer not settled), as of the last pass
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"
#include "billing-service/src/payment_provider.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace oms::billing {

class BillingMetrics {
 public:
  explicit BillingMetrics(prometheus::Registry& registry);

  // operation: authorize, capture, void, refund, increment, find.
  void ProviderCall(absl::string_view operation, const absl::Status& status,
                    const std::optional<ProviderOutcome>& outcome, double seconds);
  void Captured(const std::string& currency, long long amount_minor);
  void Refunded(const std::string& currency, long long amount_minor);
  // One reconciler pass: how many approvals it voided and answers it adopted.
  void Reconciled(int voided, int adopted);
  void AuthorizationsInFlight(long long count);

 private:
  prometheus::Counter& PerCurrency(prometheus::Family<prometheus::Counter>& family,
                                   std::map<std::string, prometheus::Counter*>& cache,
                                   const std::string& currency);

  // Every (operation, outcome) series is added once up front; currencies as they appear.
  std::map<std::string, prometheus::Counter*> calls_;
  std::map<std::string, prometheus::Histogram*> durations_;
  prometheus::Family<prometheus::Counter>* captured_family_;
  prometheus::Family<prometheus::Counter>* refunded_family_;
  prometheus::Counter* reconciler_voided_;
  prometheus::Counter* reconciler_adopted_;
  prometheus::Gauge* in_flight_;
  std::mutex mu_;  // guards the two currency caches
  std::map<std::string, prometheus::Counter*> captured_;
  std::map<std::string, prometheus::Counter*> refunded_;
};

// Times and counts every call to `inner`, then returns its answer unchanged.
class InstrumentedProvider : public PaymentProvider {
 public:
  InstrumentedProvider(PaymentProvider& inner, BillingMetrics& metrics)
      : inner_(inner), metrics_(metrics) {}

  std::string name() const override { return inner_.name(); }
  absl::StatusOr<ProviderResult> Authorize(const AuthorizeCall& call) override;
  absl::StatusOr<ProviderResult> Capture(const FollowUpCall& call) override;
  absl::StatusOr<ProviderResult> Void(const FollowUpCall& call) override;
  absl::StatusOr<ProviderResult> Refund(const FollowUpCall& call) override;
  absl::StatusOr<ProviderResult> IncrementAuthorization(const FollowUpCall& call) override;
  absl::StatusOr<std::optional<ProviderResult>> FindAuthorization(
      const std::string& idempotency_key) override;

 private:
  PaymentProvider& inner_;
  BillingMetrics& metrics_;
};

}  // namespace oms::billing
