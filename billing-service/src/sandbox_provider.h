// The built-in sandbox payment provider: behaves like a card acquirer's test mode and keeps its
// ledger durably in `sandbox_provider_operations`, on its own connection pool and in its own
// transactions, committed before billing's transaction, exactly as a remote provider would.
//
// Test tokens (API.md):
//   tok_visa            approves
//   tok_chargeDeclined  declines (decline_code "card_declined"), and keeps declining on replay
//   tok_unavailable     the provider is unavailable: UNAVAILABLE, nothing recorded
//   tok_capture_fails   approves, but the first kCaptureFailures (2) capture attempts on that
//                       authorization answer UNAVAILABLE; the count is kept in the ledger, so a
//                       restart does not reset it; the third attempt succeeds
//   tok_increment_declined  approves, but every increment of that authorization is declined
//                       (decline_code "card_declined"), and keeps declining on replay
//   anything else       declines with decline_code "invalid_token"
// Voids and refunds are never made to fail by a token.
//
// An increment is a ledger row of its own (operation INCREMENT, under its key, naming the
// authorization): the authorization's amount is its AUTHORIZE row's plus its approved increments,
// both for the bounds of later captures and voids and for the audit (audit_store.h). An
// authorization with nothing open (captured or voided in full) refuses increments.
#pragma once

#include <vector>

#include "billing-service/src/payment_provider.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::billing {

class SandboxProvider : public PaymentProvider {
 public:
  static constexpr int kCaptureFailures = 2;

  // `pool` is the provider's own pool (separate from billing's), prepared with Statements().
  explicit SandboxProvider(PgPool& pool) : pool_(pool) {}

  static const std::vector<PreparedStatement>& Statements();

  std::string name() const override { return "sandbox"; }
  absl::StatusOr<ProviderResult> Authorize(const AuthorizeCall& call) override;
  absl::StatusOr<ProviderResult> Capture(const FollowUpCall& call) override;
  absl::StatusOr<ProviderResult> Void(const FollowUpCall& call) override;
  absl::StatusOr<ProviderResult> Refund(const FollowUpCall& call) override;
  absl::StatusOr<ProviderResult> IncrementAuthorization(const FollowUpCall& call) override;
  absl::StatusOr<std::optional<ProviderResult>> FindAuthorization(
      const std::string& idempotency_key) override;

 private:
  // In the order of the ledger's operation texts (sandbox_provider.cc).
  enum class Operation { kAuthorize, kCapture, kVoid, kRefund, kIncrement };
  absl::StatusOr<ProviderResult> FollowUp(Operation operation, const FollowUpCall& call);

  PgPool& pool_;
};

}  // namespace oms::billing
