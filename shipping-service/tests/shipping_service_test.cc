// The handlers through a real gRPC server on an in-process channel, with fake use cases: what the
// service validates, what it hands to the use cases, and how statuses reach the client.
#include "shipping-service/src/shipping_service.h"

#include <set>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include "common/grpc_status.h"
#include "common/metrics.h"
#include "common/server.h"
#include "common/status.h"
#include "shipping-service/src/shipping_peers.h"

namespace oms::shipping {
namespace {

constexpr char kShipmentId[] = "0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10";

class FakeUseCases : public ShippingUseCases {
 public:
  int calls = 0;
  absl::Status next = absl::OkStatus();
  int last_limit = -1;

  absl::Status CreateShipments(const v1::CreateShipmentsRequest& request,
                               v1::CreateShipmentsResponse* out) override {
    ++calls;
    out->add_shipments()->set_order_id(request.order_id());
    return next;
  }
  absl::Status CancelShipment(const v1::CancelShipmentRequest&,
                              v1::CancelShipmentResponse* out) override {
    ++calls;
    out->set_tombstoned(true);
    return next;
  }
  absl::Status RecordShipmentEvent(const v1::RecordShipmentEventRequest& request,
                                   v1::RecordShipmentEventResponse* out) override {
    ++calls;
    out->mutable_entry()->set_type(request.type());
    return next;
  }
  absl::Status CreateReturnShipment(const v1::CreateReturnShipmentRequest&,
                                    v1::Shipment*) override {
    ++calls;
    return next;
  }
  absl::Status CreateReplacementShipment(const v1::CreateReplacementShipmentRequest& request,
                                         v1::Shipment* out) override {
    ++calls;
    out->set_replaces_shipment_id(request.shipment_id());
    return next;
  }
  absl::Status ReportShortPick(const v1::ReportShortPickRequest& request,
                               v1::Shipment* out) override {
    ++calls;
    out->set_id(request.shipment_id());
    out->set_warehouse_id(request.warehouse_id());
    return next;
  }
  absl::Status GetShipment(const std::string& id, v1::Shipment* out) override {
    ++calls;
    out->set_id(id);
    return next;
  }
  absl::Status ListShipments(const std::string&, v1::ListShipmentsResponse*) override {
    ++calls;
    return next;
  }
  absl::Status ListPickQueue(const PickQueueQuery&, v1::ListPickQueueResponse*) override {
    ++calls;
    return next;
  }
  absl::Status ListEvents(std::int64_t after, int limit, v1::ListEventsResponse* out) override {
    ++calls;
    last_limit = limit;
    out->set_last_sequence(after + 3);
    return next;
  }
  absl::Status AuditOrderFacts(const AuditPage&, v1::AuditOrderFactsResponse*) override {
    ++calls;
    return next;
  }
  absl::Status UploadProof(const v1::UploadProofRequest& request,
                           v1::ProofOfDelivery* out) override {
    ++calls;
    out->set_content_type(request.content_type());
    return next;
  }
  absl::Status GetProof(const v1::GetProofRequest&, v1::ProofFile* out) override {
    ++calls;
    out->set_content_type("image/png");
    return next;
  }
};

class ShippingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    executor_ = std::make_unique<BoundedExecutor>(2, 16);
    service_ = std::make_unique<ShippingServiceImpl>(use_cases_, *executor_, hub_, nullptr);
    auto server = GrpcServer::Start(
        {}, {{service_.get(), v1::ShippingService::service_full_name()}}, metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::ShippingService::NewStub(server_->InProcessChannel());
  }
  void TearDown() override {
    hub_.Close();
    server_->Shutdown();
    executor_->Stop();
  }

  static void ExpectInvalid(const grpc::Status& status, const std::string& field) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_NE(status.error_message().find(field), std::string::npos) << status.error_message();
    EXPECT_EQ(ReasonOf(FromGrpcStatus(status)), "INVALID_FIELD");
  }

  static v1::CreateShipmentsRequest GoodCreate() {
    v1::CreateShipmentsRequest request;
    request.set_request_id("saga-1:create_shipments");
    request.set_order_id("ord-1");
    request.mutable_destination()->set_line1("1 Main St");
    request.mutable_destination()->set_city("Berlin");
    request.mutable_destination()->set_country("DE");
    auto* group = request.add_groups();
    group->set_warehouse_id("11111111-1111-4111-8111-111111111111");
    auto* line = group->add_lines();
    line->set_sku("SKU-1");
    line->set_quantity(1);
    return request;
  }

  FakeUseCases use_cases_;
  EventHub hub_{4};
  Metrics metrics_{"shipping-service", "test"};
  std::unique_ptr<BoundedExecutor> executor_;
  std::unique_ptr<ShippingServiceImpl> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::ShippingService::Stub> stub_;
};

TEST_F(ShippingServiceTest, BadInputIsRefusedBeforeTheStore) {
  {
    grpc::ClientContext context;
    auto request = GoodCreate();
    request.mutable_destination()->set_country("");
    v1::CreateShipmentsResponse response;
    ExpectInvalid(stub_->CreateShipments(&context, request, &response), "destination.country");
  }
  {
    grpc::ClientContext context;
    auto request = GoodCreate();
    request.mutable_groups(0)->set_backorder_fill_sequence(-1);
    v1::CreateShipmentsResponse response;
    ExpectInvalid(stub_->CreateShipments(&context, request, &response),
                  "groups[0].backorder_fill_sequence");
  }
  {
    grpc::ClientContext context;
    auto request = GoodCreate();
    request.mutable_groups(0)->set_order_version(kMaxOrderVersion + 1);
    v1::CreateShipmentsResponse response;
    ExpectInvalid(stub_->CreateShipments(&context, request, &response), "groups[0].order_version");
  }
  {
    grpc::ClientContext context;
    v1::CancelShipmentRequest request;
    request.set_request_id("r-1");
    v1::CancelShipmentResponse response;
    ExpectInvalid(stub_->CancelShipment(&context, request, &response), "target");
  }
  {
    grpc::ClientContext context;
    v1::RecordShipmentEventRequest request;
    request.set_shipment_id(kShipmentId);
    request.set_type(v1::SHIPMENT_EVENT_TYPE_PICKED);
    v1::RecordShipmentEventResponse response;
    ExpectInvalid(stub_->RecordShipmentEvent(&context, request, &response), "occurred_at");
  }
  {
    grpc::ClientContext context;
    v1::CreateReturnShipmentRequest request;
    v1::Shipment response;
    ExpectInvalid(stub_->CreateReturnShipment(&context, request, &response), "request_id");
  }
  {
    grpc::ClientContext context;
    v1::CreateReplacementShipmentRequest request;
    request.set_request_id("r-1");
    request.set_shipment_id("42");
    v1::Shipment response;
    ExpectInvalid(stub_->CreateReplacementShipment(&context, request, &response), "shipment_id");
  }
  {
    grpc::ClientContext context;
    v1::CreateReplacementShipmentRequest request;
    request.set_request_id("r-1");
    request.set_shipment_id(kShipmentId);
    request.set_reason(std::string(501, 'x'));
    v1::Shipment response;
    ExpectInvalid(stub_->CreateReplacementShipment(&context, request, &response), "reason");
  }
  {
    grpc::ClientContext context;
    v1::ReportShortPickRequest request;
    request.set_request_id("r-1");
    request.set_shipment_id(kShipmentId);
    auto* missing = request.add_missing();
    missing->set_sku("MUG");
    missing->set_quantity(0);
    v1::Shipment response;
    ExpectInvalid(stub_->ReportShortPick(&context, request, &response), "missing[0].quantity");
  }
  {
    grpc::ClientContext context;
    v1::GetShipmentRequest request;
    request.set_shipment_id("42");
    v1::Shipment response;
    ExpectInvalid(stub_->GetShipment(&context, request, &response), "shipment_id");
  }
  {
    grpc::ClientContext context;
    v1::ListShipmentsRequest request;
    v1::ListShipmentsResponse response;
    ExpectInvalid(stub_->ListShipments(&context, request, &response), "order_id");
  }
  {
    grpc::ClientContext context;
    v1::ListEventsRequest request;
    request.set_after_sequence(-1);
    v1::ListEventsResponse response;
    ExpectInvalid(stub_->ListEvents(&context, request, &response), "after_sequence");
  }
  {
    grpc::ClientContext context;
    v1::StreamEventsRequest request;
    request.set_after_sequence(-5);
    auto reader = stub_->StreamEvents(&context, request);
    v1::OutboxEvent event;
    EXPECT_FALSE(reader->Read(&event));
    ExpectInvalid(reader->Finish(), "after_sequence");
  }
  EXPECT_EQ(use_cases_.calls, 0);
}

TEST_F(ShippingServiceTest, GoodCallsReachTheStore) {
  grpc::ClientContext context;
  v1::CreateShipmentsResponse response;
  ASSERT_TRUE(stub_->CreateShipments(&context, GoodCreate(), &response).ok());
  ASSERT_EQ(response.shipments_size(), 1);
  EXPECT_EQ(response.shipments(0).order_id(), "ord-1");

  grpc::ClientContext get_context;
  v1::GetShipmentRequest get;
  get.set_shipment_id(kShipmentId);
  v1::Shipment shipment;
  ASSERT_TRUE(stub_->GetShipment(&get_context, get, &shipment).ok());
  EXPECT_EQ(shipment.id(), kShipmentId);
  EXPECT_EQ(use_cases_.calls, 2);
}

TEST_F(ShippingServiceTest, StoreErrorsReachTheClientWithTheirReason) {
  use_cases_.next = WithReason(absl::StatusCode::kFailedPrecondition, "DESTINATION_NOT_SERVED",
                               "no carrier serves ZZ");
  grpc::ClientContext context;
  v1::CreateShipmentsResponse response;
  grpc::Status status = stub_->CreateShipments(&context, GoodCreate(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(status)), "DESTINATION_NOT_SERVED");
}

TEST_F(ShippingServiceTest, AReplacementRequestReachesTheUseCasesAndItsRefusalTheClient) {
  v1::CreateReplacementShipmentRequest request;
  request.set_request_id("saga-9:create-replacement");
  request.set_shipment_id(kShipmentId);
  request.set_reason("parcel returned to sender");
  {
    grpc::ClientContext context;
    v1::Shipment response;
    ASSERT_TRUE(stub_->CreateReplacementShipment(&context, request, &response).ok());
    EXPECT_EQ(response.replaces_shipment_id(), kShipmentId);
  }
  use_cases_.next = WithReason(absl::StatusCode::kFailedPrecondition,
                               "SHIPMENT_NOT_RETURNED_TO_SENDER", "shipment_id: it is DELIVERED");
  grpc::ClientContext context;
  v1::Shipment response;
  grpc::Status status = stub_->CreateReplacementShipment(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(status)), "SHIPMENT_NOT_RETURNED_TO_SENDER");
  EXPECT_EQ(use_cases_.calls, 2);
}

TEST_F(ShippingServiceTest, AShortPickReachesTheUseCasesAndItsRefusalTheClient) {
  v1::ReportShortPickRequest request;
  request.set_request_id("gw:short-pick-1");
  request.set_shipment_id(kShipmentId);
  request.set_warehouse_id("11111111-1111-4111-8111-111111111111");
  auto* missing = request.add_missing();
  missing->set_sku("MUG");
  missing->set_quantity(2);
  request.set_note("bin A-3 empty");
  {
    grpc::ClientContext context;
    v1::Shipment response;
    ASSERT_TRUE(stub_->ReportShortPick(&context, request, &response).ok());
    EXPECT_EQ(response.id(), kShipmentId);
    EXPECT_EQ(response.warehouse_id(), request.warehouse_id());
  }
  use_cases_.next = WithReason(absl::StatusCode::kFailedPrecondition, "ALREADY_SHORT_PICKED",
                               "shipment_id: short-picked already");
  grpc::ClientContext context;
  v1::Shipment response;
  grpc::Status status = stub_->ReportShortPick(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(status)), "ALREADY_SHORT_PICKED");
  EXPECT_EQ(use_cases_.calls, 2);
}

// The table lists every method of the service (a server refuses to start otherwise); a
// replacement, like every shipment, is made by order-service's sagas alone, and a short pick is
// reported by warehouses through the gateway alone.
TEST(ShippingServicePeersTest, ListEveryMethodAndLetOnlyOrderServiceCreateShipments) {
  const MethodPeers peers = ShippingServicePeers();
  EXPECT_TRUE(CheckPeerTable(v1::ShippingService::service_full_name(), peers).ok());
  for (const char* create :
       {"CreateShipments", "CreateReturnShipment", "CreateReplacementShipment"}) {
    ASSERT_EQ(peers.count(create), 1u) << create;
    EXPECT_EQ(peers.at(create), std::set<std::string>{peer::kOrderService}) << create;
  }
  ASSERT_EQ(peers.count("ReportShortPick"), 1u);
  EXPECT_EQ(peers.at("ReportShortPick"), std::set<std::string>{peer::kGateway});
}

TEST_F(ShippingServiceTest, EventLimitsAreDefaultedAndCappedAndReadsAreNoted) {
  for (auto [asked, used] :
       {std::pair{0, kDefaultEventsLimit}, std::pair{7, 7}, std::pair{100'000, kMaxEventsLimit}}) {
    grpc::ClientContext context;
    v1::ListEventsRequest request;
    request.set_after_sequence(10);
    request.set_limit(asked);
    v1::ListEventsResponse response;
    ASSERT_TRUE(stub_->ListEvents(&context, request, &response).ok());
    EXPECT_EQ(use_cases_.last_limit, used);
  }
  EXPECT_EQ(hub_.sent_mark(), 13);
  grpc::ClientContext context;
  v1::ListEventsRequest request;
  request.set_limit(-1);
  v1::ListEventsResponse response;
  ExpectInvalid(stub_->ListEvents(&context, request, &response), "limit");
}

TEST_F(ShippingServiceTest, AStreamIsRefusedWhenTheHubIsClosed) {
  hub_.Close();
  grpc::ClientContext context;
  auto reader = stub_->StreamEvents(&context, v1::StreamEventsRequest());
  v1::OutboxEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ShippingServiceTest, ProofsAreCheckedOnTheGrpcThreadBeforeTheUseCases) {
  const std::string png("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR", 16);
  const std::string jpeg("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10);
  {
    grpc::ClientContext context;
    v1::UploadProofRequest request;
    request.set_shipment_id(kShipmentId);
    request.set_content_type("image/png");
    request.set_data(jpeg);
    v1::ProofOfDelivery response;
    ExpectInvalid(stub_->UploadProof(&context, request, &response), "data");
  }
  {
    grpc::ClientContext context;
    v1::UploadProofRequest request;
    request.set_shipment_id(kShipmentId);
    request.set_content_type("image/gif");
    request.set_data("GIF89a");
    v1::ProofOfDelivery response;
    ExpectInvalid(stub_->UploadProof(&context, request, &response), "content_type");
  }
  {
    grpc::ClientContext context;
    v1::GetProofRequest request;
    request.set_shipment_id(kShipmentId);
    request.set_sha256("../../etc/passwd");
    v1::ProofFile response;
    ExpectInvalid(stub_->GetProof(&context, request, &response), "sha256");
  }
  EXPECT_EQ(use_cases_.calls, 0);
  grpc::ClientContext context;
  v1::UploadProofRequest request;
  request.set_shipment_id(kShipmentId);
  request.set_content_type("image/png");
  request.set_data(png);
  v1::ProofOfDelivery response;
  ASSERT_TRUE(stub_->UploadProof(&context, request, &response).ok());
  EXPECT_EQ(response.content_type(), "image/png");
  EXPECT_EQ(use_cases_.calls, 1);
}

}  // namespace
}  // namespace oms::shipping
