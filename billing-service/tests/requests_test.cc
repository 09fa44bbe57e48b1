// Request validation: every bound refused with INVALID_ARGUMENT naming its field.
#include "billing-service/src/requests.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::billing {
namespace {

void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find(field), std::string::npos) << status;
}

v1::AuthorizePaymentRequest GoodAuthorize() {
  v1::AuthorizePaymentRequest request;
  request.set_request_id("saga-1:authorize");
  request.set_order_id("order-1");
  request.mutable_amount()->set_currency("EUR");
  request.mutable_amount()->set_amount_minor(1000);
  request.set_method(v1::PAYMENT_METHOD_CARD);
  request.set_token("tok_visa");
  return request;
}

v1::CapturePaymentRequest GoodCapture() {
  v1::CapturePaymentRequest request;
  request.set_request_id("saga-1:capture:shp-1");
  request.set_order_id("order-1");
  request.set_shipment_id("shp-1");
  v1::BillableLine* line = request.add_lines();
  line->set_sku("SKU-1");
  line->set_description("Mug");
  line->set_quantity(2);
  line->mutable_unit_price()->set_currency("EUR");
  line->mutable_unit_price()->set_amount_minor(999);
  auto* destination = request.mutable_destination();
  destination->set_line1("Heidestrasse 17");
  destination->set_city("Berlin");
  destination->set_country("DE");
  return request;
}

TEST(RequestsTest, AuthorizeBounds) {
  EXPECT_TRUE(ValidateAuthorize(GoodAuthorize()).ok());
  auto request = GoodAuthorize();
  request.set_request_id("");
  ExpectInvalid(ValidateAuthorize(request), "request_id");
  request = GoodAuthorize();
  request.set_order_id("has space");
  ExpectInvalid(ValidateAuthorize(request), "order_id");
  request = GoodAuthorize();
  request.mutable_amount()->set_amount_minor(0);
  ExpectInvalid(ValidateAuthorize(request), "amount.amount_minor");
  request.mutable_amount()->set_amount_minor(1'000'000'000'001LL);
  ExpectInvalid(ValidateAuthorize(request), "amount.amount_minor");
  request = GoodAuthorize();
  request.mutable_amount()->set_currency("eur");
  ExpectInvalid(ValidateAuthorize(request), "amount.currency");
  request = GoodAuthorize();
  request.clear_amount();
  ExpectInvalid(ValidateAuthorize(request), "amount");
  request = GoodAuthorize();
  request.set_method(v1::PAYMENT_METHOD_UNSPECIFIED);
  ExpectInvalid(ValidateAuthorize(request), "method");
  request = GoodAuthorize();
  request.set_token("");
  ExpectInvalid(ValidateAuthorize(request), "token");
}

TEST(RequestsTest, CaptureBounds) {
  EXPECT_TRUE(ValidateCapture(GoodCapture()).ok());
  auto request = GoodCapture();
  request.clear_lines();
  ExpectInvalid(ValidateCapture(request), "lines");
  request = GoodCapture();
  request.mutable_lines(0)->set_quantity(0);
  ExpectInvalid(ValidateCapture(request), "lines[0].quantity");
  request = GoodCapture();
  request.mutable_lines(0)->set_quantity(1'000'001);
  ExpectInvalid(ValidateCapture(request), "lines[0].quantity");
  request = GoodCapture();
  request.mutable_lines(0)->mutable_unit_price()->set_amount_minor(-1);
  ExpectInvalid(ValidateCapture(request), "lines[0].unit_price.amount_minor");
  request = GoodCapture();
  *request.add_lines() = request.lines(0);
  ExpectInvalid(ValidateCapture(request), "lines[1].sku");
  request.mutable_lines(1)->set_sku("SKU-2");
  request.mutable_lines(1)->mutable_unit_price()->set_currency("USD");
  ExpectInvalid(ValidateCapture(request), "lines[1].unit_price.currency");
  request = GoodCapture();
  request.mutable_lines(0)->set_tax_rate_bp(-1);
  ExpectInvalid(ValidateCapture(request), "lines[0].tax_rate_bp");
  request.mutable_lines(0)->set_tax_rate_bp(10001);
  ExpectInvalid(ValidateCapture(request), "lines[0].tax_rate_bp");
  request.mutable_lines(0)->set_tax_rate_bp(10000);
  EXPECT_TRUE(ValidateCapture(request).ok());
  request = GoodCapture();
  request.mutable_lines(0)->set_description(std::string("bad\x01", 4));
  ExpectInvalid(ValidateCapture(request), "lines[0].description");
  request = GoodCapture();
  request.mutable_lines(0)->set_description("\xff");
  ExpectInvalid(ValidateCapture(request), "lines[0].description");
  request = GoodCapture();
  request.clear_destination();
  ExpectInvalid(ValidateCapture(request), "destination");
  request = GoodCapture();
  request.mutable_destination()->set_country("Germany");
  ExpectInvalid(ValidateCapture(request), "destination.country");
  request = GoodCapture();
  request.mutable_billing_address()->set_country("DE");
  ExpectInvalid(ValidateCapture(request), "billing_address.line1");
  request = GoodCapture();
  request.set_shipment_id("");
  ExpectInvalid(ValidateCapture(request), "shipment_id");
  request = GoodCapture();
  for (int i = 0; i < kMaxLines; ++i) *request.add_lines() = request.lines(0);
  ExpectInvalid(ValidateCapture(request), "lines");
}

// GoodCapture's line is 2 x 9.99: a unit discount of 0 .. 999, extra units 0 .. 2, and extra
// units only while a unit can still lose one more minor unit (999 - d - 1 >= 0, so d <= 998).
TEST(RequestsTest, DiscountBounds) {
  auto request = GoodCapture();
  request.mutable_lines(0)->set_unit_discount_minor(998);
  request.mutable_lines(0)->set_extra_discount_units(2);
  EXPECT_TRUE(ValidateCapture(request).ok());
  request.mutable_lines(0)->set_extra_discount_units(0);
  request.mutable_lines(0)->set_unit_discount_minor(999);  // free
  EXPECT_TRUE(ValidateCapture(request).ok());

  request = GoodCapture();
  request.mutable_lines(0)->set_unit_discount_minor(-1);
  ExpectInvalid(ValidateCapture(request), "lines[0].unit_discount_minor");
  request.mutable_lines(0)->set_unit_discount_minor(1000);
  ExpectInvalid(ValidateCapture(request), "lines[0].unit_discount_minor");
  request = GoodCapture();
  request.mutable_lines(0)->set_extra_discount_units(-1);
  ExpectInvalid(ValidateCapture(request), "lines[0].extra_discount_units");
  request.mutable_lines(0)->set_extra_discount_units(3);  // more than the 2 units
  ExpectInvalid(ValidateCapture(request), "lines[0].extra_discount_units");
  request.mutable_lines(0)->set_extra_discount_units(1);
  request.mutable_lines(0)->set_unit_discount_minor(999);  // an extra unit would cost -1
  ExpectInvalid(ValidateCapture(request), "lines[0].extra_discount_units");
  // A free line cannot have extra units at all.
  request = GoodCapture();
  request.mutable_lines(0)->mutable_unit_price()->set_amount_minor(0);
  request.mutable_lines(0)->set_extra_discount_units(1);
  ExpectInvalid(ValidateCapture(request), "lines[0].extra_discount_units");

  // The same bounds for a quote, on the line that breaks them.
  v1::QuoteTaxRequest quote;
  *quote.mutable_lines() = GoodCapture().lines();
  *quote.add_lines() = quote.lines(0);
  quote.mutable_lines(1)->set_sku("SKU-2");
  *quote.mutable_destination() = GoodCapture().destination();
  EXPECT_TRUE(ValidateQuoteTax(quote).ok());
  quote.mutable_lines(1)->set_unit_discount_minor(1000);
  ExpectInvalid(ValidateQuoteTax(quote), "lines[1].unit_discount_minor");
}

TEST(RequestsTest, ShippingBounds) {
  auto request = GoodCapture();
  request.mutable_shipping()->set_currency("EUR");
  request.mutable_shipping()->set_amount_minor(355);
  request.mutable_shipping_tax()->set_currency("EUR");
  request.mutable_shipping_tax()->set_amount_minor(67);
  EXPECT_TRUE(ValidateCapture(request).ok());
  request.mutable_shipping()->set_amount_minor(0);  // a share may be nothing
  request.mutable_shipping_tax()->set_amount_minor(0);
  EXPECT_TRUE(ValidateCapture(request).ok());
  request.mutable_shipping()->set_amount_minor(-1);
  ExpectInvalid(ValidateCapture(request), "shipping.amount_minor");
  request.mutable_shipping()->set_amount_minor(1'000'000'000'001LL);
  ExpectInvalid(ValidateCapture(request), "shipping.amount_minor");
  request.mutable_shipping()->set_amount_minor(1'000'000'000'000LL);
  EXPECT_TRUE(ValidateCapture(request).ok());
  request.mutable_shipping()->set_currency("USD");  // not the lines' EUR
  ExpectInvalid(ValidateCapture(request), "shipping.currency");
  request.mutable_shipping()->set_currency("eur");
  ExpectInvalid(ValidateCapture(request), "shipping.currency");
  request = GoodCapture();
  request.mutable_shipping_tax()->set_currency("EUR");
  request.mutable_shipping_tax()->set_amount_minor(-5);
  ExpectInvalid(ValidateCapture(request), "shipping_tax.amount_minor");
  request.mutable_shipping_tax()->set_amount_minor(5);
  request.mutable_shipping_tax()->set_currency("GBP");
  ExpectInvalid(ValidateCapture(request), "shipping_tax.currency");

  v1::QuoteTaxRequest quote;
  *quote.mutable_lines() = GoodCapture().lines();
  *quote.mutable_destination() = GoodCapture().destination();
  quote.mutable_shipping()->set_currency("EUR");
  quote.mutable_shipping()->set_amount_minor(495);
  EXPECT_TRUE(ValidateQuoteTax(quote).ok());
  quote.mutable_shipping()->set_amount_minor(-1);
  ExpectInvalid(ValidateQuoteTax(quote), "shipping.amount_minor");
  quote.mutable_shipping()->set_amount_minor(495);
  quote.mutable_shipping()->set_currency("CHF");
  ExpectInvalid(ValidateQuoteTax(quote), "shipping.currency");
}

TEST(RequestsTest, VoidAndRefundBounds) {
  v1::VoidPaymentRequest void_request;
  void_request.set_request_id("saga-1:void");
  void_request.set_order_id("order-1");
  EXPECT_TRUE(ValidateVoid(void_request).ok());  // no amount: void what remains
  void_request.mutable_amount()->set_currency("EUR");
  ExpectInvalid(ValidateVoid(void_request), "amount.amount_minor");
  void_request.mutable_amount()->set_amount_minor(5);
  EXPECT_TRUE(ValidateVoid(void_request).ok());
  void_request.set_reason(std::string(501, 'x'));
  ExpectInvalid(ValidateVoid(void_request), "reason");

  v1::RefundPaymentRequest refund;
  refund.set_request_id("saga-1:refund");
  refund.set_order_id("order-1");
  refund.set_shipment_id("shp-1");
  ExpectInvalid(ValidateRefund(refund), "lines");
  refund.set_include_shipping(true);  // a parcel refunded whole still names all its lines
  ExpectInvalid(ValidateRefund(refund), "lines");
  v1::RefundLine* line = refund.add_lines();
  line->set_sku("SKU-1");
  line->set_quantity(1);
  EXPECT_TRUE(ValidateRefund(refund).ok());
  line->set_quantity(-1);
  ExpectInvalid(ValidateRefund(refund), "lines[0].quantity");
  line->set_quantity(1);
  *refund.add_lines() = *line;
  ExpectInvalid(ValidateRefund(refund), "lines[1].sku");
}

TEST(RequestsTest, IncrementBounds) {
  v1::IncrementAuthorizationRequest request;
  request.set_request_id("edit-1:increment");
  request.set_order_id("order-1");
  ExpectInvalid(ValidateIncrement(request), "amount");  // required
  request.mutable_amount()->set_currency("EUR");
  request.mutable_amount()->set_amount_minor(1);
  EXPECT_TRUE(ValidateIncrement(request).ok());
  request.mutable_amount()->set_amount_minor(kMaxAmountMinor);
  EXPECT_TRUE(ValidateIncrement(request).ok());
  for (long long amount : {0LL, -1LL, kMaxAmountMinor + 1}) {
    request.mutable_amount()->set_amount_minor(amount);
    ExpectInvalid(ValidateIncrement(request), "amount.amount_minor");
  }
  request.mutable_amount()->set_amount_minor(500);
  request.mutable_amount()->set_currency("euro");
  ExpectInvalid(ValidateIncrement(request), "amount.currency");
  request.mutable_amount()->set_currency("EUR");
  request.set_reason(std::string(501, 'x'));
  ExpectInvalid(ValidateIncrement(request), "reason");
  request.set_reason("added a line");
  EXPECT_TRUE(ValidateIncrement(request).ok());
  request.set_order_id("");
  ExpectInvalid(ValidateIncrement(request), "order_id");
  request.set_request_id("");
  ExpectInvalid(ValidateIncrement(request), "request_id");
}

TEST(RequestsTest, Ids) {
  EXPECT_TRUE(ValidatePaymentId("0b7d3c1e-6f6a-4d2e-9c8b-1a2b3c4d5e6f", "id").ok());
  ExpectInvalid(ValidatePaymentId("not-a-uuid", "id"), "id");
  EXPECT_TRUE(ValidateEntityId("3f2a:order_1.x-y", "order_id").ok());
  ExpectInvalid(ValidateEntityId("-leading", "order_id"), "order_id");
  ExpectInvalid(ValidateEntityId(std::string(65, 'a'), "order_id"), "order_id");
  ExpectInvalid(ValidateRequestId(std::string(129, 'a'), "request_id"), "request_id");
}

}  // namespace
}  // namespace oms::billing
