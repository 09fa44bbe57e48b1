// billing-service as a real process, set up as `./oms up` sets it up: an order's payment life
// (authorize, capture with invoice, refund with credit note, void the rest, a decline) through
// the gRPC stubs, and the domain metrics it serves on /metrics.
#include <grpcpp/channel.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/status.h"
#include "common/testing/scrape.h"
#include "oms/billing/v1/billing.grpc.pb.h"
#include "tests/support/service_under_test.h"

namespace oms::billing {
namespace {

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

TEST(BillingE2eTest, AnOrdersPaymentLifeThroughTheRealBinary) {
  testing::ServiceUnderTest service(OMS_BILLING_BIN, "OMS_BILLING");
  absl::Status started = service.Start();
  ASSERT_TRUE(started.ok()) << started;
  auto stub = v1::BillingService::NewStub(service.channel());

  v1::AuthorizePaymentRequest authorize;
  authorize.set_request_id("saga-1:authorize");
  authorize.set_order_id("order-1");
  authorize.mutable_amount()->set_currency("EUR");
  authorize.mutable_amount()->set_amount_minor(10000);
  authorize.set_method(v1::PAYMENT_METHOD_CARD);
  authorize.set_token("tok_visa");
  v1::Payment payment;
  grpc::Status status = stub->AuthorizePayment(Context().get(), authorize, &payment);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(payment.status(), v1::PAYMENT_STATUS_AUTHORIZED);

  v1::CapturePaymentRequest capture;
  capture.set_request_id("saga-1:capture:shp-1");
  capture.set_order_id("order-1");
  capture.set_shipment_id("shp-1");
  v1::BillableLine* line = capture.add_lines();
  line->set_sku("SKU-A");
  line->set_description("Mug");
  line->set_quantity(3);
  line->mutable_unit_price()->set_currency("EUR");
  line->mutable_unit_price()->set_amount_minor(1999);
  capture.mutable_destination()->set_line1("Heidestrasse 17");
  capture.mutable_destination()->set_city("Berlin");
  capture.mutable_destination()->set_country("DE");
  v1::CapturePaymentResponse captured;
  status = stub->CapturePayment(Context().get(), capture, &captured);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(captured.invoice().total().amount_minor(), 7137);
  EXPECT_EQ(captured.payment().status(), v1::PAYMENT_STATUS_PARTIALLY_CAPTURED);

  v1::RefundPaymentRequest refund;
  refund.set_request_id("rma-1:refund");
  refund.set_order_id("order-1");
  refund.set_shipment_id("shp-1");
  v1::RefundLine* returned = refund.add_lines();
  returned->set_sku("SKU-A");
  returned->set_quantity(1);
  v1::RefundPaymentResponse refunded;
  status = stub->RefundPayment(Context().get(), refund, &refunded);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(refunded.credit_note().invoice_number(), captured.invoice().number());

  v1::VoidPaymentRequest void_rest;
  void_rest.set_request_id("saga-1:void");
  void_rest.set_order_id("order-1");
  v1::Payment voided;
  status = stub->VoidPayment(Context().get(), void_rest, &voided);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(voided.voided().amount_minor(), 10000 - 7137);

  v1::ListInvoicesRequest list;
  list.set_order_id("order-1");
  v1::ListInvoicesResponse documents;
  ASSERT_TRUE(stub->ListInvoices(Context().get(), list, &documents).ok());
  EXPECT_EQ(documents.invoices_size(), 1);
  EXPECT_EQ(documents.credit_notes_size(), 1);

  authorize.set_request_id("saga-2:authorize");
  authorize.set_order_id("order-2");
  authorize.set_token("tok_chargeDeclined");
  status = stub->AuthorizePayment(Context().get(), authorize, &payment);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(status)), "PAYMENT_DECLINED");

  auto exposition =
      testing::HttpGet(absl::StrCat("http://127.0.0.1:", service.metrics_port(), "/metrics"));
  ASSERT_TRUE(exposition.ok()) << exposition.status();
  auto sample = [&](const std::string& series) {
    auto value = testing::SampleValue(*exposition, series);
    EXPECT_TRUE(value.ok()) << series;
    return value.ok() ? *value : -1;
  };
  EXPECT_EQ(
      sample("oms_billing_provider_calls_total{operation=\"authorize\",outcome=\"approved\"}"), 1);
  EXPECT_EQ(
      sample("oms_billing_provider_calls_total{operation=\"authorize\",outcome=\"declined\"}"), 1);
  EXPECT_EQ(sample("oms_billing_captured_minor_units_total{currency=\"EUR\"}"), 7137);
  EXPECT_EQ(sample("oms_billing_refunded_minor_units_total{currency=\"EUR\"}"), 2379);
  absl::Status lint = testing::PromtoolCheckMetrics(*exposition);
  EXPECT_TRUE(lint.ok()) << lint;
}

}  // namespace
}  // namespace oms::billing
