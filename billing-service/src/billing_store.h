// Billing persistence. The interface lets handler tests run against a fake; PgBillingStore is
// the PostgreSQL implementation, with its statements in billing_store.cc.
//
// How a mutating call runs (PgBillingStore): one billing transaction that
//   1. claims the request id (a concurrent repeat waits here, then gets the stored result),
//   2. takes the order's lock (a transaction-scoped advisory lock on the order id, then the
//      payment row FOR UPDATE), so every call on one order is serialized,
//   3. checks the amounts with the pure state machine,
//   4. calls the provider, which commits its own ledger in its own transaction,
//   5. writes the payment, the transaction row and the document, records the response, commits.
// The billing transaction stays open across the provider call: it holds only the request claim
// and that one order's locks, which is exactly what must be serialized, at the price of one
// pooled connection per call in flight (the provider uses its own pool, so they cannot starve
// each other). If billing dies or its commit fails after step 4, nothing of billing's is kept,
// and the retry sends the provider the same key and records the provider's stored answer once.
//
// Provider UNAVAILABLE: billing's transaction rolls back (nothing done), then, for an existing
// payment, one more short transaction appends the failed attempt as a transaction row with
// outcome UNAVAILABLE (no amount changes).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "billing-service/src/payment_provider.h"
#include "oms/billing/v1/billing.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::billing {

class BillingMetrics;

class BillingStore {
 public:
  virtual ~BillingStore() = default;

  // A decline is stored, then answered FAILED_PRECONDITION / PAYMENT_DECLINED (repeats too).
  [[nodiscard]] virtual absl::Status Authorize(const v1::AuthorizePaymentRequest& request,
                                               v1::Payment* out) = 0;
  [[nodiscard]] virtual absl::Status Capture(const v1::CapturePaymentRequest& request,
                                             v1::CapturePaymentResponse* out) = 0;
  [[nodiscard]] virtual absl::Status Void(const v1::VoidPaymentRequest& request,
                                          v1::Payment* out) = 0;
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
};

class PgBillingStore : public BillingStore {
 public:
  // Called as (name, request_id) after the provider answered and billing's writes are done,
  // just before billing commits; a non-OK status rolls billing's transaction back. Names:
  // billing.{authorize,capture,void,refund}.before_commit. Tests simulate a crash there;
  // main() can crash the process there (OMS_FAILPOINTS).
  using Failpoint =
      std::function<absl::Status(const std::string& name, const std::string& request_id)>;
  struct Options {
    Failpoint failpoint;
    BillingMetrics* metrics = nullptr;  // may be null (tests)
  };

  PgBillingStore(PgPool& pool, PaymentProvider& provider, Options options);

  // Every statement this store uses, for the pool to prepare on each connection.
  static const std::vector<PreparedStatement>& Statements();

  absl::Status Authorize(const v1::AuthorizePaymentRequest& request, v1::Payment* out) override;
  absl::Status Capture(const v1::CapturePaymentRequest& request,
                       v1::CapturePaymentResponse* out) override;
  absl::Status Void(const v1::VoidPaymentRequest& request, v1::Payment* out) override;
  absl::Status Refund(const v1::RefundPaymentRequest& request,
                      v1::RefundPaymentResponse* out) override;
  absl::Status GetPayment(const std::string& id, v1::Payment* out) override;
  absl::Status ListPayments(const std::string& order_id, v1::ListPaymentsResponse* out) override;
  absl::Status ListInvoices(const std::string& order_id, v1::ListInvoicesResponse* out) override;
  absl::Status QuoteTax(const v1::QuoteTaxRequest& request, v1::Invoice* out) override;

 private:
  struct FailedAttempt;
  [[nodiscard]] absl::Status CheckFailpoint(const std::string& name, const std::string& request_id);
  void RecordUnavailable(const FailedAttempt& attempt);

  PgPool& pool_;
  PaymentProvider& provider_;
  Options options_;
};

// The idempotency keys billing sends the provider (see billing.proto).
std::string AuthorizationKey(const std::string& order_id);
std::string CaptureKey(const std::string& order_id, const std::string& shipment_id);
std::string VoidKey(const std::string& order_id, const std::string& request_id);
std::string RefundKey(const std::string& order_id, const std::string& request_id);

}  // namespace oms::billing
