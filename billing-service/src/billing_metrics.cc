#include "billing-service/src/billing_metrics.h"

#include <chrono>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "common/metrics.h"

namespace oms::billing {
namespace {

constexpr const char* kOperations[] = {"authorize", "capture",   "void",
                                       "refund",    "increment", "find"};
constexpr const char* kOutcomes[] = {"approved", "declined", "unavailable", "refused"};

const char* OutcomeOf(const absl::Status& status, const std::optional<ProviderOutcome>& outcome) {
  if (status.code() == absl::StatusCode::kUnavailable) return "unavailable";
  if (!status.ok()) return "refused";
  return outcome == ProviderOutcome::kDeclined ? "declined" : "approved";
}

template <class Call>
auto Timed(BillingMetrics& metrics, absl::string_view operation, Call call) {
  const auto start = std::chrono::steady_clock::now();
  auto result = call();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::optional<ProviderOutcome> outcome;
  if constexpr (std::is_same_v<decltype(result), absl::StatusOr<ProviderResult>>) {
    if (result.ok()) outcome = result->outcome;
  }
  metrics.ProviderCall(operation, result.status(), outcome, seconds);
  return result;
}

}  // namespace

BillingMetrics::BillingMetrics(prometheus::Registry& registry) {
  auto& calls = prometheus::BuildCounter()
                    .Name("oms_billing_provider_calls_total")
                    .Help("Calls to the payment provider by operation and outcome.")
                    .Register(registry);
  auto& durations = prometheus::BuildHistogram()
                        .Name("oms_billing_provider_call_duration_seconds")
                        .Help("Latency of calls to the payment provider, by operation.")
                        .Register(registry);
  for (const char* operation : kOperations) {
    for (const char* outcome : kOutcomes) {
      calls_[absl::StrCat(operation, "/", outcome)] =
          &calls.Add({{"operation", operation}, {"outcome", outcome}});
    }
    durations_[operation] = &durations.Add({{"operation", operation}}, LatencyBuckets());
  }
  captured_family_ = &prometheus::BuildCounter()
                          .Name("oms_billing_captured_minor_units_total")
                          .Help("Amounts captured, in minor units of each currency.")
                          .Register(registry);
  refunded_family_ = &prometheus::BuildCounter()
                          .Name("oms_billing_refunded_minor_units_total")
                          .Help("Amounts refunded, in minor units of each currency.")
                          .Register(registry);
  reconciler_voided_ = &prometheus::BuildCounter()
                            .Name("oms_billing_reconciler_voided_total")
                            .Help(
                                "Approvals the reconciler voided at the provider, which arrived "
                                "for orders voided while their authorization was in flight.")
                            .Register(registry)
                            .Add({});
  reconciler_adopted_ = &prometheus::BuildCounter()
                             .Name("oms_billing_reconciler_adopted_total")
                             .Help(
                                 "Provider answers the reconciler recorded as payments for "
                                 "authorizations whose caller died after the provider answered.")
                             .Register(registry)
                             .Add({});
  in_flight_ = &prometheus::BuildGauge()
                    .Name("oms_billing_authorizations_in_flight")
                    .Help("Authorization intents not settled yet, as of the last reconciler pass.")
                    .Register(registry)
                    .Add({});
}

void BillingMetrics::ProviderCall(absl::string_view operation, const absl::Status& status,
                                  const std::optional<ProviderOutcome>& outcome, double seconds) {
  auto call = calls_.find(absl::StrCat(operation, "/", OutcomeOf(status, outcome)));
  if (call != calls_.end()) call->second->Increment();
  auto duration = durations_.find(std::string(operation));
  if (duration != durations_.end()) duration->second->Observe(seconds);
}

prometheus::Counter& BillingMetrics::PerCurrency(prometheus::Family<prometheus::Counter>& family,
                                                 std::map<std::string, prometheus::Counter*>& cache,
                                                 const std::string& currency) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = cache.emplace(currency, nullptr);
  if (inserted) it->second = &family.Add({{"currency", currency}});
  return *it->second;
}

void BillingMetrics::Captured(const std::string& currency, long long amount_minor) {
  PerCurrency(*captured_family_, captured_, currency).Increment(static_cast<double>(amount_minor));
}

void BillingMetrics::Refunded(const std::string& currency, long long amount_minor) {
  PerCurrency(*refunded_family_, refunded_, currency).Increment(static_cast<double>(amount_minor));
}

void BillingMetrics::Reconciled(int voided, int adopted) {
  reconciler_voided_->Increment(voided);
  reconciler_adopted_->Increment(adopted);
}

void BillingMetrics::AuthorizationsInFlight(long long count) {
  in_flight_->Set(static_cast<double>(count));
}

absl::StatusOr<ProviderResult> InstrumentedProvider::Authorize(const AuthorizeCall& call) {
  return Timed(metrics_, "authorize", [&] { return inner_.Authorize(call); });
}

absl::StatusOr<ProviderResult> InstrumentedProvider::Capture(const FollowUpCall& call) {
  return Timed(metrics_, "capture", [&] { return inner_.Capture(call); });
}

absl::StatusOr<ProviderResult> InstrumentedProvider::Void(const FollowUpCall& call) {
  return Timed(metrics_, "void", [&] { return inner_.Void(call); });
}

absl::StatusOr<ProviderResult> InstrumentedProvider::Refund(const FollowUpCall& call) {
  return Timed(metrics_, "refund", [&] { return inner_.Refund(call); });
}

absl::StatusOr<ProviderResult> InstrumentedProvider::IncrementAuthorization(
    const FollowUpCall& call) {
  return Timed(metrics_, "increment", [&] { return inner_.IncrementAuthorization(call); });
}

absl::StatusOr<std::optional<ProviderResult>> InstrumentedProvider::FindAuthorization(
    const std::string& idempotency_key) {
  return Timed(metrics_, "find", [&] { return inner_.FindAuthorization(idempotency_key); });
}

}  // namespace oms::billing
