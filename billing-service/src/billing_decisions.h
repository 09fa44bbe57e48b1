// What billing decides around the payment state machine, from what a call read: whether an
// authorization may happen, what its answer records, how much a capture, void or refund moves
// and under which provider key, what document it issues, and what a provider's answer to a
// follow-up means. Pure logic: no I/O (the use cases read, decide here, then act).
//
// Error reasons: AUTHORIZATION_VOIDED, PAYMENT_EXISTS, PAYMENT_DECLINED, PAYMENT_NOT_FOUND,
// CURRENCY_MISMATCH, SHIPMENT_ALREADY_CAPTURED, INVOICE_NOT_FOUND, SHIPPING_ALREADY_REFUNDED,
// AMOUNT_MISMATCH, PROVIDER_DECLINED, plus those of payment_state.h and tax.h.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "billing-service/src/billing_records.h"
#include "billing-service/src/payment_provider.h"
#include "oms/billing/v1/billing.pb.h"

namespace oms::billing {

// The idempotency keys billing sends the provider (see billing.proto).
std::string AuthorizationKey(const std::string& order_id);
std::string CaptureKey(const std::string& order_id, const std::string& shipment_id);
std::string VoidKey(const std::string& order_id, const std::string& request_id);
std::string RefundKey(const std::string& order_id, const std::string& request_id);
std::string IncrementKey(const std::string& order_id, const std::string& request_id);

[[nodiscard]] absl::Status PaymentNotFoundForOrder(const std::string& order_id);
[[nodiscard]] absl::Status PaymentNotFound(const std::string& payment_id);

// An order has one payment: a second authorization is refused, AUTHORIZATION_VOIDED when the
// existing one was voided (or is a tombstone), else ALREADY_EXISTS / PAYMENT_EXISTS.
[[nodiscard]] absl::Status RefuseSecondAuthorization(const std::string& order_id,
                                                     const PaymentRecord& existing);

// The payment and its AUTHORIZE transaction that the provider's answer `result` to `call`
// records (the transaction's payment_id is the inserted payment's, filled in by the caller).
// An approval authorizes what the provider says it holds; a decline holds nothing.
struct AuthorizationRecords {
  NewPayment payment;
  TransactionRecord transaction;
};
[[nodiscard]] AuthorizationRecords RecordAuthorization(const std::string& order_id,
                                                       const std::string& provider,
                                                       const AuthorizeCall& call,
                                                       const ProviderResult& result,
                                                       const std::string& request_id);

// The record a void leaves for an authorization that has not arrived: it refuses it later.
[[nodiscard]] NewPayment Tombstone(const std::string& order_id, const std::string& provider);

// The answer to an authorization (fresh or replayed): a declined payment is
// FAILED_PRECONDITION / PAYMENT_DECLINED, anything else OK.
[[nodiscard]] absl::Status AuthorizationAnswer(const v1::Payment& payment);

// A capture, void, refund or increment with the provider: how much, under which key, and the
// payment's amounts once it is done. An increment is of kind AUTHORIZE: the payment's one
// authorization raised, recorded as an AUTHORIZE transaction of the increment's amount.
struct Movement {
  v1::TransactionKind kind = v1::TRANSACTION_KIND_UNSPECIFIED;
  std::string idempotency_key;
  long long amount_minor = 0;
  std::string shipment_id;  // "" for a void
  PaymentAmounts next;
};

// `lines` priced at the destination's stored rate; a destination without a rate is untaxed.
// The same for a quote and a capture, so that a quote is what the invoice will say.
[[nodiscard]] absl::StatusOr<v1::Invoice> PriceForDestination(
    const google::protobuf::RepeatedPtrField<v1::BillableLine>& lines,
    std::optional<int> destination_rate_bp);

// What QuoteTax answers: `request`'s lines priced as above, and its shipping charge (none when
// unset) taxed as one unit at the destination's rate, UnitTax(shipping, rate), both in the total.
[[nodiscard]] absl::StatusOr<v1::Invoice> QuoteInvoice(const v1::QuoteTaxRequest& request,
                                                       std::optional<int> destination_rate_bp);

// A capture of `request`'s shipment: the invoice to issue (no id or number yet) and the money
// to move. Checked in this order: the lines' currency is the payment's (unless nothing was ever
// authorized), the shipment has no invoice yet, the lines price, the request's shipping and
// shipping tax shares are added as given, the expected amount matches the total with them, the
// payment has the amount open.
struct CapturePlan {
  v1::Invoice invoice;
  Movement movement;
};
[[nodiscard]] absl::StatusOr<CapturePlan> PlanCapture(const PaymentRecord& payment,
                                                      const v1::CapturePaymentRequest& request,
                                                      bool shipment_invoiced,
                                                      std::optional<int> destination_rate_bp);

// A void takes the amount asked for, else all that is open; nothing for a payment that never
// held anything (declined or tombstone), which succeeds without moving money.
[[nodiscard]] absl::StatusOr<Movement> PlanVoid(const PaymentRecord& payment,
                                                const v1::VoidPaymentRequest& request);

// An increment of the payment's authorization by `request`'s amount. Checked in this order: the
// amount's currency is the payment's (unless nothing was ever authorized), then ApplyIncrement
// (PAYMENT_NOT_AUTHORIZED, AUTHORIZATION_EXCEEDS_LIMIT).
[[nodiscard]] absl::StatusOr<Movement> PlanIncrement(
    const PaymentRecord& payment, const v1::IncrementAuthorizationRequest& request);

// A refund of lines of the shipment's `invoice`, given the units `already_credited` per SKU and
// whether an earlier credit note of it gave back its shipping (`shipping_credited`): the credit
// note to issue, in the payment's currency, and the money to move. With include_shipping the
// note also gives back the invoice's shipping and shipping tax, and `credits_shipping` marks it
// as the invoice's one note that does. Checked in this order: the invoice exists
// (INVOICE_NOT_FOUND), its shipping is not credited yet when asked for
// (SHIPPING_ALREADY_REFUNDED), the lines credit, the expected amount matches the total with the
// shipping, the payment has it captured and not refunded.
struct RefundPlan {
  v1::CreditNote credit_note;
  bool credits_shipping = false;
  Movement movement;
};
[[nodiscard]] absl::StatusOr<RefundPlan> PlanRefund(
    const PaymentRecord& payment, const std::optional<v1::Invoice>& invoice,
    const std::map<std::string, long long>& already_credited, bool shipping_credited,
    const v1::RefundPaymentRequest& request);

// What the provider's `answer` to a follow-up `attempt` (outcome not set yet) means:
// `applied` is the APPROVED transaction to write, or why the request is refused (the provider's
// error, or a decline, which is not applied: PAYMENT_DECLINED for an increment, as for the
// authorization it raises, PROVIDER_DECLINED for a capture, void or refund); `unavailable` is the
// UNAVAILABLE attempt to log once billing's own transaction has rolled back.
struct FollowUpVerdict {
  absl::StatusOr<TransactionRecord> applied;
  std::optional<TransactionRecord> unavailable;
};
[[nodiscard]] FollowUpVerdict JudgeFollowUp(const TransactionRecord& attempt,
                                            const absl::StatusOr<ProviderResult>& answer);

// INV-2026-000042, CN-2026-000007: kind, year, sequence of at least six digits.
[[nodiscard]] std::string DocumentNumberText(DocumentKind kind, int year, long long sequence);

}  // namespace oms::billing
