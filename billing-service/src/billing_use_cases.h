// Billing's use cases: what the gRPC handlers call. The interface lets handler tests run against
// a fake; PgBillingUseCases runs them on PostgreSQL (payments_store, documents_store) with the
// payment provider, deciding with the pure functions of billing_decisions.h.
//
// How a mutating call runs (PgBillingUseCases): one billing transaction that
//   1. claims the request id with oms::RunOnce (a concurrent repeat waits here, then gets the
//      stored result),
//   2. takes the order's lock (a transaction-scoped advisory lock on the order id, then the
//      payment row FOR UPDATE), so every call on one order is serialized,
//   3. decides from what it read (amounts, document, provider key),
//   4. calls the provider, which commits its own ledger in its own transaction,
//   5. writes the payment, the transaction row and the document, records the response, commits.
// The billing transaction stays open across the provider call: it holds only the request claim
// and that one order's locks, which is exactly what must be serialized, at the price of one
// pooled connection per call in flight (the provider uses its own pool, so they cannot starve
// each other). If billing dies or its commit fails after step 4, nothing of billing's is kept,
// and the retry sends the provider the same key and records the provider's stored answer once.
//
// Provider UNAVAILABLE: billing's transaction rolls back (nothing done), then, for a capture, void
// or refund of an existing payment, one more short transaction appends the failed attempt as a
// transaction row with outcome UNAVAILABLE (no amount changes). An increment appends none: its
// contract (billing.proto) is that a provider down records nothing.
//
// An authorization is the exception: it must not depend on a lock held across the provider
// call, since a session that ends mid-call (idle-in-transaction timeout, database restart) drops
// the lock and lets a void tombstone the order under a late approval. So it runs as
//   1. a short transaction that records the order's intent (authorization_intents: request id,
//      provider key, amount, AUTHORIZING) and commits;
//   2. the provider call, with no billing transaction open;
//   3. the mutating call above without a provider call: it records the answer as the payment,
//      unless a void marked the intent VOIDED meanwhile; then the approval is voided at the
//      provider under ReleaseKey and the answer is AUTHORIZATION_VOIDED.
// A void that finds the order's intent AUTHORIZING asks the provider: an approval is adopted and
// voided, else the void leaves its tombstone and marks the intent VOIDED. What a caller that
// died mid-call leaves, the reconciler (reconciler.h) settles; the saga's retry under the same
// request id calls the provider again under the same key and gets its one authorization.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "billing-service/src/authorization_settlement.h"
#include "billing-service/src/payment_provider.h"
#include "common/audit_page.h"
#include "oms/billing/v1/billing.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::billing {

class BillingMetrics;
struct FollowUpVerdict;
struct Movement;
struct PaymentRecord;
struct TransactionRecord;

class BillingUseCases {
 public:
  virtual ~BillingUseCases() = default;

  // A decline is stored, then answered FAILED_PRECONDITION / PAYMENT_DECLINED (repeats too).
  [[nodiscard]] virtual absl::Status Authorize(const v1::AuthorizePaymentRequest& request,
                                               v1::Payment* out) = 0;
  [[nodiscard]] virtual absl::Status Capture(const v1::CapturePaymentRequest& request,
                                             v1::CapturePaymentResponse* out) = 0;
  [[nodiscard]] virtual absl::Status Void(const v1::VoidPaymentRequest& request,
                                          v1::Payment* out) = 0;
  // Raises the order's one authorization; a decline leaves the payment as it was and is answered
  // FAILED_PRECONDITION / PAYMENT_DECLINED (repeats too); provider down records nothing.
  [[nodiscard]] virtual absl::Status IncrementAuthorization(
      const v1::IncrementAuthorizationRequest& request, v1::Payment* out) = 0;
  [[nodiscard]] virtual absl::Status Refund(const v1::RefundPaymentRequest& request,
                                            v1::RefundPaymentResponse* out) = 0;
  [[nodiscard]] virtual absl::Status GetPayment(const std::string& id, v1::Payment* out) = 0;
  [[nodiscard]] virtual absl::Status ListPayments(const std::string& order_id,
                                                  v1::ListPaymentsResponse* out) = 0;
  [[nodiscard]] virtual absl::Status ListInvoices(const std::string& order_id,
                                                  v1::ListInvoicesResponse* out) = 0;
  // The draft invoice (no id, no number) a capture of the lines would issue; read only.
  [[nodiscard]] virtual absl::Status QuoteTax(const v1::QuoteTaxRequest& request,
                                              v1::Invoice* out) = 0;
  // Read only: the payments, invoices and provider authorizations of a page of orders, for the
  // cross-service invariant check.
  [[nodiscard]] virtual absl::Status AuditOrderFacts(const AuditPage& page,
                                                     v1::AuditOrderFactsResponse* out) = 0;
};

class PgBillingUseCases : public BillingUseCases {
 public:
  // Called as (name, request_id) after the provider answered and billing's writes are done,
  // just before billing commits; a non-OK status rolls billing's transaction back. Names:
  // billing.{authorize,capture,void,refund,increment}.before_commit, and
  // billing.authorize.after_provider (the provider answered an authorization, nothing of it is
  // recorded yet; a non-OK status is the call's answer). Tests simulate a crash there; main()
  // can crash the process there (OMS_FAILPOINTS).
  using Failpoint =
      std::function<absl::Status(const std::string& name, const std::string& request_id)>;
  struct Options {
    Failpoint failpoint;
    BillingMetrics* metrics = nullptr;  // may be null (tests)
  };

  PgBillingUseCases(PgPool& pool, PaymentProvider& provider, Options options);

  // Every statement the use cases run, for the pool to prepare on each connection.
  static const std::vector<PreparedStatement>& Statements();

  absl::Status Authorize(const v1::AuthorizePaymentRequest& request, v1::Payment* out) override;
  absl::Status Capture(const v1::CapturePaymentRequest& request,
                       v1::CapturePaymentResponse* out) override;
  absl::Status Void(const v1::VoidPaymentRequest& request, v1::Payment* out) override;
  absl::Status IncrementAuthorization(const v1::IncrementAuthorizationRequest& request,
                                      v1::Payment* out) override;
  absl::Status Refund(const v1::RefundPaymentRequest& request,
                      v1::RefundPaymentResponse* out) override;
  absl::Status GetPayment(const std::string& id, v1::Payment* out) override;
  absl::Status ListPayments(const std::string& order_id, v1::ListPaymentsResponse* out) override;
  absl::Status ListInvoices(const std::string& order_id, v1::ListInvoicesResponse* out) override;
  absl::Status QuoteTax(const v1::QuoteTaxRequest& request, v1::Invoice* out) override;
  absl::Status AuditOrderFacts(const AuditPage& page, v1::AuditOrderFactsResponse* out) override;

 private:
  struct Mutation;  // one mutating call inside its billing transaction

  // Runs `effect` once per request id (oms::RunOnce) in one billing transaction, then logs the
  // provider attempt `effect` found unavailable. `*fresh` (when given): the effect ran and
  // committed, this is no replay.
  [[nodiscard]] absl::Status Mutate(const std::string& request_id, const char* method,
                                    const google::protobuf::Message& request,
                                    google::protobuf::Message* out,
                                    absl::FunctionRef<absl::Status(Mutation&)> effect,
                                    bool* fresh = nullptr);
  // The authorization's first transaction: records the intent when there is none. Returns
  // whether to call the provider.
  [[nodiscard]] absl::StatusOr<bool> StartAuthorization(const AuthorizationIntent& intent);
  // The authorization a void finds at the provider is adopted, else a tombstone is left (and an
  // intent in flight is marked VOIDED).
  [[nodiscard]] absl::Status AdoptOrTombstone(Mutation& mutation, const std::string& order_id);
  // Moves `movement` with the provider (no call for a zero amount) and writes the payment's new
  // amounts; returns the provider transaction's id (nullopt without a call).
  [[nodiscard]] absl::StatusOr<std::optional<long long>> MoveMoney(Mutation& mutation,
                                                                   const PaymentRecord& payment,
                                                                   const Movement& movement);
  // Asks the provider for `movement` on `payment` (a positive amount): the transaction to record,
  // or why not, and the UNAVAILABLE attempt a capture, void or refund logs.
  [[nodiscard]] FollowUpVerdict AskProvider(Mutation& mutation, const PaymentRecord& payment,
                                            const Movement& movement);
  // The tail capture and refund share: MoveMoney, then `issue` writes the document that refers
  // to the provider's transaction, then Finish.
  [[nodiscard]] absl::Status SettleAndIssue(Mutation& mutation, const PaymentRecord& payment,
                                            const Movement& movement, const char* failpoint,
                                            absl::FunctionRef<void(std::optional<long long>)> issue,
                                            v1::Payment* out);
  // Every mutation ends here: the failpoint, then the answer's payment read back.
  [[nodiscard]] absl::Status Finish(Mutation& mutation, const char* failpoint,
                                    const std::string& payment_id, v1::Payment* out);
  void LogUnavailable(const TransactionRecord& attempt);

  PgPool& pool_;
  PaymentProvider& provider_;
  Options options_;
  AuthorizationSettlement settlement_;
};

}  // namespace oms::billing
