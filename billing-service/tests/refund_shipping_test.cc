// PgBillingUseCases on a real PostgreSQL, refunding a parcel that never reached the customer
// (RefundPaymentRequest.include_shipping): the credit note gives back the invoice's goods and
// shipping to the minor unit, once per invoice, also when two refunds race for it; a refund
// without it still never credits shipping.
#include <future>
#include <vector>

#include "absl/strings/str_cat.h"
#include "billing-service/src/billing_use_cases.h"
#include "billing-service/tests/billing_test_fixture.h"
#include "common/status.h"

namespace oms::billing {
namespace {

common::v1::Money Eur(long long minor) {
  common::v1::Money money;
  money.set_currency("EUR");
  money.set_amount_minor(minor);
  return money;
}

class RefundShippingTest : public BillingDbTest {
 protected:
  long long ProviderRefunds() {
    return Query("SELECT count(*) FROM sandbox_provider_operations WHERE operation = 'REFUND'");
  }
  long long ProviderRefunded() {
    return Query(
        "SELECT COALESCE(sum(amount_minor), 0) FROM sandbox_provider_operations "
        "WHERE operation = 'REFUND'");
  }

  // The first shipment of BillingUseCasesTest.DiscountedUnitsAndShippingSharesCaptureExactly-
  // TheQuotedTotal, authorized and captured alone: A 3 x 9.99 less 0.33 each and 0.01 more on
  // 2 of them (net 2896, tax 550), B 1 x 20.00 (net 2000, tax 380), its shipping share 3.55 and
  // its tax 0.67 at DE's 19 %: 4896 + 930 + 355 + 67 = 6248.
  v1::Invoice CaptureWithShipping(const std::string& order_id) {
    EXPECT_TRUE(Authorize(order_id + ":authorize", order_id, 6248).ok());
    v1::CapturePaymentRequest request = CaptureRequest(order_id + ":capture", order_id, "shp-1");
    AddLine(&request, "SKU-A", 3, 999);
    request.mutable_lines(0)->set_unit_discount_minor(33);
    request.mutable_lines(0)->set_extra_discount_units(2);
    AddLine(&request, "SKU-B", 1, 2000);
    for (auto& line : *request.mutable_lines()) line.set_tax_rate_bp(1900);
    *request.mutable_shipping() = Eur(355);
    *request.mutable_shipping_tax() = Eur(67);
    auto captured = Capture(request);
    EXPECT_TRUE(captured.ok()) << captured.status();
    if (!captured.ok()) return {};
    EXPECT_EQ(captured->invoice().total().amount_minor(), 6248);
    return captured->invoice();
  }

  // Every unit of the parcel, and its shipping.
  static v1::RefundPaymentRequest WholeParcel(const std::string& request_id,
                                              const std::string& order_id) {
    v1::RefundPaymentRequest request = RefundRequest(request_id, order_id, "shp-1", "SKU-A", 3);
    v1::RefundLine* b = request.add_lines();
    b->set_sku("SKU-B");
    b->set_quantity(1);
    request.set_reason("returned to sender");
    request.set_include_shipping(true);
    return request;
  }
};

TEST_F(RefundShippingTest, AParcelReturnedToSenderIsRefundedToTheMinorUnitOnce) {
  const v1::Invoice invoice = CaptureWithShipping("order-1");
  ASSERT_FALSE(invoice.id().empty());

  v1::RefundPaymentRequest goods_only = WholeParcel("rts-1:guess", "order-1");
  *goods_only.mutable_expected_amount() = Eur(4896 + 930);  // shipping forgotten
  EXPECT_EQ(ReasonOf(Refund(goods_only).status()), "AMOUNT_MISMATCH");

  v1::RefundPaymentRequest whole = WholeParcel("rts-1:refund", "order-1");
  *whole.mutable_expected_amount() = Eur(6248);
  auto refunded = Refund(whole);
  ASSERT_TRUE(refunded.ok()) << refunded.status();
  const v1::CreditNote& note = refunded->credit_note();
  EXPECT_EQ(note.subtotal().amount_minor(), invoice.subtotal().amount_minor());
  EXPECT_EQ(note.tax().amount_minor(), invoice.tax().amount_minor());
  EXPECT_EQ(note.shipping().amount_minor(), 355);
  EXPECT_EQ(note.shipping().currency(), "EUR");
  EXPECT_EQ(note.shipping_tax().amount_minor(), 67);
  EXPECT_EQ(note.total().amount_minor(), invoice.total().amount_minor());
  const v1::Payment& payment = refunded->payment();
  EXPECT_EQ(payment.refunded().amount_minor(), payment.captured().amount_minor());
  EXPECT_EQ(payment.refunded().amount_minor(), 6248);
  EXPECT_EQ(payment.status(), v1::PAYMENT_STATUS_REFUNDED);
  const v1::PaymentTransaction& transaction = payment.transactions(payment.transactions_size() - 1);
  EXPECT_EQ(transaction.kind(), v1::TRANSACTION_KIND_REFUND);
  EXPECT_EQ(transaction.amount().amount_minor(), 6248);
  EXPECT_EQ(ProviderRefunded(), 6248);

  // A repeat of the request is answered the same credit note, with no second refund.
  auto repeat = Refund(whole);
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->credit_note().SerializeAsString(), note.SerializeAsString());
  EXPECT_EQ(ProviderRefunds(), 1);

  // Another refund asking for the shipping is refused and changes nothing, also on its repeat.
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::Status again = Refund(WholeParcel("rts-2:refund", "order-1")).status();
    EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ReasonOf(again), "SHIPPING_ALREADY_REFUNDED") << again;
  }
  EXPECT_EQ(Query("SELECT refunded_minor FROM payments"), 6248);
  EXPECT_EQ(Query("SELECT count(*) FROM credit_notes"), 1);
  EXPECT_EQ(Query("SELECT last_number FROM document_counters WHERE kind = 'CN'"), 1);
  EXPECT_EQ(Query("SELECT count(*) FROM payment_transactions WHERE kind = 'REFUND'"), 1);
  EXPECT_EQ(ProviderRefunds(), 1);

  // As stored: the note reads back with its shipping.
  v1::ListInvoicesResponse documents;
  ASSERT_TRUE(billing_->ListInvoices("order-1", &documents).ok());
  ASSERT_EQ(documents.credit_notes_size(), 1);
  EXPECT_EQ(documents.credit_notes(0).SerializeAsString(), note.SerializeAsString());
  EXPECT_EQ(Query("SELECT sum(total_minor) FROM credit_notes"),
            Query("SELECT sum(total_minor) FROM invoices"));
}

TEST_F(RefundShippingTest, ARefundWithoutIncludeShippingNeverCreditsShipping) {
  ASSERT_FALSE(CaptureWithShipping("order-1").id().empty());
  auto b = Refund(RefundRequest("ret-1:refund", "order-1", "shp-1", "SKU-B", 1));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->credit_note().shipping().amount_minor(), 0);
  EXPECT_EQ(b->credit_note().shipping().currency(), "EUR");  // zero money, never unset
  EXPECT_EQ(b->credit_note().shipping_tax().amount_minor(), 0);
  EXPECT_EQ(b->credit_note().total().amount_minor(), 2380);
  auto a = Refund(RefundRequest("ret-2:refund", "order-1", "shp-1", "SKU-A", 3));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->credit_note().shipping().amount_minor(), 0);
  EXPECT_EQ(a->credit_note().total().amount_minor(), 3446);
  // Every unit returned, the shipping stays captured.
  EXPECT_EQ(a->payment().refunded().amount_minor(), 4896 + 930);
  EXPECT_EQ(a->payment().captured().amount_minor(), 6248);
  EXPECT_EQ(Query("SELECT count(*) FROM credit_notes WHERE credits_shipping"), 0);
  EXPECT_EQ(ProviderRefunded(), 4896 + 930);
}

TEST_F(RefundShippingTest, AnInvoiceWithoutShippingIsRefundedWholeOnceToo) {
  ASSERT_TRUE(Authorize("s:authorize", "order-1", 7137).ok());
  v1::CapturePaymentRequest capture = CaptureRequest("s:capture", "order-1", "shp-1");
  AddLine(&capture, "SKU-A", 3, 1999);
  ASSERT_TRUE(Capture(capture).ok());
  v1::RefundPaymentRequest whole = RefundRequest("s:refund-1", "order-1", "shp-1", "SKU-A", 2);
  whole.set_include_shipping(true);
  auto refunded = Refund(whole);
  ASSERT_TRUE(refunded.ok()) << refunded.status();
  EXPECT_EQ(refunded->credit_note().shipping().amount_minor(), 0);
  EXPECT_EQ(refunded->credit_note().shipping_tax().amount_minor(), 0);
  EXPECT_EQ(refunded->credit_note().total().amount_minor(), 2 * 2379);
  whole = RefundRequest("s:refund-2", "order-1", "shp-1", "SKU-A", 1);
  whole.set_include_shipping(true);
  EXPECT_EQ(ReasonOf(Refund(whole).status()), "SHIPPING_ALREADY_REFUNDED");
  EXPECT_EQ(Query("SELECT refunded_minor FROM payments"), 2 * 2379);
}

// Each round, two requests of their own race to refund one invoice's shipping, each with lines
// the other leaves alone: whichever the order's lock lets in first wins, the other is refused.
TEST_F(RefundShippingTest, TwoRefundsRacingForTheShippingCreditItOnce) {
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    const std::string order = absl::StrCat("order-", round);
    ASSERT_FALSE(CaptureWithShipping(order).id().empty());
    auto racer = [this, &order](const std::string& name, const std::string& sku, long long n) {
      v1::RefundPaymentRequest request =
          RefundRequest(absl::StrCat(order, ":", name), order, "shp-1", sku, n);
      request.set_include_shipping(true);
      return Refund(request);
    };
    auto a = std::async(std::launch::async, racer, "rts-a", "SKU-A", 3);
    auto b = std::async(std::launch::async, racer, "rts-b", "SKU-B", 1);
    std::vector<absl::StatusOr<v1::RefundPaymentResponse>> results = {a.get(), b.get()};
    int succeeded = 0;
    long long refunded = 0;
    for (const auto& result : results) {
      if (result.ok()) {
        ++succeeded;
        EXPECT_EQ(result->credit_note().shipping().amount_minor(), 355);
        refunded = result->credit_note().total().amount_minor();
      } else {
        EXPECT_EQ(ReasonOf(result.status()), "SHIPPING_ALREADY_REFUNDED") << result.status();
      }
    }
    EXPECT_EQ(succeeded, 1) << "round " << round;
    EXPECT_EQ(
        Query(absl::StrCat("SELECT refunded_minor FROM payments WHERE order_id = '", order, "'")),
        refunded);
  }
  EXPECT_EQ(Query("SELECT count(*) FROM credit_notes"), kRounds);
  EXPECT_EQ(Query("SELECT count(*) FROM credit_notes WHERE credits_shipping"), kRounds);
  EXPECT_EQ(ProviderRefunds(), kRounds);
  EXPECT_EQ(Query("SELECT count(*) FROM payments WHERE refunded_minor > captured_minor"), 0);
}

}  // namespace
}  // namespace oms::billing
