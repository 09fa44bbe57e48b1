// PgBillingUseCases on a real PostgreSQL with the sandbox provider: every call, the amount
// bounds, duplicate and concurrent requests, void before authorize, a crash between the
// provider's answer and billing's commit, and gap-free numbering under concurrent captures.
#include "billing-service/src/billing_use_cases.h"

#include <future>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "billing-service/tests/billing_test_fixture.h"
#include "common/status.h"

namespace oms::billing {
namespace {

class BillingUseCasesTest : public BillingDbTest {
 protected:
  long long ProviderOps(const std::string& operation) {
    return Query(
        absl::StrCat("SELECT count(*) FROM sandbox_provider_operations "
                     "WHERE operation = '",
                     operation, "'"));
  }
  long long ProviderSum(const std::string& operation) {
    return Query(
        absl::StrCat("SELECT COALESCE(sum(amount_minor), 0) FROM "
                     "sandbox_provider_operations WHERE operation = '",
                     operation, "'"));
  }
  // One shipment of 3 x 19.99 at DE's 19 %: 59.97 + 11.40 tax = 71.37.
  v1::CapturePaymentRequest StandardCapture(const std::string& request_id,
                                            const std::string& order_id,
                                            const std::string& shipment_id) {
    v1::CapturePaymentRequest request = CaptureRequest(request_id, order_id, shipment_id);
    AddLine(&request, "SKU-A", 3, 1999);
    return request;
  }
};

TEST_F(BillingUseCasesTest, AuthorizeRecordsThePaymentAndItsProviderCall) {
  auto payment = Authorize("saga-1:authorize", "order-1", 10000);
  ASSERT_TRUE(payment.ok()) << payment.status();
  EXPECT_EQ(payment->status(), v1::PAYMENT_STATUS_AUTHORIZED);
  EXPECT_EQ(payment->authorized().amount_minor(), 10000);
  EXPECT_EQ(payment->authorized().currency(), "EUR");
  EXPECT_EQ(payment->provider(), "sandbox");
  EXPECT_FALSE(payment->authorization_reference().empty());
  ASSERT_EQ(payment->transactions_size(), 1);
  const auto& transaction = payment->transactions(0);
  EXPECT_EQ(transaction.kind(), v1::TRANSACTION_KIND_AUTHORIZE);
  EXPECT_EQ(transaction.outcome(), v1::TRANSACTION_OUTCOME_APPROVED);
  EXPECT_EQ(transaction.provider_reference(), payment->authorization_reference());
  EXPECT_EQ(transaction.idempotency_key(), "oms-auth:order-1");
  EXPECT_EQ(transaction.request_id(), "saga-1:authorize");

  v1::Payment read;
  ASSERT_TRUE(billing_->GetPayment(payment->id(), &read).ok());
  EXPECT_EQ(read.id(), payment->id());
  EXPECT_EQ(read.transactions_size(), 1);
  v1::ListPaymentsResponse list;
  ASSERT_TRUE(billing_->ListPayments("order-1", &list).ok());
  ASSERT_EQ(list.payments_size(), 1);
  EXPECT_EQ(list.payments(0).id(), payment->id());
  ASSERT_TRUE(billing_->ListPayments("order-none", &list).ok());
  EXPECT_EQ(list.payments_size(), 0);
  EXPECT_EQ(ReasonOf(billing_->GetPayment("00000000-0000-0000-0000-000000000000", &read)),
            "PAYMENT_NOT_FOUND");
}

TEST_F(BillingUseCasesTest, ADeclineIsStoredAndAnsweredAsPaymentDeclinedOnEveryRepeat) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto payment = Authorize("saga-1:authorize", "order-1", 5000, "tok_chargeDeclined");
    EXPECT_EQ(payment.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ReasonOf(payment.status()), "PAYMENT_DECLINED");
  }
  v1::ListPaymentsResponse list;
  ASSERT_TRUE(billing_->ListPayments("order-1", &list).ok());
  ASSERT_EQ(list.payments_size(), 1);
  EXPECT_EQ(list.payments(0).status(), v1::PAYMENT_STATUS_DECLINED);
  EXPECT_EQ(list.payments(0).decline_code(), "card_declined");
  EXPECT_EQ(list.payments(0).authorized().amount_minor(), 0);
  ASSERT_EQ(list.payments(0).transactions_size(), 1);
  EXPECT_EQ(list.payments(0).transactions(0).outcome(), v1::TRANSACTION_OUTCOME_DECLINED);
  EXPECT_EQ(ProviderOps("AUTHORIZE"), 1);
  // A compensating void of a declined payment succeeds and calls nobody.
  auto voided = Void("saga-1:void", "order-1");
  ASSERT_TRUE(voided.ok()) << voided.status();
  EXPECT_EQ(voided->status(), v1::PAYMENT_STATUS_DECLINED);
  EXPECT_EQ(ProviderOps("VOID"), 0);
}

TEST_F(BillingUseCasesTest, AnUnavailableProviderRecordsNothingAsDone) {
  auto payment = Authorize("saga-1:authorize", "order-1", 5000, "tok_unavailable");
  EXPECT_EQ(payment.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Query("SELECT count(*) FROM payments"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM request_results"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM sandbox_provider_operations"), 0);
}

TEST_F(BillingUseCasesTest, RepeatedAuthorizationsReturnTheStoredResult) {
  auto first = Authorize("saga-1:authorize", "order-1", 10000);
  auto second = Authorize("saga-1:authorize", "order-1", 10000);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(second->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(ProviderOps("AUTHORIZE"), 1);
  // Another request id for the same order, or the same id for another request, is refused.
  auto other = Authorize("saga-2:authorize", "order-1", 10000);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(other.status()), "PAYMENT_EXISTS");
  auto changed = Authorize("saga-1:authorize", "order-1", 9999);
  EXPECT_EQ(ReasonOf(changed.status()), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(Query("SELECT count(*) FROM payments"), 1);
}

TEST_F(BillingUseCasesTest, ConcurrentAuthorizationsOfOneOrderAuthorizeOnce) {
  constexpr int kCalls = 8;
  std::vector<std::future<absl::StatusOr<v1::Payment>>> same_id, other_ids;
  for (int i = 0; i < kCalls; ++i) {
    same_id.push_back(std::async(std::launch::async,
                                 [this] { return Authorize("saga-1:authorize", "order-1", 700); }));
    other_ids.push_back(std::async(std::launch::async, [this, i] {
      return Authorize(absl::StrCat("saga-x", i, ":authorize"), "order-2", 700);
    }));
  }
  std::set<std::string> ids;
  for (auto& call : same_id) {
    auto payment = call.get();
    ASSERT_TRUE(payment.ok()) << payment.status();
    ids.insert(payment->id());
  }
  EXPECT_EQ(ids.size(), 1u);
  int authorized = 0;
  for (auto& call : other_ids) {
    auto payment = call.get();
    if (payment.ok()) {
      ++authorized;
    } else {
      EXPECT_EQ(ReasonOf(payment.status()), "PAYMENT_EXISTS") << payment.status();
    }
  }
  EXPECT_EQ(authorized, 1);
  EXPECT_EQ(ProviderOps("AUTHORIZE"), 2);  // one per order, on the provider's side too
  EXPECT_EQ(Query("SELECT count(*) FROM payment_transactions"), 2);
}

TEST_F(BillingUseCasesTest, CaptureIssuesTheShipmentsInvoiceAndPartialCapturesAddUp) {
  ASSERT_TRUE(Authorize("s:authorize", "order-1", 10000).ok());
  auto first = Capture(StandardCapture("s:capture:shp-1", "order-1", "shp-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  const v1::Invoice& invoice = first->invoice();
  EXPECT_EQ(invoice.number().substr(0, 4), "INV-");
  EXPECT_EQ(invoice.number().substr(invoice.number().size() - 7), "-000001");
  EXPECT_EQ(invoice.shipment_id(), "shp-1");
  EXPECT_EQ(invoice.tax_country(), "DE");
  EXPECT_EQ(invoice.billing_address().city(), "Berlin");  // the destination, none given
  ASSERT_EQ(invoice.lines_size(), 1);
  EXPECT_EQ(invoice.lines(0).tax_rate_bp(), 1900);
  EXPECT_EQ(invoice.lines(0).unit_tax().amount_minor(), 380);
  EXPECT_EQ(invoice.subtotal().amount_minor(), 5997);
  EXPECT_EQ(invoice.tax().amount_minor(), 1140);
  EXPECT_EQ(invoice.total().amount_minor(), 7137);
  EXPECT_EQ(first->payment().captured().amount_minor(), 7137);
  EXPECT_EQ(first->payment().status(), v1::PAYMENT_STATUS_PARTIALLY_CAPTURED);
  EXPECT_EQ(first->payment().transactions(1).kind(), v1::TRANSACTION_KIND_CAPTURE);
  EXPECT_EQ(first->payment().transactions(1).shipment_id(), "shp-1");

  // A second shipment, to a billing address of its own; the two captures add up.
  v1::CapturePaymentRequest second_request = CaptureRequest("s:capture:shp-2", "order-1", "shp-2");
  AddLine(&second_request, "SKU-B", 1, 2000);
  AddLine(&second_request, "SKU-C", 2, 50);
  *second_request.mutable_billing_address() = second_request.destination();
  second_request.mutable_billing_address()->set_city("Potsdam");
  second_request.mutable_expected_amount()->set_currency("EUR");
  second_request.mutable_expected_amount()->set_amount_minor(2380 + 120);
  auto second = Capture(second_request);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->invoice().billing_address().city(), "Potsdam");
  EXPECT_EQ(second->payment().captured().amount_minor(), 7137 + 2500);
  EXPECT_EQ(second->invoice().number().substr(second->invoice().number().size() - 7), "-000002");

  v1::ListInvoicesResponse invoices;
  ASSERT_TRUE(billing_->ListInvoices("order-1", &invoices).ok());
  ASSERT_EQ(invoices.invoices_size(), 2);
  EXPECT_EQ(invoices.invoices(0).SerializeAsString(), invoice.SerializeAsString());
  EXPECT_EQ(invoices.invoices(1).lines_size(), 2);
  EXPECT_EQ(ProviderSum("CAPTURE"), 7137 + 2500);
}

TEST_F(BillingUseCasesTest, AQuoteIsWhatTheCaptureInvoicesAndIssuesNothing) {
  v1::CapturePaymentRequest capture = CaptureRequest("s:capture:shp-1", "order-1", "shp-1");
  AddLine(&capture, "SKU-A", 3, 1999);
  AddLine(&capture, "SKU-B", 1, 2000);
  v1::QuoteTaxRequest quote_request;
  *quote_request.mutable_lines() = capture.lines();
  *quote_request.mutable_destination() = capture.destination();
  v1::Invoice quote;
  ASSERT_TRUE(billing_->QuoteTax(quote_request, &quote).ok());
  EXPECT_TRUE(quote.number().empty());
  EXPECT_EQ(quote.total().amount_minor(), 3 * (1999 + 380) + 2000 + 380);
  v1::ListInvoicesResponse none;
  ASSERT_TRUE(billing_->ListInvoices("order-1", &none).ok());
  EXPECT_EQ(none.invoices_size(), 0);

  ASSERT_TRUE(Authorize("s:authorize", "order-1", quote.total().amount_minor()).ok());
  auto captured = Capture(capture);
  ASSERT_TRUE(captured.ok()) << captured.status();
  EXPECT_EQ(captured->invoice().total().amount_minor(), quote.total().amount_minor());
  EXPECT_EQ(captured->invoice().tax().amount_minor(), quote.tax().amount_minor());
  EXPECT_EQ(captured->payment().status(), v1::PAYMENT_STATUS_CAPTURED);
}

// A quote with a shipping charge answers its tax, at the destination's rate, half up:
//   DE 19 %:     4.50 -> 85.5  -> 86;  total 2000 + 380 + 450 + 86 = 2916
//   US-CA 7.25 %: 4.50 -> 32.625 -> 33; total 2000 + 145 + 450 + 33 = 2628
//   ZZ (no rate): 0;                    total 2000 + 450 = 2450
TEST_F(BillingUseCasesTest, AQuoteWithShippingAnswersTheShippingTax) {
  auto quote_to = [this](const std::string& country, const std::string& region) {
    v1::CapturePaymentRequest capture =
        CaptureRequest("unused", "order-1", "shp-1", country, region);
    AddLine(&capture, "SKU-B", 1, 2000);
    v1::QuoteTaxRequest request;
    *request.mutable_lines() = capture.lines();
    *request.mutable_destination() = capture.destination();
    request.mutable_shipping()->set_currency("EUR");
    request.mutable_shipping()->set_amount_minor(450);
    v1::Invoice quote;
    absl::Status status = billing_->QuoteTax(request, &quote);
    EXPECT_TRUE(status.ok()) << status;
    return quote;
  };
  const v1::Invoice de = quote_to("DE", "");
  EXPECT_EQ(de.shipping().amount_minor(), 450);
  EXPECT_EQ(de.shipping().currency(), "EUR");
  EXPECT_EQ(de.shipping_tax().amount_minor(), 86);
  EXPECT_EQ(de.subtotal().amount_minor(), 2000);  // the goods
  EXPECT_EQ(de.tax().amount_minor(), 380);
  EXPECT_EQ(de.total().amount_minor(), 2916);
  const v1::Invoice ca = quote_to("US", "CA");
  EXPECT_EQ(ca.shipping_tax().amount_minor(), 33);
  EXPECT_EQ(ca.total().amount_minor(), 2628);
  const v1::Invoice zz = quote_to("ZZ", "");
  EXPECT_EQ(zz.shipping_tax().amount_minor(), 0);
  EXPECT_EQ(zz.total().amount_minor(), 2450);
  EXPECT_EQ(Query("SELECT count(*) FROM invoices"), 0);
}

// An order of A: 5 x 9.99 with a 1.67 discount (0.33 off each unit, 0.01 more off the first 2)
// and B: 1 x 20.00, shipped to DE (19 %) with a 4.95 shipping charge, in two shipments:
// shp-1 takes A's units [0, 3) (both extra units) and B, shp-2 A's units [3, 5).
//   A units 0, 1: net 965, tax 183; units 2..4: net 966, tax 184 (UnitTax 183.35, 183.54)
//   quote: goods net 4828 + 2000 = 6828, tax 918 + 380 = 1298, shipping 495, its tax
//          UnitTax(495) = 94.05 -> 94; total 6828 + 1298 + 495 + 94 = 8715
//   the order service splits 495 and 94 by largest remainder over the goods nets 4896 : 1932:
//          495 -> 354.94 + 140.06 -> 355 + 140;  94 -> 67.40 + 26.60 -> 67 + 27
//   shp-1: net 2896 + 2000 = 4896, tax 550 + 380 = 930, + 355 + 67 = 6248
//   shp-2: net 1932, tax 368, + 140 + 27 = 2467;  6248 + 2467 = 8715, the quote.
TEST_F(BillingUseCasesTest, DiscountedUnitsAndShippingSharesCaptureExactlyTheQuotedTotal) {
  auto add_a = [](v1::CapturePaymentRequest* request, long long quantity, long long extra) {
    AddLine(request, "SKU-A", quantity, 999);
    v1::BillableLine* line = request->mutable_lines(request->lines_size() - 1);
    line->set_unit_discount_minor(33);
    line->set_extra_discount_units(extra);
  };
  auto money = [](long long minor) {
    common::v1::Money out;
    out.set_currency("EUR");
    out.set_amount_minor(minor);
    return out;
  };
  v1::CapturePaymentRequest order = CaptureRequest("unused", "order-1", "all");
  add_a(&order, 5, 2);
  AddLine(&order, "SKU-B", 1, 2000);
  v1::QuoteTaxRequest quote_request;
  *quote_request.mutable_lines() = order.lines();
  *quote_request.mutable_destination() = order.destination();
  *quote_request.mutable_shipping() = money(495);
  v1::Invoice quote;
  ASSERT_TRUE(billing_->QuoteTax(quote_request, &quote).ok());
  EXPECT_EQ(quote.lines(0).discount().amount_minor(), 167);
  EXPECT_EQ(quote.lines(0).net().amount_minor(), 4828);
  EXPECT_EQ(quote.lines(0).tax().amount_minor(), 918);
  EXPECT_EQ(quote.shipping_tax().amount_minor(), 94);
  EXPECT_EQ(quote.total().amount_minor(), 8715);
  ASSERT_TRUE(Authorize("s:authorize", "order-1", quote.total().amount_minor()).ok());

  v1::CapturePaymentRequest first = CaptureRequest("s:capture:shp-1", "order-1", "shp-1");
  add_a(&first, 3, 2);
  AddLine(&first, "SKU-B", 1, 2000);
  for (auto& line : *first.mutable_lines()) line.set_tax_rate_bp(1900);  // the quoted rate
  *first.mutable_shipping() = money(355);
  *first.mutable_shipping_tax() = money(67);
  v1::CapturePaymentRequest goods_only = first;
  goods_only.set_request_id("s:capture:shp-1:goods-only");
  *goods_only.mutable_expected_amount() = money(4896 + 930);  // shipping forgotten
  EXPECT_EQ(ReasonOf(Capture(goods_only).status()), "AMOUNT_MISMATCH");
  *first.mutable_expected_amount() = money(6248);
  auto captured = Capture(first);
  ASSERT_TRUE(captured.ok()) << captured.status();
  const v1::Invoice& invoice = captured->invoice();
  EXPECT_EQ(invoice.subtotal().amount_minor(), 4896);
  EXPECT_EQ(invoice.tax().amount_minor(), 930);
  EXPECT_EQ(invoice.shipping().amount_minor(), 355);
  EXPECT_EQ(invoice.shipping_tax().amount_minor(), 67);
  EXPECT_EQ(invoice.total().amount_minor(), 6248);
  EXPECT_EQ(captured->payment().captured().amount_minor(), invoice.total().amount_minor());
  ASSERT_EQ(invoice.lines_size(), 2);
  const v1::InvoiceLine& a = invoice.lines(0);
  EXPECT_EQ(a.unit_price().amount_minor(), 999);
  EXPECT_EQ(a.unit_discount_minor(), 33);
  EXPECT_EQ(a.extra_discount_units(), 2);
  EXPECT_EQ(a.discount().amount_minor(), 101);
  EXPECT_EQ(a.unit_tax().amount_minor(), 184);
  EXPECT_EQ(a.net().amount_minor(), 2896);
  EXPECT_EQ(a.tax().amount_minor(), 550);
  EXPECT_EQ(a.total().amount_minor(), 3446);
  EXPECT_EQ(invoice.lines(1).discount().amount_minor(), 0);
  EXPECT_EQ(invoice.lines(1).total().amount_minor(), 2380);

  v1::CapturePaymentRequest second = CaptureRequest("s:capture:shp-2", "order-1", "shp-2");
  add_a(&second, 2, 0);
  *second.mutable_shipping() = money(140);
  *second.mutable_shipping_tax() = money(27);
  auto rest = Capture(second);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->invoice().lines(0).net().amount_minor(), 1932);
  EXPECT_EQ(rest->invoice().lines(0).tax().amount_minor(), 368);
  EXPECT_EQ(rest->invoice().total().amount_minor(), 2467);
  EXPECT_EQ(rest->payment().captured().amount_minor(), 8715);  // exactly the authorization
  EXPECT_EQ(rest->payment().status(), v1::PAYMENT_STATUS_CAPTURED);
  EXPECT_EQ(ProviderSum("CAPTURE"), 8715);

  // What is stored reads back with the discounts and the shipping, as issued.
  v1::ListInvoicesResponse documents;
  ASSERT_TRUE(billing_->ListInvoices("order-1", &documents).ok());
  ASSERT_EQ(documents.invoices_size(), 2);
  EXPECT_EQ(documents.invoices(0).SerializeAsString(), invoice.SerializeAsString());
  EXPECT_EQ(documents.invoices(0).shipping().amount_minor(), 355);
  EXPECT_EQ(documents.invoices(0).shipping_tax().amount_minor(), 67);
  EXPECT_EQ(documents.invoices(0).lines(0).extra_discount_units(), 2);
  EXPECT_EQ(documents.invoices(1).SerializeAsString(), rest->invoice().SerializeAsString());
  EXPECT_EQ(Query("SELECT sum(total_minor) FROM invoices"), 8715);
  EXPECT_EQ(Query("SELECT sum(shipping_minor + shipping_tax_minor) FROM invoices"), 495 + 94);

  // Returns of shp-1's A take its last unit first (unit 2: 966 + 184 = 1150), then units 0 and
  // 1 (2 x (965 + 183) = 2296): 1150 + 2296 = 3446, the invoice line; shipping stays captured.
  auto one = Refund(RefundRequest("s:refund-1", "order-1", "shp-1", "SKU-A", 1));
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->credit_note().lines(0).extra_discount_units(), 0);
  EXPECT_EQ(one->credit_note().total().amount_minor(), 1150);
  auto two = Refund(RefundRequest("s:refund-2", "order-1", "shp-1", "SKU-A", 2));
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->credit_note().lines(0).extra_discount_units(), 2);
  EXPECT_EQ(two->credit_note().lines(0).discount().amount_minor(), 68);
  EXPECT_EQ(two->credit_note().total().amount_minor(), 2296);
  EXPECT_EQ(two->payment().refunded().amount_minor(), 3446);
  ASSERT_TRUE(billing_->ListInvoices("order-1", &documents).ok());
  ASSERT_EQ(documents.credit_notes_size(), 2);
  EXPECT_EQ(documents.credit_notes(1).SerializeAsString(), two->credit_note().SerializeAsString());
}

TEST_F(BillingUseCasesTest, CaptureBoundsAndRefusalsChangeNothing) {
  ASSERT_TRUE(Authorize("s:authorize", "order-1", 7137).ok());
  v1::CapturePaymentRequest too_much = CaptureRequest("s:capture:big", "order-1", "shp-big");
  AddLine(&too_much, "SKU-A", 4, 1999);
  EXPECT_EQ(ReasonOf(Capture(too_much).status()), "AMOUNT_EXCEEDS_AUTHORIZATION");

  v1::CapturePaymentRequest mismatch = StandardCapture("s:capture:mm", "order-1", "shp-1");
  mismatch.mutable_expected_amount()->set_currency("EUR");
  mismatch.mutable_expected_amount()->set_amount_minor(5997);  // tax forgotten
  EXPECT_EQ(ReasonOf(Capture(mismatch).status()), "AMOUNT_MISMATCH");

  v1::CapturePaymentRequest dollars = CaptureRequest("s:capture:usd", "order-1", "shp-1");
  AddLine(&dollars, "SKU-A", 1, 100);
  dollars.mutable_lines(0)->mutable_unit_price()->set_currency("USD");
  EXPECT_EQ(ReasonOf(Capture(dollars).status()), "CURRENCY_MISMATCH");

  EXPECT_EQ(ReasonOf(Capture(StandardCapture("s:capture:none", "order-x", "shp-1")).status()),
            "PAYMENT_NOT_FOUND");
  EXPECT_EQ(Query("SELECT captured_minor FROM payments"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM invoices"), 0);
  EXPECT_EQ(ProviderOps("CAPTURE"), 0);

  // Exactly the authorization: fine; then the shipment cannot be captured again, and nothing
  // more can be captured at all.
  auto exact = Capture(StandardCapture("s:capture:shp-1", "order-1", "shp-1"));
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->payment().status(), v1::PAYMENT_STATUS_CAPTURED);
  auto repeat = Capture(StandardCapture("s:capture:shp-1", "order-1", "shp-1"));
  ASSERT_TRUE(repeat.ok());
  EXPECT_EQ(repeat->invoice().number(), exact->invoice().number());
  auto again = Capture(StandardCapture("s:capture:shp-1-again", "order-1", "shp-1"));
  EXPECT_EQ(ReasonOf(again.status()), "SHIPMENT_ALREADY_CAPTURED");
  v1::CapturePaymentRequest more = CaptureRequest("s:capture:shp-2", "order-1", "shp-2");
  AddLine(&more, "SKU-Z", 1, 1);
  EXPECT_EQ(ReasonOf(Capture(more).status()), "AMOUNT_EXCEEDS_AUTHORIZATION");
  EXPECT_EQ(Query("SELECT count(*) FROM invoices"), 1);
  EXPECT_EQ(ProviderSum("CAPTURE"), 7137);
}

// A refusal is the answer to its request id: a late duplicate of a capture refused before the
// authorization existed captures nothing once it does.
TEST_F(BillingUseCasesTest, ARefusedCaptureIsRefusedAgainOnItsRequestIdOnceThePaymentExists) {
  const auto early = StandardCapture("s:capture:shp-1", "order-1", "shp-1");
  auto refused = Capture(early);
  ASSERT_EQ(ReasonOf(refused.status()), "PAYMENT_NOT_FOUND");
  ASSERT_TRUE(Authorize("s:authorize", "order-1", 10000).ok());

  auto late = Capture(early);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(late.status()), "PAYMENT_NOT_FOUND");
  EXPECT_EQ(late.status().message(), refused.status().message());
  EXPECT_EQ(ProviderOps("CAPTURE"), 0);
  EXPECT_EQ(Query("SELECT captured_minor FROM payments"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM invoices"), 0);
}

TEST_F(BillingUseCasesTest, AFreeShipmentIsInvoicedWithoutCallingTheProvider) {
  ASSERT_TRUE(Authorize("s:authorize", "order-1", 1000).ok());
  v1::CapturePaymentRequest request = CaptureRequest("s:capture:free", "order-1", "shp-free");
  AddLine(&request, "SKU-GIFT", 1, 0);
  auto captured = Capture(request);
  ASSERT_TRUE(captured.ok()) << captured.status();
  EXPECT_EQ(captured->invoice().total().amount_minor(), 0);
  EXPECT_EQ(captured->payment().captured().amount_minor(), 0);
  EXPECT_EQ(captured->payment().transactions_size(), 1);  // the authorization only
  EXPECT_EQ(ProviderOps("CAPTURE"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM invoices WHERE capture_transaction_id IS NULL"), 1);
}

TEST_F(BillingUseCasesTest, ACaptureTaxesAtTheQuotedRateAfterTheDestinationsRateChanged) {
  v1::CapturePaymentRequest capture = CaptureRequest("s:capture:shp-1", "order-1", "shp-1");
  AddLine(&capture, "SKU-A", 3, 1999);
  v1::QuoteTaxRequest quote_request;
  *quote_request.mutable_lines() = capture.lines();
  *quote_request.mutable_destination() = capture.destination();
  v1::Invoice quote;
  ASSERT_TRUE(billing_->QuoteTax(quote_request, &quote).ok());
  ASSERT_EQ(quote.lines(0).tax_rate_bp(), 1900);
  ASSERT_TRUE(Authorize("s:authorize", "order-1", quote.total().amount_minor()).ok());
  // The rate changes between the order and its shipment.
  ASSERT_EQ(Query("WITH changed AS (UPDATE tax_rates SET rate_bp = 2100 WHERE country = 'DE' "
                  "RETURNING 1) SELECT count(*) FROM changed"),
            1);

  capture.mutable_lines(0)->set_tax_rate_bp(quote.lines(0).tax_rate_bp());
  auto captured = Capture(capture);
  ASSERT_TRUE(captured.ok()) << captured.status();
  EXPECT_EQ(captured->invoice().lines(0).tax_rate_bp(), 1900);
  EXPECT_EQ(captured->invoice().total().amount_minor(), quote.total().amount_minor());
  EXPECT_EQ(captured->payment().status(), v1::PAYMENT_STATUS_CAPTURED);

  // Without the quoted rate a capture takes today's rate.
  ASSERT_TRUE(Authorize("s2:authorize", "order-2", 100000).ok());
  v1::CapturePaymentRequest today = CaptureRequest("s2:capture:shp-2", "order-2", "shp-2");
  AddLine(&today, "SKU-A", 1, 1000);
  auto taxed_today = Capture(today);
  ASSERT_TRUE(taxed_today.ok()) << taxed_today.status();
  EXPECT_EQ(taxed_today->invoice().lines(0).tax_rate_bp(), 2100);
  EXPECT_EQ(taxed_today->invoice().total().amount_minor(), 1000 + 210);
}

TEST_F(BillingUseCasesTest, TaxRatesFollowTheDestinationRegionThenCountry) {
  ASSERT_TRUE(Authorize("s:authorize", "order-1", 100000).ok());
  auto rate_of = [this](const std::string& shipment, const std::string& country,
                        const std::string& region) {
    v1::CapturePaymentRequest request =
        CaptureRequest("s:capture:" + shipment, "order-1", shipment, country, region);
    AddLine(&request, "SKU-A", 1, 1000);
    auto response = Capture(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->invoice().lines(0).tax_rate_bp() : -1;
  };
  EXPECT_EQ(rate_of("shp-ca", "US", "CA"), 725);
  EXPECT_EQ(rate_of("shp-or", "US", "OR"), 0);  // the country's row
  EXPECT_EQ(rate_of("shp-fr", "FR", "IDF"), 2000);
  EXPECT_EQ(rate_of("shp-zz", "ZZ", ""), 0);  // no row at all: untaxed
}

TEST_F(BillingUseCasesTest, CaptureFailsTokenRetriesUntilItSucceedsAndLogsTheFailedAttempts) {
  ASSERT_TRUE(Authorize("s:authorize", "order-1", 10000, "tok_capture_fails").ok());
  const auto request = StandardCapture("s:capture:shp-1", "order-1", "shp-1");
  for (int attempt = 0; attempt < SandboxProvider::kCaptureFailures; ++attempt) {
    EXPECT_EQ(Capture(request).status().code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_EQ(Query("SELECT count(*) FROM invoices"), 0);
  EXPECT_EQ(Query("SELECT captured_minor FROM payments"), 0);
  auto captured = Capture(request);
  ASSERT_TRUE(captured.ok()) << captured.status();
  EXPECT_EQ(captured->payment().captured().amount_minor(), 7137);
  EXPECT_EQ(captured->invoice().number().substr(captured->invoice().number().size() - 7),
            "-000001");  // the failed attempts used no number
  int unavailable = 0;
  for (const auto& transaction : captured->payment().transactions()) {
    if (transaction.outcome() == v1::TRANSACTION_OUTCOME_UNAVAILABLE) ++unavailable;
  }
  EXPECT_EQ(unavailable, SandboxProvider::kCaptureFailures);
  EXPECT_EQ(ProviderSum("CAPTURE"), 7137);
}

TEST_F(BillingUseCasesTest, VoidsTakeTheWholeAuthorizationOrWhatRemainsUncaptured) {
  ASSERT_TRUE(Authorize("a:authorize", "order-a", 10000).ok());
  auto whole = Void("a:void", "order-a");
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->status(), v1::PAYMENT_STATUS_VOIDED);
  EXPECT_EQ(whole->voided().amount_minor(), 10000);
  EXPECT_EQ(ReasonOf(Capture(StandardCapture("a:capture", "order-a", "shp-1")).status()),
            "AMOUNT_EXCEEDS_AUTHORIZATION");
  auto nothing_left = Void("a:void-2", "order-a");  // a second void finds nothing: success
  ASSERT_TRUE(nothing_left.ok());
  EXPECT_EQ(nothing_left->voided().amount_minor(), 10000);

  // Ship one part, cancel one shipment's share explicitly, then void the rest.
  ASSERT_TRUE(Authorize("b:authorize", "order-b", 10000).ok());
  ASSERT_TRUE(Capture(StandardCapture("b:capture", "order-b", "shp-1")).ok());
  EXPECT_EQ(ReasonOf(Void("b:void-big", "order-b", 10000 - 7137 + 1).status()),
            "AMOUNT_EXCEEDS_AUTHORIZATION");
  auto partial = Void("b:void-shp-2", "order-b", 1000);
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(partial->status(), v1::PAYMENT_STATUS_PARTIALLY_CAPTURED);
  auto rest = Void("b:void-rest", "order-b");
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->voided().amount_minor(), 10000 - 7137);
  EXPECT_EQ(rest->captured().amount_minor(), 7137);
  EXPECT_EQ(rest->status(), v1::PAYMENT_STATUS_CAPTURED);
  auto replay = Void("b:void-shp-2", "order-b", 1000);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->voided().amount_minor(), 1000);  // the stored result, no second void
  EXPECT_EQ(ProviderSum("VOID"), 10000 + 10000 - 7137);
}

TEST_F(BillingUseCasesTest, AVoidBeforeItsAuthorizationLeavesATombstoneThatRefusesIt) {
  auto voided = Void("s:void", "order-1");
  ASSERT_TRUE(voided.ok()) << voided.status();
  EXPECT_TRUE(voided->tombstone());
  EXPECT_EQ(voided->status(), v1::PAYMENT_STATUS_VOIDED);
  auto late = Authorize("s:authorize", "order-1", 10000);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(late.status()), "AUTHORIZATION_VOIDED");
  EXPECT_EQ(ProviderOps("AUTHORIZE"), 0);  // the provider was never asked
  EXPECT_EQ(ReasonOf(Capture(StandardCapture("s:capture", "order-1", "shp-1")).status()),
            "PAYMENT_NOT_CAPTURABLE");
  auto repeat = Void("s:void", "order-1");
  ASSERT_TRUE(repeat.ok());
  EXPECT_EQ(repeat->id(), voided->id());
}

TEST_F(BillingUseCasesTest, ConcurrentVoidAndAuthorizationNeverLeaveAnOpenAuthorization) {
  for (int round = 0; round < 10; ++round) {
    const std::string order = absl::StrCat("order-", round);
    auto authorize = std::async(std::launch::async,
                                [&] { return Authorize(order + ":authorize", order, 1000); });
    auto voided = std::async(std::launch::async, [&] { return Void(order + ":void", order); });
    auto auth_result = authorize.get();
    auto void_result = voided.get();
    ASSERT_TRUE(void_result.ok()) << void_result.status();
    if (!auth_result.ok()) {
      EXPECT_EQ(ReasonOf(auth_result.status()), "AUTHORIZATION_VOIDED");
    }
  }
  // Whatever the interleaving: nothing open, on billing's side or the provider's.
  EXPECT_EQ(Query("SELECT COALESCE(sum(authorized_minor - captured_minor - voided_minor), 0) "
                  "FROM payments"),
            0);
  EXPECT_EQ(ProviderSum("AUTHORIZE"), ProviderSum("VOID"));
}

TEST_F(BillingUseCasesTest, ACrashAfterTheProviderAuthorizedIsRecoveredByTheRetryNotRepeated) {
  CrashOnce("billing.authorize.before_commit", "s:authorize");
  auto crashed = Authorize("s:authorize", "order-1", 10000);
  EXPECT_EQ(crashed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Query("SELECT count(*) FROM payments"), 0);  // billing kept nothing
  EXPECT_EQ(ProviderOps("AUTHORIZE"), 1);                // the provider did authorize
  auto retried = Authorize("s:authorize", "order-1", 10000);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->authorization_reference(),
            QueryText("SELECT reference FROM sandbox_provider_operations"));
  EXPECT_EQ(ProviderOps("AUTHORIZE"), 1);  // found, not authorized twice
  EXPECT_EQ(Query("SELECT count(*) FROM payment_transactions"), 1);
}

TEST_F(BillingUseCasesTest, AVoidAfterACrashedAuthorizationVoidsWhatTheProviderHolds) {
  CrashOnce("billing.authorize.before_commit", "s:authorize");
  EXPECT_FALSE(Authorize("s:authorize", "order-1", 10000).ok());
  auto voided = Void("s:void", "order-1");  // the saga gave up and compensates
  ASSERT_TRUE(voided.ok()) << voided.status();
  EXPECT_FALSE(voided->tombstone());
  EXPECT_EQ(voided->authorized().amount_minor(), 10000);
  EXPECT_EQ(voided->voided().amount_minor(), 10000);
  EXPECT_EQ(voided->status(), v1::PAYMENT_STATUS_VOIDED);
  EXPECT_EQ(ProviderSum("VOID"), 10000);
  EXPECT_EQ(ReasonOf(Authorize("s:authorize", "order-1", 10000).status()), "AUTHORIZATION_VOIDED");
  EXPECT_EQ(ProviderOps("AUTHORIZE"), 1);
}

TEST_F(BillingUseCasesTest, ACrashAfterTheProviderCapturedChargesOnceAndSkipsNoNumber) {
  ASSERT_TRUE(Authorize("s:authorize", "order-1", 10000).ok());
  CrashOnce("billing.capture.before_commit", "s:capture");
  auto crashed = Capture(StandardCapture("s:capture", "order-1", "shp-1"));
  EXPECT_EQ(crashed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ProviderSum("CAPTURE"), 7137);
  EXPECT_EQ(Query("SELECT captured_minor FROM payments"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM invoices"), 0);
  auto retried = Capture(StandardCapture("s:capture", "order-1", "shp-1"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->payment().captured().amount_minor(), 7137);
  EXPECT_EQ(ProviderSum("CAPTURE"), 7137);  // charged once
  EXPECT_EQ(retried->invoice().number().substr(retried->invoice().number().size() - 7), "-000001");
}

TEST_F(BillingUseCasesTest, ACrashAfterTheProviderRefundedRefundsOnce) {
  ASSERT_TRUE(Authorize("s:authorize", "order-1", 10000).ok());
  ASSERT_TRUE(Capture(StandardCapture("s:capture", "order-1", "shp-1")).ok());
  CrashOnce("billing.refund.before_commit", "s:refund");
  const auto request = RefundRequest("s:refund", "order-1", "shp-1", "SKU-A", 1);
  EXPECT_FALSE(Refund(request).ok());
  auto retried = Refund(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->payment().refunded().amount_minor(), 2379);
  EXPECT_EQ(ProviderSum("REFUND"), 2379);
  EXPECT_EQ(retried->credit_note().number().substr(retried->credit_note().number().size() - 7),
            "-000001");
}

TEST_F(BillingUseCasesTest, RefundsIssueCreditNotesUpToWhatWasCaptured) {
  ASSERT_TRUE(Authorize("s:authorize", "order-1", 10000).ok());
  auto captured = Capture(StandardCapture("s:capture", "order-1", "shp-1"));
  ASSERT_TRUE(captured.ok());
  auto first = Refund(RefundRequest("s:refund-1", "order-1", "shp-1", "SKU-A", 1));
  ASSERT_TRUE(first.ok()) << first.status();
  const v1::CreditNote& note = first->credit_note();
  EXPECT_EQ(note.number().substr(0, 3), "CN-");
  EXPECT_EQ(note.number().substr(note.number().size() - 7), "-000001");
  EXPECT_EQ(note.invoice_id(), captured->invoice().id());
  EXPECT_EQ(note.invoice_number(), captured->invoice().number());
  EXPECT_EQ(note.reason(), "returned");
  EXPECT_EQ(note.total().amount_minor(), 1999 + 380);
  EXPECT_EQ(first->payment().refunded().amount_minor(), 2379);
  EXPECT_EQ(first->payment().status(), v1::PAYMENT_STATUS_PARTIALLY_REFUNDED);

  EXPECT_EQ(ReasonOf(Refund(RefundRequest("s:refund-x", "order-1", "shp-1", "SKU-A", 3)).status()),
            "REFUND_EXCEEDS_CAPTURE");
  EXPECT_EQ(ReasonOf(Refund(RefundRequest("s:refund-y", "order-1", "shp-1", "SKU-Q", 1)).status()),
            "SKU_NOT_INVOICED");
  EXPECT_EQ(ReasonOf(Refund(RefundRequest("s:refund-z", "order-1", "shp-9", "SKU-A", 1)).status()),
            "INVOICE_NOT_FOUND");
  auto rest = Refund(RefundRequest("s:refund-2", "order-1", "shp-1", "SKU-A", 2));
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->payment().refunded().amount_minor(), 7137);  // exactly the invoice
  ASSERT_TRUE(Void("s:void", "order-1").ok());
  v1::Payment payment;
  ASSERT_TRUE(billing_->GetPayment(rest->payment().id(), &payment).ok());
  EXPECT_EQ(payment.status(), v1::PAYMENT_STATUS_REFUNDED);

  v1::ListInvoicesResponse documents;
  ASSERT_TRUE(billing_->ListInvoices("order-1", &documents).ok());
  EXPECT_EQ(documents.invoices_size(), 1);
  ASSERT_EQ(documents.credit_notes_size(), 2);
  EXPECT_EQ(documents.credit_notes(1).lines(0).quantity(), 2);
  EXPECT_EQ(ProviderSum("REFUND"), 7137);
}

TEST_F(BillingUseCasesTest, NumbersStayGapFreeUnderConcurrentCapturesThatSometimesFail) {
  constexpr int kOrders = 12;
  for (int i = 0; i < kOrders; ++i) {
    ASSERT_TRUE(
        Authorize(absl::StrCat("o", i, ":authorize"), absl::StrCat("order-", i), 10000).ok());
    // Every third capture dies after it took a number: its number must be reused.
    if (i % 3 == 0) CrashOnce("billing.capture.before_commit", absl::StrCat("o", i, ":capture"));
  }
  std::vector<std::future<absl::StatusOr<v1::CapturePaymentResponse>>> calls;
  for (int i = 0; i < kOrders; ++i) {
    calls.push_back(std::async(std::launch::async, [this, i] {
      return Capture(
          StandardCapture(absl::StrCat("o", i, ":capture"), absl::StrCat("order-", i), "shp-1"));
    }));
  }
  int failed = 0;
  for (auto& call : calls) failed += call.get().ok() ? 0 : 1;
  EXPECT_EQ(failed, kOrders / 3);
  // No gaps: the sequences are exactly 1..n, and the counter agrees.
  const long long issued = Query("SELECT count(*) FROM invoices");
  EXPECT_EQ(issued, kOrders - kOrders / 3);
  EXPECT_EQ(Query("SELECT max(sequence) FROM invoices"), issued);
  EXPECT_EQ(Query("SELECT min(sequence) FROM invoices"), 1);
  EXPECT_EQ(Query("SELECT last_number FROM document_counters WHERE kind = 'INV'"), issued);
  EXPECT_EQ(Query("SELECT count(DISTINCT number) FROM invoices"), issued);
}

TEST_F(BillingUseCasesTest, IssuedDocumentsAndTheAmountInvariantsAreGuardedByTheDatabase) {
  ASSERT_TRUE(Authorize("s:authorize", "order-1", 10000).ok());
  ASSERT_TRUE(Capture(StandardCapture("s:capture", "order-1", "shp-1")).ok());
  pqxx::connection connection(db_.url());
  auto refused = [&connection](const std::string& sql) {
    try {
      pqxx::work tx(connection);
      tx.exec(sql);
      tx.commit();
      return false;
    } catch (const pqxx::sql_error&) {
      return true;
    }
  };
  EXPECT_TRUE(refused("UPDATE invoices SET total_minor = 1"));
  EXPECT_TRUE(refused("DELETE FROM invoice_lines"));
  EXPECT_TRUE(refused("UPDATE payment_transactions SET amount_minor = 0"));
  EXPECT_TRUE(refused("UPDATE payments SET captured_minor = authorized_minor + 1"));
  EXPECT_TRUE(refused("UPDATE payments SET refunded_minor = captured_minor + 1"));
}

}  // namespace
}  // namespace oms::billing
