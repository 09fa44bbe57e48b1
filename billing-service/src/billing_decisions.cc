#include "billing-service/src/billing_decisions.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "billing-service/src/tax.h"
#include "common/status.h"

namespace oms::billing {
namespace {

// A destination without a tax_rates row (not even its country's) is taxed at nothing.
constexpr int kUntaxedRateBp = 0;

absl::Status CurrencyMismatch(const std::string& field, const std::string& payment_currency) {
  return WithReason(absl::StatusCode::kFailedPrecondition, "CURRENCY_MISMATCH",
                    absl::StrCat(field, ": the payment is in ", payment_currency));
}

// Declined, or a tombstone: nothing was ever authorized, so there is no currency to match and
// nothing open to move.
bool NeverHeldAnything(const PaymentRecord& payment) {
  return payment.amounts.tombstone || payment.amounts.declined;
}

using Apply = absl::StatusOr<PaymentAmounts> (*)(const PaymentAmounts&, long long);

// The payment's amounts once a document of `total` is settled: the caller's expected amount,
// when given, must be what billing computed (AMOUNT_MISMATCH), then `apply` checks the move.
absl::StatusOr<PaymentAmounts> AmountsAfter(const PaymentAmounts& amounts, long long total,
                                            bool has_expected, const common::v1::Money& expected,
                                            Apply apply) {
  if (has_expected && expected.amount_minor() != total) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "AMOUNT_MISMATCH",
                      absl::StrCat("expected_amount: billing computes ", total, ", not ",
                                   expected.amount_minor()));
  }
  return apply(amounts, total);
}

// "capture", "void", "refund": how a refusal names the call.
std::string CallName(v1::TransactionKind kind) {
  return absl::AsciiStrToLower(
      absl::StripPrefix(v1::TransactionKind_Name(kind), "TRANSACTION_KIND_"));
}

// A follow-up the provider declined. An increment is the authorization asking for more, so its
// decline reads as an authorization's does.
absl::Status Declined(v1::TransactionKind kind, const std::string& decline_code) {
  if (kind == v1::TRANSACTION_KIND_AUTHORIZE) {
    return WithReason(
        absl::StatusCode::kFailedPrecondition, "PAYMENT_DECLINED",
        absl::StrCat("the provider declined the increment of the authorization: ", decline_code));
  }
  return WithReason(absl::StatusCode::kFailedPrecondition, "PROVIDER_DECLINED",
                    absl::StrCat("the provider declined the ", CallName(kind), ": ", decline_code));
}

}  // namespace

std::string AuthorizationKey(const std::string& order_id) {
  return absl::StrCat("oms-auth:", order_id);
}
std::string CaptureKey(const std::string& order_id, const std::string& shipment_id) {
  return absl::StrCat("oms-capture:", order_id, ":", shipment_id);
}
std::string VoidKey(const std::string& order_id, const std::string& request_id) {
  return absl::StrCat("oms-void:", order_id, ":", request_id);
}
std::string RefundKey(const std::string& order_id, const std::string& request_id) {
  return absl::StrCat("oms-refund:", order_id, ":", request_id);
}
std::string IncrementKey(const std::string& order_id, const std::string& request_id) {
  return absl::StrCat("oms-increment:", order_id, ":", request_id);
}

absl::Status PaymentNotFoundForOrder(const std::string& order_id) {
  return WithReason(absl::StatusCode::kNotFound, "PAYMENT_NOT_FOUND",
                    absl::StrCat("order_id: order ", order_id, " has no payment"));
}

absl::Status PaymentNotFound(const std::string& payment_id) {
  return WithReason(absl::StatusCode::kNotFound, "PAYMENT_NOT_FOUND",
                    absl::StrCat("payment ", payment_id, " does not exist"));
}

absl::Status RefuseSecondAuthorization(const std::string& order_id, const PaymentRecord& existing) {
  if (existing.amounts.tombstone || DeriveStatus(existing.amounts) == v1::PAYMENT_STATUS_VOIDED) {
    return WithReason(
        absl::StatusCode::kFailedPrecondition, "AUTHORIZATION_VOIDED",
        absl::StrCat("order ", order_id, "'s authorization was voided; it cannot be authorized"));
  }
  return WithReason(absl::StatusCode::kAlreadyExists, "PAYMENT_EXISTS",
                    absl::StrCat("order ", order_id, " already has payment ", existing.id));
}

AuthorizationRecords RecordAuthorization(const std::string& order_id, const std::string& provider,
                                         const AuthorizeCall& call, const ProviderResult& result,
                                         const std::string& request_id) {
  const bool approved = result.outcome == ProviderOutcome::kApproved;
  AuthorizationRecords records;
  NewPayment& payment = records.payment;
  payment.order_id = order_id;
  payment.status = approved ? v1::PAYMENT_STATUS_AUTHORIZED : v1::PAYMENT_STATUS_DECLINED;
  payment.method = v1::PAYMENT_METHOD_CARD;
  payment.currency = call.currency;
  payment.authorized_minor = approved ? result.amount_minor : 0;
  payment.provider = provider;
  payment.authorization_reference = approved ? result.reference : "";
  payment.decline_code = result.decline_code;
  TransactionRecord& transaction = records.transaction;
  transaction.kind = v1::TRANSACTION_KIND_AUTHORIZE;
  transaction.amount_minor = call.amount_minor;
  transaction.currency = call.currency;
  transaction.outcome =
      approved ? v1::TRANSACTION_OUTCOME_APPROVED : v1::TRANSACTION_OUTCOME_DECLINED;
  transaction.idempotency_key = call.idempotency_key;
  transaction.provider_reference = result.reference;
  transaction.decline_code = result.decline_code;
  transaction.request_id = request_id;
  return records;
}

NewPayment Tombstone(const std::string& order_id, const std::string& provider) {
  NewPayment payment;
  payment.order_id = order_id;
  payment.status = v1::PAYMENT_STATUS_VOIDED;
  payment.provider = provider;
  payment.tombstone = true;
  return payment;
}

absl::Status AuthorizationAnswer(const v1::Payment& payment) {
  if (payment.status() == v1::PAYMENT_STATUS_DECLINED) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "PAYMENT_DECLINED",
                      absl::StrCat("the payment was declined: ", payment.decline_code()));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Invoice> PriceForDestination(
    const google::protobuf::RepeatedPtrField<v1::BillableLine>& lines,
    std::optional<int> destination_rate_bp) {
  return PriceLines(lines, lines[0].unit_price().currency(),
                    destination_rate_bp.value_or(kUntaxedRateBp));
}

absl::StatusOr<v1::Invoice> QuoteInvoice(const v1::QuoteTaxRequest& request,
                                         std::optional<int> destination_rate_bp) {
  auto invoice = PriceForDestination(request.lines(), destination_rate_bp);
  if (!invoice.ok()) return invoice.status();
  const long long shipping = request.shipping().amount_minor();
  absl::Status status = AddShipping(
      shipping, UnitTax(shipping, destination_rate_bp.value_or(kUntaxedRateBp)), &*invoice);
  if (!status.ok()) return status;
  return invoice;
}

absl::StatusOr<CapturePlan> PlanCapture(const PaymentRecord& payment,
                                        const v1::CapturePaymentRequest& request,
                                        bool shipment_invoiced,
                                        std::optional<int> destination_rate_bp) {
  const std::string& currency = request.lines(0).unit_price().currency();
  if (!NeverHeldAnything(payment) && currency != payment.currency) {
    return CurrencyMismatch("lines.unit_price.currency", payment.currency);
  }
  if (shipment_invoiced) {
    return WithReason(absl::StatusCode::kAlreadyExists, "SHIPMENT_ALREADY_CAPTURED",
                      absl::StrCat("shipment_id: shipment ", request.shipment_id(),
                                   " is already captured and invoiced"));
  }
  auto invoice = PriceForDestination(request.lines(), destination_rate_bp);
  if (!invoice.ok()) return invoice.status();
  if (absl::Status status = AddShipping(request.shipping().amount_minor(),
                                        request.shipping_tax().amount_minor(), &*invoice);
      !status.ok()) {
    return status;
  }
  const long long total = invoice->total().amount_minor();
  auto next = AmountsAfter(payment.amounts, total, request.has_expected_amount(),
                           request.expected_amount(), &ApplyCapture);
  if (!next.ok()) return next.status();

  CapturePlan plan;
  plan.invoice = *std::move(invoice);
  plan.invoice.set_order_id(request.order_id());
  plan.invoice.set_payment_id(payment.id);
  plan.invoice.set_shipment_id(request.shipment_id());
  const common::v1::Address& destination = request.destination();
  *plan.invoice.mutable_billing_address() =
      request.has_billing_address() ? request.billing_address() : destination;
  plan.invoice.set_tax_country(destination.country());
  plan.invoice.set_tax_region(destination.region());
  plan.movement = {v1::TRANSACTION_KIND_CAPTURE,
                   CaptureKey(request.order_id(), request.shipment_id()), total,
                   request.shipment_id(), *next};
  return plan;
}

absl::StatusOr<Movement> PlanVoid(const PaymentRecord& payment,
                                  const v1::VoidPaymentRequest& request) {
  long long amount = payment.amounts.open();
  if (NeverHeldAnything(payment)) {
    amount = 0;  // voiding it is a success that changes nothing
  } else if (request.has_amount()) {
    if (request.amount().currency() != payment.currency) {
      return CurrencyMismatch("amount.currency", payment.currency);
    }
    amount = request.amount().amount_minor();
  }
  auto next = ApplyVoid(payment.amounts, amount);
  if (!next.ok()) return next.status();
  return Movement{v1::TRANSACTION_KIND_VOID, VoidKey(request.order_id(), request.request_id()),
                  amount, "", *next};
}

absl::StatusOr<Movement> PlanIncrement(const PaymentRecord& payment,
                                       const v1::IncrementAuthorizationRequest& request) {
  if (!NeverHeldAnything(payment) && request.amount().currency() != payment.currency) {
    return CurrencyMismatch("amount.currency", payment.currency);
  }
  const long long amount = request.amount().amount_minor();
  auto next = ApplyIncrement(payment.amounts, amount);
  if (!next.ok()) return next.status();
  return Movement{v1::TRANSACTION_KIND_AUTHORIZE,
                  IncrementKey(request.order_id(), request.request_id()), amount, "", *next};
}

absl::StatusOr<RefundPlan> PlanRefund(const PaymentRecord& payment,
                                      const std::optional<v1::Invoice>& invoice,
                                      const std::map<std::string, long long>& already_credited,
                                      bool shipping_credited,
                                      const v1::RefundPaymentRequest& request) {
  if (!invoice.has_value()) {
    return WithReason(
        absl::StatusCode::kNotFound, "INVOICE_NOT_FOUND",
        absl::StrCat("shipment_id: shipment ", request.shipment_id(), " has no invoice"));
  }
  // Before the lines: a parcel refunded whole once has no lines left either, and the caller
  // must learn that its shipping went back, not that its units did.
  if (request.include_shipping() && shipping_credited) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "SHIPPING_ALREADY_REFUNDED",
                      absl::StrCat("include_shipping: the shipping of invoice ", invoice->number(),
                                   " is already refunded"));
  }
  auto note = CreditLines(*invoice, already_credited, request.lines());
  if (!note.ok()) return note.status();
  if (request.include_shipping()) CreditShipping(*invoice, &*note);
  const long long total = note->total().amount_minor();
  auto next = AmountsAfter(payment.amounts, total, request.has_expected_amount(),
                           request.expected_amount(), &ApplyRefund);
  if (!next.ok()) return next.status();

  RefundPlan plan;
  plan.credit_note = *std::move(note);
  plan.credit_note.set_order_id(request.order_id());
  plan.credit_note.set_payment_id(payment.id);
  plan.credit_note.set_invoice_id(invoice->id());
  plan.credit_note.set_invoice_number(invoice->number());
  plan.credit_note.set_reason(request.reason());
  plan.credit_note.mutable_subtotal()->set_currency(payment.currency);
  plan.credit_note.mutable_tax()->set_currency(payment.currency);
  plan.credit_note.mutable_total()->set_currency(payment.currency);
  plan.credit_note.mutable_shipping()->set_currency(payment.currency);
  plan.credit_note.mutable_shipping_tax()->set_currency(payment.currency);
  plan.credits_shipping = request.include_shipping();
  plan.movement = {v1::TRANSACTION_KIND_REFUND, RefundKey(request.order_id(), request.request_id()),
                   total, request.shipment_id(), *next};
  return plan;
}

FollowUpVerdict JudgeFollowUp(const TransactionRecord& attempt,
                              const absl::StatusOr<ProviderResult>& answer) {
  FollowUpVerdict verdict{attempt, std::nullopt};
  if (answer.status().code() == absl::StatusCode::kUnavailable) {
    verdict.unavailable = attempt;
    verdict.unavailable->outcome = v1::TRANSACTION_OUTCOME_UNAVAILABLE;
  }
  if (!answer.ok()) {
    verdict.applied = answer.status();
  } else if (answer->outcome != ProviderOutcome::kApproved) {
    verdict.applied = Declined(attempt.kind, answer->decline_code);
  } else {
    verdict.applied->outcome = v1::TRANSACTION_OUTCOME_APPROVED;
    verdict.applied->provider_reference = answer->reference;
  }
  return verdict;
}

std::string DocumentNumberText(DocumentKind kind, int year, long long sequence) {
  return absl::StrFormat("%s-%d-%06d", kind == DocumentKind::kInvoice ? "INV" : "CN", year,
                         sequence);
}

}  // namespace oms::billing
