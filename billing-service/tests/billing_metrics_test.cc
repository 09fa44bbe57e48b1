// Billing's metrics as a scrape sees them: provider calls by operation and outcome, latency,
// amounts per currency; the exposition passes promtool.
#include "billing-service/src/billing_metrics.h"

#include <gtest/gtest.h>

#include "common/metrics.h"
#include "common/testing/scrape.h"

namespace oms::billing {
namespace {

// Answers from a script: approves, declines (token "decline") or is unavailable ("down").
class ScriptedProvider : public PaymentProvider {
 public:
  std::string name() const override { return "scripted"; }
  absl::StatusOr<ProviderResult> Authorize(const AuthorizeCall& call) override {
    if (call.token == "down") return absl::UnavailableError("down");
    ProviderResult result;
    result.outcome =
        call.token == "decline" ? ProviderOutcome::kDeclined : ProviderOutcome::kApproved;
    return result;
  }
  absl::StatusOr<ProviderResult> Capture(const FollowUpCall&) override { return ProviderResult{}; }
  absl::StatusOr<ProviderResult> Void(const FollowUpCall&) override {
    return absl::FailedPreconditionError("nothing open");
  }
  absl::StatusOr<ProviderResult> Refund(const FollowUpCall&) override { return ProviderResult{}; }
  absl::StatusOr<ProviderResult> IncrementAuthorization(const FollowUpCall&) override {
    ProviderResult result;
    result.outcome = ProviderOutcome::kDeclined;
    return result;
  }
  absl::StatusOr<std::optional<ProviderResult>> FindAuthorization(const std::string&) override {
    return std::nullopt;
  }
};

double Sample(const std::string& exposition, const std::string& series) {
  auto value = testing::SampleValue(exposition, series);
  EXPECT_TRUE(value.ok()) << series << ": " << value.status();
  return value.ok() ? *value : -1;
}

TEST(BillingMetricsTest, ProviderCallsAndAmountsAreCounted) {
  Metrics metrics("billing-service", "test");
  BillingMetrics billing(metrics.registry());
  ScriptedProvider inner;
  InstrumentedProvider provider(inner, billing);

  EXPECT_TRUE(provider.Authorize({"k1", 100, "EUR", "CARD", "ok"}).ok());
  EXPECT_TRUE(provider.Authorize({"k2", 100, "EUR", "CARD", "decline"}).ok());
  EXPECT_FALSE(provider.Authorize({"k3", 100, "EUR", "CARD", "down"}).ok());
  EXPECT_TRUE(provider.Capture({"k4", "ref", 100, "EUR"}).ok());
  EXPECT_FALSE(provider.Void({"k5", "ref", 100, "EUR"}).ok());
  EXPECT_TRUE(provider.IncrementAuthorization({"k6", "ref", 100, "EUR"}).ok());
  billing.Captured("EUR", 7137);
  billing.Captured("EUR", 2500);
  billing.Captured("USD", 10);
  billing.Refunded("EUR", 2379);

  const std::string exposition = metrics.Render();
  EXPECT_EQ(
      Sample(exposition,
             "oms_billing_provider_calls_total{operation=\"authorize\",outcome=\"approved\"}"),
      1);
  EXPECT_EQ(
      Sample(exposition,
             "oms_billing_provider_calls_total{operation=\"authorize\",outcome=\"declined\"}"),
      1);
  EXPECT_EQ(Sample(exposition,
                   "oms_billing_provider_calls_total{operation=\"authorize\","
                   "outcome=\"unavailable\"}"),
            1);
  EXPECT_EQ(Sample(exposition,
                   "oms_billing_provider_calls_total{operation=\"void\",outcome=\"refused\"}"),
            1);
  EXPECT_EQ(Sample(exposition,
                   "oms_billing_provider_calls_total{operation=\"refund\",outcome=\"approved\"}"),
            0);
  EXPECT_EQ(Sample(exposition,
                   "oms_billing_provider_calls_total{operation=\"increment\","
                   "outcome=\"declined\"}"),
            1);
  EXPECT_EQ(Sample(exposition,
                   "oms_billing_provider_calls_total{operation=\"increment\","
                   "outcome=\"approved\"}"),
            0);
  EXPECT_EQ(Sample(exposition,
                   "oms_billing_provider_call_duration_seconds_count{operation=\"authorize\"}"),
            3);
  EXPECT_EQ(Sample(exposition, "oms_billing_captured_minor_units_total{currency=\"EUR\"}"), 9637);
  EXPECT_EQ(Sample(exposition, "oms_billing_captured_minor_units_total{currency=\"USD\"}"), 10);
  EXPECT_EQ(Sample(exposition, "oms_billing_refunded_minor_units_total{currency=\"EUR\"}"), 2379);
  absl::Status lint = testing::PromtoolCheckMetrics(exposition);
  EXPECT_TRUE(lint.ok()) << lint;
}

}  // namespace
}  // namespace oms::billing
