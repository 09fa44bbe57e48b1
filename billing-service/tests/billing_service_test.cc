// The handlers through a real gRPC server on an in-process channel, with fake use cases: what
// the service validates, what it hands to the use cases, and how statuses reach the client.
#include "billing-service/src/billing_service.h"

#include <tuple>

#include <grpcpp/channel.h>
#include <gtest/gtest.h>

#include "billing-service/src/billing_peers.h"
#include "common/grpc_status.h"
#include "common/metrics.h"
#include "common/server.h"
#include "common/status.h"

namespace oms::billing {
namespace {

class FakeBilling : public BillingUseCases {
 public:
  int calls = 0;
  absl::Status next = absl::OkStatus();
  std::string last_order_id;

  absl::Status Authorize(const v1::AuthorizePaymentRequest& request, v1::Payment* out) override {
    ++calls;
    last_order_id = request.order_id();
    out->set_order_id(request.order_id());
    return next;
  }
  absl::Status Capture(const v1::CapturePaymentRequest& request,
                       v1::CapturePaymentResponse* out) override {
    ++calls;
    last_order_id = request.order_id();
    out->mutable_invoice()->set_shipment_id(request.shipment_id());
    return next;
  }
  absl::Status Void(const v1::VoidPaymentRequest& request, v1::Payment* out) override {
    ++calls;
    last_order_id = request.order_id();
    out->set_tombstone(true);
    return next;
  }
  absl::Status IncrementAuthorization(const v1::IncrementAuthorizationRequest& request,
                                      v1::Payment* out) override {
    ++calls;
    last_order_id = request.order_id();
    out->set_order_id(request.order_id());
    return next;
  }
  absl::Status Refund(const v1::RefundPaymentRequest& request,
                      v1::RefundPaymentResponse*) override {
    ++calls;
    last_order_id = request.order_id();
    return next;
  }
  absl::Status GetPayment(const std::string& id, v1::Payment* out) override {
    ++calls;
    out->set_id(id);
    return next;
  }
  absl::Status ListPayments(const std::string& order_id, v1::ListPaymentsResponse*) override {
    ++calls;
    last_order_id = order_id;
    return next;
  }
  absl::Status QuoteTax(const v1::QuoteTaxRequest&, v1::Invoice*) override {
    ++calls;
    return next;
  }
  absl::Status AuditOrderFacts(const AuditPage&, v1::AuditOrderFactsResponse*) override {
    ++calls;
    return next;
  }
  absl::Status ListInvoices(const std::string& order_id, v1::ListInvoicesResponse*) override {
    ++calls;
    last_order_id = order_id;
    return next;
  }
};

class BillingServiceTest : public ::testing::Test {
 protected:
  void Start(std::size_t queue_capacity) {
    executor_ = std::make_unique<BoundedExecutor>(2, queue_capacity);
    service_ = std::make_unique<BillingServiceImpl>(billing_, *executor_);
    auto server = GrpcServer::Start({}, {{service_.get(), v1::BillingService::service_full_name()}},
                                    metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::BillingService::NewStub(server_->InProcessChannel());
  }
  void SetUp() override { Start(16); }
  void TearDown() override {
    server_->Shutdown();
    executor_->Stop();
  }

  static v1::AuthorizePaymentRequest GoodAuthorize() {
    v1::AuthorizePaymentRequest request;
    request.set_request_id("saga-1:authorize");
    request.set_order_id("order-1");
    request.mutable_amount()->set_currency("EUR");
    request.mutable_amount()->set_amount_minor(1000);
    request.set_method(v1::PAYMENT_METHOD_CARD);
    request.set_token("tok_visa");
    return request;
  }

  static v1::IncrementAuthorizationRequest GoodIncrement() {
    v1::IncrementAuthorizationRequest request;
    request.set_request_id("edit-1:increment");
    request.set_order_id("order-1");
    request.mutable_amount()->set_currency("EUR");
    request.mutable_amount()->set_amount_minor(500);
    request.set_reason("added a line");
    return request;
  }

  FakeBilling billing_;
  Metrics metrics_{"billing-service", "test"};
  std::unique_ptr<BoundedExecutor> executor_;
  std::unique_ptr<BillingServiceImpl> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::BillingService::Stub> stub_;
};

TEST_F(BillingServiceTest, BadInputIsRefusedBeforeTheStore) {
  {
    grpc::ClientContext context;
    v1::AuthorizePaymentRequest request = GoodAuthorize();
    request.mutable_amount()->set_amount_minor(-5);
    v1::Payment response;
    grpc::Status status = stub_->AuthorizePayment(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(status.error_message().find("amount.amount_minor"), std::string::npos);
    EXPECT_EQ(ReasonOf(FromGrpcStatus(status)), "INVALID_FIELD");
  }
  {
    grpc::ClientContext context;
    v1::CapturePaymentRequest request;
    request.set_request_id("r");
    request.set_order_id("order-1");
    request.set_shipment_id("shp-1");
    v1::CapturePaymentResponse response;
    grpc::Status status = stub_->CapturePayment(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(status.error_message().find("lines"), std::string::npos);
  }
  {
    grpc::ClientContext context;
    v1::GetPaymentRequest request;
    request.set_id("nope");
    v1::Payment response;
    EXPECT_EQ(stub_->GetPayment(&context, request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext context;
    v1::ListInvoicesRequest request;
    v1::ListInvoicesResponse response;
    EXPECT_EQ(stub_->ListInvoices(&context, request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_EQ(billing_.calls, 0);
}

TEST_F(BillingServiceTest, ABadIncrementNamesItsFieldAndReachesNoStore) {
  using Breaks = void (*)(v1::IncrementAuthorizationRequest*);
  for (const auto& [breaks, field] : {
           std::tuple<Breaks, const char*>{
               [](v1::IncrementAuthorizationRequest* r) { r->clear_request_id(); }, "request_id"},
           {[](v1::IncrementAuthorizationRequest* r) { r->set_order_id("-bad"); }, "order_id"},
           {[](v1::IncrementAuthorizationRequest* r) { r->clear_amount(); }, "amount"},
           {[](v1::IncrementAuthorizationRequest* r) { r->mutable_amount()->set_amount_minor(0); },
            "amount.amount_minor"},
           {[](v1::IncrementAuthorizationRequest* r) { r->mutable_amount()->set_currency("eur"); },
            "amount.currency"},
       }) {
    v1::IncrementAuthorizationRequest request = GoodIncrement();
    breaks(&request);
    grpc::ClientContext context;
    v1::Payment response;
    grpc::Status status = stub_->IncrementAuthorization(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_EQ(status.error_message().rfind(std::string(field) + ":", 0), 0u)
        << status.error_message();
  }
  EXPECT_EQ(billing_.calls, 0);
}

TEST_F(BillingServiceTest, AnIncrementReachesTheUseCasesAndItsDeclineTheClient) {
  {
    grpc::ClientContext context;
    v1::Payment response;
    ASSERT_TRUE(stub_->IncrementAuthorization(&context, GoodIncrement(), &response).ok());
    EXPECT_EQ(response.order_id(), "order-1");
  }
  billing_.next = WithReason(absl::StatusCode::kFailedPrecondition, "PAYMENT_DECLINED", "declined");
  grpc::ClientContext context;
  v1::Payment response;
  grpc::Status status = stub_->IncrementAuthorization(&context, GoodIncrement(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(status)), "PAYMENT_DECLINED");
  EXPECT_EQ(billing_.calls, 2);
}

TEST(BillingPeersTest, OnlyOrderServiceMayIncrementAnAuthorization) {
  const MethodPeers peers = BillingServicePeers();
  EXPECT_TRUE(CheckPeerTable(v1::BillingService::service_full_name(), peers).ok());
  PeerPolicy policy;
  policy.AddService(v1::BillingService::service_full_name(), peers);
  const std::string path = "/oms.billing.v1.BillingService/IncrementAuthorization";
  EXPECT_TRUE(policy.Authorize(path, {peer::kOrderService}).ok());
  EXPECT_EQ(policy.Authorize(path, {peer::kGateway}).code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(BillingServiceTest, ADeclineReachesTheClientWithItsReason) {
  billing_.next = WithReason(absl::StatusCode::kFailedPrecondition, "PAYMENT_DECLINED", "declined");
  grpc::ClientContext context;
  v1::Payment response;
  grpc::Status status = stub_->AuthorizePayment(&context, GoodAuthorize(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(status)), "PAYMENT_DECLINED");
  EXPECT_EQ(billing_.calls, 1);
}

TEST_F(BillingServiceTest, ValidCallsReachTheStoreAndAnswer) {
  {
    grpc::ClientContext context;
    v1::Payment response;
    ASSERT_TRUE(stub_->AuthorizePayment(&context, GoodAuthorize(), &response).ok());
    EXPECT_EQ(response.order_id(), "order-1");
  }
  {
    grpc::ClientContext context;
    v1::VoidPaymentRequest request;
    request.set_request_id("saga-1:void");
    request.set_order_id("order-2");
    v1::Payment response;
    ASSERT_TRUE(stub_->VoidPayment(&context, request, &response).ok());
    EXPECT_TRUE(response.tombstone());
    EXPECT_EQ(billing_.last_order_id, "order-2");
  }
  {
    grpc::ClientContext context;
    v1::ListPaymentsRequest request;
    request.set_order_id("order-3");
    v1::ListPaymentsResponse response;
    ASSERT_TRUE(stub_->ListPayments(&context, request, &response).ok());
    EXPECT_EQ(billing_.last_order_id, "order-3");
  }
  EXPECT_EQ(billing_.calls, 3);
}

TEST_F(BillingServiceTest, AnUnavailableProviderAnswersUnavailable) {
  billing_.next = absl::UnavailableError("sandbox provider unavailable");
  grpc::ClientContext context;
  v1::Payment response;
  EXPECT_EQ(stub_->AuthorizePayment(&context, GoodAuthorize(), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(BillingServiceTest, AFullWorkQueueAnswersResourceExhausted) {
  TearDown();
  Start(0);  // no room at all
  grpc::ClientContext context;
  v1::Payment response;
  EXPECT_EQ(stub_->AuthorizePayment(&context, GoodAuthorize(), &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(billing_.calls, 0);
}

}  // namespace
}  // namespace oms::billing
