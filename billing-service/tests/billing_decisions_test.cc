// The decisions around the payment state machine: provider keys, second authorizations, what an
// authorization's answer records, the capture, void and refund plans with their refusals in
// order, the provider's answers to follow-ups, and document numbers.
#include "billing-service/src/billing_decisions.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::billing {
namespace {

PaymentRecord Authorized(long long amount, const std::string& currency = "EUR") {
  PaymentRecord payment;
  payment.id = "pay-1";
  payment.currency = currency;
  payment.authorization_reference = "auth-ref";
  payment.amounts.authorized = amount;
  return payment;
}

PaymentRecord Tombstoned() {
  PaymentRecord payment;
  payment.id = "pay-t";
  payment.amounts.tombstone = true;
  return payment;
}

// One shipment of 3 x 19.99 EUR to Berlin: at DE's 19 %, 59.97 + 11.40 tax = 71.37.
v1::CapturePaymentRequest CaptureRequest(long long unit_price = 1999) {
  v1::CapturePaymentRequest request;
  request.set_request_id("r1");
  request.set_order_id("o1");
  request.set_shipment_id("s1");
  request.mutable_destination()->set_city("Berlin");
  request.mutable_destination()->set_country("DE");
  v1::BillableLine* line = request.add_lines();
  line->set_sku("SKU-A");
  line->set_description("Item A");
  line->set_quantity(3);
  line->mutable_unit_price()->set_currency("EUR");
  line->mutable_unit_price()->set_amount_minor(unit_price);
  return request;
}

v1::RefundPaymentRequest RefundRequest(long long quantity) {
  v1::RefundPaymentRequest request;
  request.set_request_id("r2");
  request.set_order_id("o1");
  request.set_shipment_id("s1");
  request.set_reason("returned");
  v1::RefundLine* line = request.add_lines();
  line->set_sku("SKU-A");
  line->set_quantity(quantity);
  return request;
}

TEST(BillingDecisionsTest, ProviderKeysNameTheOrderAndTheCall) {
  EXPECT_EQ(AuthorizationKey("o1"), "oms-auth:o1");
  EXPECT_EQ(CaptureKey("o1", "s1"), "oms-capture:o1:s1");
  EXPECT_EQ(VoidKey("o1", "r1"), "oms-void:o1:r1");
  EXPECT_EQ(RefundKey("o1", "r1"), "oms-refund:o1:r1");
  EXPECT_EQ(IncrementKey("o1", "r1"), "oms-increment:o1:r1");
}

TEST(BillingDecisionsTest, ASecondAuthorizationIsRefusedByWhatTheFirstBecame) {
  absl::Status open = RefuseSecondAuthorization("o1", Authorized(1000));
  EXPECT_EQ(open.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(open), "PAYMENT_EXISTS");
  EXPECT_NE(open.message().find("pay-1"), absl::string_view::npos);

  PaymentRecord voided = Authorized(1000);
  voided.amounts.voided = 1000;
  absl::Status refused = RefuseSecondAuthorization("o1", voided);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(refused), "AUTHORIZATION_VOIDED");
  EXPECT_EQ(ReasonOf(RefuseSecondAuthorization("o1", Tombstoned())), "AUTHORIZATION_VOIDED");

  PaymentRecord declined;
  declined.amounts.declined = true;
  EXPECT_EQ(ReasonOf(RefuseSecondAuthorization("o1", declined)), "PAYMENT_EXISTS");
}

TEST(BillingDecisionsTest, AnApprovalAuthorizesWhatTheProviderHoldsAndADeclineNothing) {
  const AuthorizeCall call{"oms-auth:o1", 1000, "EUR", "CARD", "tok_visa"};
  ProviderResult approved;
  approved.reference = "ref-1";
  approved.amount_minor = 1000;
  approved.currency = "EUR";
  AuthorizationRecords records = RecordAuthorization("o1", "sandbox", call, approved, "r1");
  EXPECT_EQ(records.payment.order_id, "o1");
  EXPECT_EQ(records.payment.status, v1::PAYMENT_STATUS_AUTHORIZED);
  EXPECT_EQ(records.payment.method, v1::PAYMENT_METHOD_CARD);
  EXPECT_EQ(records.payment.currency, "EUR");
  EXPECT_EQ(records.payment.authorized_minor, 1000);
  EXPECT_EQ(records.payment.provider, "sandbox");
  EXPECT_EQ(records.payment.authorization_reference, "ref-1");
  EXPECT_FALSE(records.payment.tombstone);
  EXPECT_EQ(records.transaction.kind, v1::TRANSACTION_KIND_AUTHORIZE);
  EXPECT_EQ(records.transaction.outcome, v1::TRANSACTION_OUTCOME_APPROVED);
  EXPECT_EQ(records.transaction.amount_minor, 1000);
  EXPECT_EQ(records.transaction.idempotency_key, "oms-auth:o1");
  EXPECT_EQ(records.transaction.provider_reference, "ref-1");
  EXPECT_EQ(records.transaction.request_id, "r1");
  EXPECT_EQ(records.transaction.shipment_id, "");

  ProviderResult declined;
  declined.outcome = ProviderOutcome::kDeclined;
  declined.reference = "ref-2";
  declined.decline_code = "card_declined";
  records = RecordAuthorization("o1", "sandbox", call, declined, "r1");
  EXPECT_EQ(records.payment.status, v1::PAYMENT_STATUS_DECLINED);
  EXPECT_EQ(records.payment.authorized_minor, 0);
  EXPECT_EQ(records.payment.authorization_reference, "");
  EXPECT_EQ(records.payment.decline_code, "card_declined");
  EXPECT_EQ(records.transaction.outcome, v1::TRANSACTION_OUTCOME_DECLINED);
  EXPECT_EQ(records.transaction.amount_minor, 1000);  // what was asked for
  EXPECT_EQ(records.transaction.provider_reference, "ref-2");
  EXPECT_EQ(records.transaction.decline_code, "card_declined");
}

TEST(BillingDecisionsTest, ATombstoneHoldsNothingAndNamesNoMethod) {
  const NewPayment tombstone = Tombstone("o1", "sandbox");
  EXPECT_EQ(tombstone.order_id, "o1");
  EXPECT_EQ(tombstone.status, v1::PAYMENT_STATUS_VOIDED);
  EXPECT_EQ(tombstone.method, v1::PAYMENT_METHOD_UNSPECIFIED);
  EXPECT_EQ(tombstone.currency, "");
  EXPECT_EQ(tombstone.authorized_minor, 0);
  EXPECT_EQ(tombstone.provider, "sandbox");
  EXPECT_TRUE(tombstone.tombstone);
}

TEST(BillingDecisionsTest, OnlyADeclinedPaymentAnswersPaymentDeclined) {
  v1::Payment payment;
  payment.set_status(v1::PAYMENT_STATUS_AUTHORIZED);
  EXPECT_TRUE(AuthorizationAnswer(payment).ok());
  payment.set_status(v1::PAYMENT_STATUS_DECLINED);
  payment.set_decline_code("card_declined");
  absl::Status answer = AuthorizationAnswer(payment);
  EXPECT_EQ(answer.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(answer), "PAYMENT_DECLINED");
  EXPECT_NE(answer.message().find("card_declined"), absl::string_view::npos);
}

TEST(BillingDecisionsTest, ADestinationWithoutARateIsUntaxed) {
  const v1::CapturePaymentRequest request = CaptureRequest();
  auto untaxed = PriceForDestination(request.lines(), std::nullopt);
  ASSERT_TRUE(untaxed.ok()) << untaxed.status();
  EXPECT_EQ(untaxed->lines(0).tax_rate_bp(), 0);
  EXPECT_EQ(untaxed->total().amount_minor(), 5997);
  EXPECT_EQ(untaxed->total().currency(), "EUR");
  auto taxed = PriceForDestination(request.lines(), 725);
  ASSERT_TRUE(taxed.ok());
  EXPECT_EQ(taxed->lines(0).tax_rate_bp(), 725);
}

TEST(BillingDecisionsTest, ACapturePlansTheShipmentsInvoiceAndItsMovement) {
  v1::CapturePaymentRequest request = CaptureRequest();
  auto plan = PlanCapture(Authorized(10000), request, false, 1900);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const v1::Invoice& invoice = plan->invoice;
  EXPECT_EQ(invoice.order_id(), "o1");
  EXPECT_EQ(invoice.payment_id(), "pay-1");
  EXPECT_EQ(invoice.shipment_id(), "s1");
  EXPECT_EQ(invoice.billing_address().city(), "Berlin");  // the destination, none given
  EXPECT_EQ(invoice.tax_country(), "DE");
  EXPECT_EQ(invoice.lines(0).tax_rate_bp(), 1900);
  EXPECT_EQ(invoice.total().amount_minor(), 7137);
  EXPECT_EQ(plan->movement.kind, v1::TRANSACTION_KIND_CAPTURE);
  EXPECT_EQ(plan->movement.idempotency_key, "oms-capture:o1:s1");
  EXPECT_EQ(plan->movement.amount_minor, 7137);
  EXPECT_EQ(plan->movement.shipment_id, "s1");
  EXPECT_EQ(plan->movement.next.captured, 7137);

  *request.mutable_billing_address() = request.destination();
  request.mutable_billing_address()->set_city("Potsdam");
  request.mutable_expected_amount()->set_amount_minor(7137);
  plan = PlanCapture(Authorized(10000), request, false, 1900);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->invoice.billing_address().city(), "Potsdam");
  EXPECT_EQ(plan->invoice.tax_country(), "DE");  // taxed where it goes, billed where asked
}

// A quote's shipping charge is taxed as one unit at the destination's rate:
//   4.50 at 19 %: 85.5 -> 86; total 7137 + 450 + 86 = 7673. Untaxed: 5997 + 450 = 6447.
TEST(BillingDecisionsTest, AQuoteTaxesItsShippingChargeAtTheDestinationsRate) {
  v1::QuoteTaxRequest request;
  *request.mutable_lines() = CaptureRequest().lines();
  *request.mutable_destination() = CaptureRequest().destination();
  auto plain = QuoteInvoice(request, 1900);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->shipping().amount_minor(), 0);
  EXPECT_EQ(plain->shipping_tax().amount_minor(), 0);
  EXPECT_EQ(plain->total().amount_minor(), 7137);  // no shipping: as before

  request.mutable_shipping()->set_currency("EUR");
  request.mutable_shipping()->set_amount_minor(450);
  auto quote = QuoteInvoice(request, 1900);
  ASSERT_TRUE(quote.ok()) << quote.status();
  EXPECT_EQ(quote->shipping().amount_minor(), 450);
  EXPECT_EQ(quote->shipping_tax().amount_minor(), 86);
  EXPECT_EQ(quote->shipping_tax().currency(), "EUR");
  EXPECT_EQ(quote->subtotal().amount_minor(), 5997);
  EXPECT_EQ(quote->tax().amount_minor(), 1140);
  EXPECT_EQ(quote->total().amount_minor(), 7673);
  auto untaxed = QuoteInvoice(request, std::nullopt);
  ASSERT_TRUE(untaxed.ok());
  EXPECT_EQ(untaxed->shipping_tax().amount_minor(), 0);
  EXPECT_EQ(untaxed->total().amount_minor(), 6447);
}

// The shipment's shipping shares (3.55 and 0.67 tax) are billed as given and captured with the
// goods: 7137 + 355 + 67 = 7559, which the expected amount must match.
TEST(BillingDecisionsTest, ACaptureBillsItsShippingSharesAsGiven) {
  v1::CapturePaymentRequest request = CaptureRequest();
  request.mutable_shipping()->set_currency("EUR");
  request.mutable_shipping()->set_amount_minor(355);
  request.mutable_shipping_tax()->set_currency("EUR");
  request.mutable_shipping_tax()->set_amount_minor(67);
  request.mutable_expected_amount()->set_currency("EUR");
  request.mutable_expected_amount()->set_amount_minor(7559);
  auto plan = PlanCapture(Authorized(10000), request, false, 1900);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->invoice.shipping().amount_minor(), 355);
  EXPECT_EQ(plan->invoice.shipping_tax().amount_minor(), 67);
  EXPECT_EQ(plan->invoice.subtotal().amount_minor(), 5997);
  EXPECT_EQ(plan->invoice.tax().amount_minor(), 1140);
  EXPECT_EQ(plan->invoice.total().amount_minor(), 7559);
  EXPECT_EQ(plan->movement.amount_minor, 7559);
  EXPECT_EQ(plan->movement.next.captured, 7559);

  request.mutable_expected_amount()->set_amount_minor(7137);  // the goods only
  EXPECT_EQ(ReasonOf(PlanCapture(Authorized(10000), request, false, 1900).status()),
            "AMOUNT_MISMATCH");
  request.clear_expected_amount();
  EXPECT_EQ(ReasonOf(PlanCapture(Authorized(7558), request, false, 1900).status()),
            "AMOUNT_EXCEEDS_AUTHORIZATION");
}

TEST(BillingDecisionsTest, ACaptureIsRefusedForTheFirstReasonInOrder) {
  v1::CapturePaymentRequest request = CaptureRequest();
  // The currency comes before the shipment's invoice.
  EXPECT_EQ(ReasonOf(PlanCapture(Authorized(10000, "USD"), request, true, 1900).status()),
            "CURRENCY_MISMATCH");
  absl::Status invoiced = PlanCapture(Authorized(10000), request, true, 1900).status();
  EXPECT_EQ(invoiced.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(invoiced), "SHIPMENT_ALREADY_CAPTURED");
  EXPECT_EQ(ReasonOf(PlanCapture(Authorized(7000), request, false, 1900).status()),
            "AMOUNT_EXCEEDS_AUTHORIZATION");
  request.mutable_expected_amount()->set_amount_minor(7000);
  EXPECT_EQ(ReasonOf(PlanCapture(Authorized(10000), request, false, 1900).status()),
            "AMOUNT_MISMATCH");

  // Nothing was authorized: no currency to compare, and only a free shipment can be invoiced.
  EXPECT_EQ(ReasonOf(PlanCapture(Tombstoned(), CaptureRequest(), false, 1900).status()),
            "PAYMENT_NOT_CAPTURABLE");
  auto free = PlanCapture(Tombstoned(), CaptureRequest(0), false, 1900);
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_EQ(free->movement.amount_minor, 0);
}

TEST(BillingDecisionsTest, AVoidTakesWhatIsAskedOrAllThatIsOpen) {
  PaymentRecord payment = Authorized(10000);
  payment.amounts.captured = 7137;
  v1::VoidPaymentRequest request;
  request.set_request_id("r1");
  request.set_order_id("o1");
  auto rest = PlanVoid(payment, request);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->kind, v1::TRANSACTION_KIND_VOID);
  EXPECT_EQ(rest->idempotency_key, "oms-void:o1:r1");
  EXPECT_EQ(rest->amount_minor, 10000 - 7137);
  EXPECT_EQ(rest->shipment_id, "");
  EXPECT_EQ(rest->next.voided, 10000 - 7137);

  request.mutable_amount()->set_currency("EUR");
  request.mutable_amount()->set_amount_minor(1000);
  auto part = PlanVoid(payment, request);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->amount_minor, 1000);
  request.mutable_amount()->set_amount_minor(10000 - 7137 + 1);
  EXPECT_EQ(ReasonOf(PlanVoid(payment, request).status()), "AMOUNT_EXCEEDS_AUTHORIZATION");
  request.mutable_amount()->set_currency("USD");
  EXPECT_EQ(ReasonOf(PlanVoid(payment, request).status()), "CURRENCY_MISMATCH");

  // Nothing ever held: a success that moves nothing, whatever was asked.
  PaymentRecord declined = Authorized(0);
  declined.amounts.declined = true;
  auto nothing = PlanVoid(declined, request);
  ASSERT_TRUE(nothing.ok()) << nothing.status();
  EXPECT_EQ(nothing->amount_minor, 0);
  auto tombstone = PlanVoid(Tombstoned(), request);
  ASSERT_TRUE(tombstone.ok()) << tombstone.status();
  EXPECT_EQ(tombstone->amount_minor, 0);
}

TEST(BillingDecisionsTest, AnIncrementRaisesTheAuthorizationUnderItsOwnKey) {
  v1::IncrementAuthorizationRequest request;
  request.set_request_id("r3");
  request.set_order_id("o1");
  request.mutable_amount()->set_currency("EUR");
  request.mutable_amount()->set_amount_minor(500);
  PaymentRecord payment = Authorized(10000);
  payment.amounts.captured = 7137;
  auto movement = PlanIncrement(payment, request);
  ASSERT_TRUE(movement.ok()) << movement.status();
  EXPECT_EQ(movement->kind, v1::TRANSACTION_KIND_AUTHORIZE);
  EXPECT_EQ(movement->idempotency_key, "oms-increment:o1:r3");
  EXPECT_EQ(movement->amount_minor, 500);
  EXPECT_EQ(movement->next.authorized, 10500);
  EXPECT_EQ(movement->next.captured, 7137);

  request.mutable_amount()->set_currency("USD");
  EXPECT_EQ(ReasonOf(PlanIncrement(payment, request).status()), "CURRENCY_MISMATCH");
  request.mutable_amount()->set_currency("EUR");
  payment.amounts.voided = 10000 - 7137;  // nothing open: captured in full
  EXPECT_EQ(ReasonOf(PlanIncrement(payment, request).status()), "PAYMENT_NOT_AUTHORIZED");
  // A tombstone has no currency to mismatch: it is refused for what it is.
  EXPECT_EQ(ReasonOf(PlanIncrement(Tombstoned(), request).status()), "PAYMENT_NOT_AUTHORIZED");
}

TEST(BillingDecisionsTest, ADeclinedIncrementIsAnsweredAsADeclinedPayment) {
  TransactionRecord attempt;
  attempt.kind = v1::TRANSACTION_KIND_AUTHORIZE;
  attempt.idempotency_key = "oms-increment:o1:r3";
  ProviderResult declined;
  declined.outcome = ProviderOutcome::kDeclined;
  declined.decline_code = "card_declined";
  FollowUpVerdict verdict = JudgeFollowUp(attempt, declined);
  EXPECT_EQ(verdict.applied.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(verdict.applied.status()), "PAYMENT_DECLINED");
  EXPECT_NE(verdict.applied.status().message().find("card_declined"), absl::string_view::npos);
}

// A captured invoice as the store numbers it.
v1::Invoice Numbered(v1::Invoice invoice) {
  invoice.set_id("inv-1");
  invoice.set_number("INV-2026-000001");
  return invoice;
}

TEST(BillingDecisionsTest, ARefundCreditsInvoicedUnitsInThePaymentsCurrency) {
  auto captured = PlanCapture(Authorized(10000), CaptureRequest(), false, 1900);
  ASSERT_TRUE(captured.ok());
  v1::Invoice invoice = Numbered(captured->invoice);
  PaymentRecord payment = Authorized(10000);
  payment.amounts = captured->movement.next;

  auto plan = PlanRefund(payment, invoice, {}, false, RefundRequest(1));
  ASSERT_TRUE(plan.ok()) << plan.status();
  const v1::CreditNote& note = plan->credit_note;
  EXPECT_EQ(note.order_id(), "o1");
  EXPECT_EQ(note.payment_id(), "pay-1");
  EXPECT_EQ(note.invoice_id(), "inv-1");
  EXPECT_EQ(note.invoice_number(), "INV-2026-000001");
  EXPECT_EQ(note.reason(), "returned");
  EXPECT_EQ(note.total().amount_minor(), 1999 + 380);
  EXPECT_EQ(note.total().currency(), "EUR");
  EXPECT_EQ(plan->movement.kind, v1::TRANSACTION_KIND_REFUND);
  EXPECT_EQ(plan->movement.idempotency_key, "oms-refund:o1:r2");
  EXPECT_EQ(plan->movement.amount_minor, 2379);
  EXPECT_EQ(plan->movement.shipment_id, "s1");
  EXPECT_EQ(plan->movement.next.refunded, 2379);
  EXPECT_FALSE(plan->credits_shipping);
  EXPECT_EQ(note.shipping().amount_minor(), 0);  // zero money, as on an invoice without any
  EXPECT_EQ(note.shipping().currency(), "EUR");
  EXPECT_EQ(note.shipping_tax().currency(), "EUR");

  absl::Status missing = PlanRefund(payment, std::nullopt, {}, false, RefundRequest(1)).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(missing), "INVOICE_NOT_FOUND");
  EXPECT_EQ(
      ReasonOf(PlanRefund(payment, invoice, {{"SKU-A", 3}}, false, RefundRequest(1)).status()),
      "REFUND_EXCEEDS_CAPTURE");
  v1::RefundPaymentRequest expected = RefundRequest(1);
  expected.mutable_expected_amount()->set_amount_minor(2000);
  EXPECT_EQ(ReasonOf(PlanRefund(payment, invoice, {}, false, expected).status()),
            "AMOUNT_MISMATCH");

  // A free shipment invoiced on a tombstone: its credit note is in the tombstone's (no) currency.
  auto free = PlanCapture(Tombstoned(), CaptureRequest(0), false, 1900);
  ASSERT_TRUE(free.ok());
  auto free_note = PlanRefund(Tombstoned(), free->invoice, {}, false, RefundRequest(1));
  ASSERT_TRUE(free_note.ok()) << free_note.status();
  EXPECT_EQ(free_note->credit_note.total().currency(), "");
  EXPECT_EQ(free_note->credit_note.total().amount_minor(), 0);
}

// The shipment of 71.37 with 3.55 shipping and 0.67 shipping tax, captured: 75.59. Its parcel
// came back to the sender, so all of it goes back.
TEST(BillingDecisionsTest, ARefundIncludingShippingGivesBackTheInvoicesShippingOnce) {
  v1::CapturePaymentRequest capture = CaptureRequest();
  capture.mutable_shipping()->set_currency("EUR");
  capture.mutable_shipping()->set_amount_minor(355);
  capture.mutable_shipping_tax()->set_currency("EUR");
  capture.mutable_shipping_tax()->set_amount_minor(67);
  auto captured = PlanCapture(Authorized(10000), capture, false, 1900);
  ASSERT_TRUE(captured.ok());
  v1::Invoice invoice = Numbered(captured->invoice);
  PaymentRecord payment = Authorized(10000);
  payment.amounts = captured->movement.next;
  v1::RefundPaymentRequest whole = RefundRequest(3);
  whole.set_include_shipping(true);

  auto plan = PlanRefund(payment, invoice, {}, false, whole);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const v1::CreditNote& note = plan->credit_note;
  EXPECT_TRUE(plan->credits_shipping);
  EXPECT_EQ(note.subtotal().amount_minor(), 5997);
  EXPECT_EQ(note.tax().amount_minor(), 1140);
  EXPECT_EQ(note.shipping().amount_minor(), 355);
  EXPECT_EQ(note.shipping().currency(), "EUR");
  EXPECT_EQ(note.shipping_tax().amount_minor(), 67);
  EXPECT_EQ(note.total().amount_minor(), 7559);
  EXPECT_EQ(note.total().amount_minor(), invoice.total().amount_minor());
  EXPECT_EQ(plan->movement.amount_minor, 7559);
  EXPECT_EQ(plan->movement.next.refunded, 7559);
  EXPECT_EQ(plan->movement.next.refunded, plan->movement.next.captured);

  // The guard compares with the total with the shipping.
  v1::RefundPaymentRequest guarded = whole;
  guarded.mutable_expected_amount()->set_currency("EUR");
  guarded.mutable_expected_amount()->set_amount_minor(7137);  // the goods only
  EXPECT_EQ(ReasonOf(PlanRefund(payment, invoice, {}, false, guarded).status()), "AMOUNT_MISMATCH");
  guarded.mutable_expected_amount()->set_amount_minor(7559);
  EXPECT_TRUE(PlanRefund(payment, invoice, {}, false, guarded).ok());

  // Once: refused before the lines, which a refund of the whole parcel has used up too.
  absl::Status again = PlanRefund(payment, invoice, {{"SKU-A", 3}}, true, whole).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(again), "SHIPPING_ALREADY_REFUNDED");
  EXPECT_NE(again.message().find("include_shipping"), std::string::npos) << again;
  // Without include_shipping, shipping credited earlier changes nothing for the lines.
  auto lines_only = PlanRefund(payment, invoice, {}, true, RefundRequest(1));
  ASSERT_TRUE(lines_only.ok()) << lines_only.status();
  EXPECT_EQ(lines_only->credit_note.total().amount_minor(), 2379);
  EXPECT_FALSE(lines_only->credits_shipping);

  // Bounded by what the payment has captured and not refunded, shipping included.
  PaymentRecord mostly_refunded = payment;
  mostly_refunded.amounts.refunded = 1;
  EXPECT_EQ(ReasonOf(PlanRefund(mostly_refunded, invoice, {}, false, whole).status()),
            "REFUND_EXCEEDS_CAPTURE");

  // An invoice without shipping credits 0 of it, and is still marked as refunded whole.
  auto plain = PlanCapture(Authorized(10000), CaptureRequest(), false, 1900);
  ASSERT_TRUE(plain.ok());
  PaymentRecord plain_payment = Authorized(10000);
  plain_payment.amounts = plain->movement.next;
  auto free_shipping = PlanRefund(plain_payment, plain->invoice, {}, false, whole);
  ASSERT_TRUE(free_shipping.ok()) << free_shipping.status();
  EXPECT_TRUE(free_shipping->credits_shipping);
  EXPECT_EQ(free_shipping->credit_note.shipping().amount_minor(), 0);
  EXPECT_EQ(free_shipping->credit_note.total().amount_minor(), 7137);
}

TEST(BillingDecisionsTest, AFollowUpAnswerIsAppliedRefusedOrLoggedAsUnavailable) {
  TransactionRecord attempt;
  attempt.payment_id = "pay-1";
  attempt.kind = v1::TRANSACTION_KIND_CAPTURE;
  attempt.amount_minor = 100;
  attempt.currency = "EUR";
  attempt.idempotency_key = "oms-capture:o1:s1";
  attempt.request_id = "r1";
  attempt.shipment_id = "s1";

  ProviderResult approved;
  approved.reference = "cap-1";
  FollowUpVerdict verdict = JudgeFollowUp(attempt, approved);
  ASSERT_TRUE(verdict.applied.ok()) << verdict.applied.status();
  EXPECT_EQ(verdict.applied->outcome, v1::TRANSACTION_OUTCOME_APPROVED);
  EXPECT_EQ(verdict.applied->provider_reference, "cap-1");
  EXPECT_EQ(verdict.applied->amount_minor, 100);
  EXPECT_EQ(verdict.applied->shipment_id, "s1");
  EXPECT_FALSE(verdict.unavailable.has_value());

  ProviderResult declined;
  declined.outcome = ProviderOutcome::kDeclined;
  declined.decline_code = "insufficient_funds";
  verdict = JudgeFollowUp(attempt, declined);
  EXPECT_EQ(verdict.applied.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(verdict.applied.status()), "PROVIDER_DECLINED");
  EXPECT_NE(verdict.applied.status().message().find("declined the capture: insufficient_funds"),
            absl::string_view::npos);
  EXPECT_FALSE(verdict.unavailable.has_value());

  verdict = JudgeFollowUp(attempt, absl::UnavailableError("down"));
  EXPECT_EQ(verdict.applied.status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(verdict.unavailable.has_value());
  EXPECT_EQ(verdict.unavailable->outcome, v1::TRANSACTION_OUTCOME_UNAVAILABLE);
  EXPECT_EQ(verdict.unavailable->provider_reference, "");
  EXPECT_EQ(verdict.unavailable->idempotency_key, "oms-capture:o1:s1");

  verdict = JudgeFollowUp(attempt, absl::NotFoundError("no such authorization"));
  EXPECT_EQ(verdict.applied.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(verdict.unavailable.has_value());
}

TEST(BillingDecisionsTest, DocumentNumbersCarryKindYearAndAtLeastSixDigits) {
  EXPECT_EQ(DocumentNumberText(DocumentKind::kInvoice, 2026, 42), "INV-2026-000042");
  EXPECT_EQ(DocumentNumberText(DocumentKind::kCreditNote, 2026, 7), "CN-2026-000007");
  EXPECT_EQ(DocumentNumberText(DocumentKind::kInvoice, 2027, 1234567), "INV-2027-1234567");
}

}  // namespace
}  // namespace oms::billing
