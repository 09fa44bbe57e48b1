// The order service's handlers on a real gRPC server over an in-process channel, with fake
// stores and the real coordinator on a fake saga store: bad input refused naming its field with
// nothing read or changed; a cancellation, a return and an operator's retry starting or resuming
// their saga at once; the stores' refusals answered as they are.
#include "order-service/src/order_service.h"

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "common/pagination.h"
#include "common/status.h"
#include "google/protobuf/util/time_util.h"
#include "order-service/tests/peer_fakes.h"
#include "order-service/tests/saga_fakes.h"

namespace oms::order {
namespace {

const std::string kOrderId = "11111111-2222-3333-4444-555555555555";
const std::string kSagaId = "99999999-8888-7777-6666-555555555555";
const std::string kCustomerId = "22222222-3333-4444-5555-666666666666";

// No order is there yet; the one customer is kCustomerId.
class FakeOrders : public OrderRepository {
 public:
  absl::StatusOr<std::optional<InsertedOrder>> FindExisting(const v1::CreateOrderRequest& request,
                                                            const std::string&) override {
    if (request.customer_id() != kCustomerId) {
      return absl::NotFoundError("customer_id: customer " + request.customer_id() +
                                 " does not exist");
    }
    return std::optional<InsertedOrder>();
  }
  absl::StatusOr<InsertedOrder> InsertOrder(const v1::Order&, const v1::CreateOrderRequest&,
                                            const std::string&, std::chrono::milliseconds,
                                            const SagaLease&) override {
    ++inserts;
    return absl::UnimplementedError("not in these tests");
  }
  absl::Status GetOrder(const std::string& id, v1::Order* out) override {
    ++reads;
    if (id != kOrderId) return absl::NotFoundError("order " + id + " does not exist");
    out->set_id(id);
    out->set_status(v1::ORDER_STATUS_CONFIRMED);
    return absl::OkStatus();
  }
  absl::Status ListOrders(const OrderFilter&, v1::ListOrdersResponse*) override {
    ++reads;
    return absl::OkStatus();
  }
  absl::Status OrderEvents(const std::string&, v1::OrderTimeline*, SourcePositions*) override {
    ++reads;
    return absl::OkStatus();
  }
  int reads = 0;
  int inserts = 0;
};

class FakeCancels : public CancelStore {
 public:
  absl::StatusOr<StartedCancel> StartCancel(const std::string& order_id,
                                            const std::string& reason) override {
    started.push_back(order_id + " " + reason);
    return answer;
  }
  absl::StatusOr<StartedCancel> answer = StartedCancel{kSagaId, true};
  std::vector<std::string> started;
};

class FakeEdits : public EditStore {
 public:
  absl::StatusOr<StartedEdit> FindEdit(const std::string&, const std::string&) override {
    return StartedEdit{};
  }
  absl::StatusOr<StartedEdit> StartEdit(const std::string&, const v1::EditPlan&) override {
    return absl::FailedPreconditionError("not in these tests");
  }
};

class FakeDecisions : public ParcelDecisions {
 public:
  absl::StatusOr<StartedDecision> StartReship(const v1::ReshipShipmentRequest& request) override {
    started.push_back("reship " + request.shipment_id());
    return absl::FailedPreconditionError("not in these tests");
  }
  absl::StatusOr<StartedDecision> StartRefund(const v1::RefundShipmentRequest& request) override {
    started.push_back("refund " + request.shipment_id());
    return absl::FailedPreconditionError("not in these tests");
  }
  std::vector<std::string> started;
};

class FakeAudit : public AuditStore {
 public:
  absl::Status AuditOrders(const AuditPage& page, v1::AuditOrdersResponse*) override {
    pages.push_back(page);
    return absl::OkStatus();
  }
  std::vector<AuditPage> pages;
};

class FakeFeed : public EventFeed {
 public:
  absl::Status ReadFeed(const FeedPosition& after, int limit,
                        v1::ListEventsResponse* out) override {
    reads.push_back({after, limit});
    if (auto next = next_recorded.find(after.xact); next != next_recorded.end()) {
      *out->add_events()->mutable_event()->mutable_recorded_time() = next->second;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<FeedFollower>> Followers(int limit) override {
    follower_limits.push_back(limit);
    return followers;
  }
  std::vector<std::pair<FeedPosition, int>> reads;
  // When the event after a position in transaction `xact` was recorded (none: no event after).
  std::map<int64_t, google::protobuf::Timestamp> next_recorded;
  std::vector<FeedFollower> followers;
  std::vector<int> follower_limits;
};

class UnusedNotifications : public NotificationLog {
 public:
  absl::Status List(const std::string&, v1::ListNotificationsResponse*) override {
    return absl::UnimplementedError("not in these tests");
  }
};

class UnusedWebhooks : public WebhookStore {
 public:
  absl::Status Create(const v1::CreateWebhookRequest&, const std::string&, v1::Webhook*) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::Status List(const std::string&, int, v1::ListWebhooksResponse*) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::Status Delete(const std::string&, v1::Webhook*) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::Status ListDeliveries(const std::string&, const std::string&, int,
                              v1::ListWebhookDeliveriesResponse*) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::Status Redeliver(const std::string&, const std::string&, v1::WebhookDelivery*) override {
    return absl::UnimplementedError("not in these tests");
  }
};

class FakeReturns : public ReturnStore {
 public:
  absl::StatusOr<StartedReturn> StartReturn(const v1::CreateReturnRequest& request) override {
    ++starts;
    StartedReturn started{{}, kSagaId, true};
    started.ret.set_order_id(request.order_id());
    started.ret.set_status(v1::RETURN_STATUS_REQUESTED);
    return started;
  }
  absl::StatusOr<StartedReturn> StartReceive(const v1::ReceiveReturnRequest&) override {
    ++starts;
    return absl::UnimplementedError("not in these tests");
  }
  absl::Status GetReturn(const std::string&, v1::Return*) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::Status ListReturns(const std::string&, v1::ListReturnsResponse*) override {
    return absl::UnimplementedError("not in these tests");
  }
  int starts = 0;
};

class FakeSagaOperations : public SagaOperations {
 public:
  absl::Status ListStuckSagas(int, v1::ListStuckSagasResponse*) override {
    return absl::OkStatus();
  }
  absl::Status OperateSaga(const std::string& saga_id, bool resolve, const std::string& note,
                           v1::Saga* out) override {
    operated.push_back(saga_id + (resolve ? " resolve " : " retry ") + note);
    out->set_id(saga_id);
    out->set_phase(resolve ? "COMPLETED" : "RUNNING");
    return absl::OkStatus();
  }
  std::vector<std::string> operated;
};

// One customer, read-only: the handlers under test only read customers.
class OneCustomer : public CustomerStore {
 public:
  absl::Status CreateCustomer(const v1::Customer&, v1::Customer*) override { return Unused(); }
  absl::Status GetCustomer(const std::string& id, v1::Customer* out) override {
    if (id != kCustomerId) return absl::NotFoundError("customer " + id + " does not exist");
    out->set_id(id);
    return absl::OkStatus();
  }
  absl::Status UpdateCustomer(
      const std::string&, const std::function<absl::StatusOr<v1::Customer>(const v1::Customer&)>&,
      v1::Customer*) override {
    return Unused();
  }
  absl::Status ListCustomers(const std::string&, int, CustomerPage*) override { return Unused(); }

 private:
  static absl::Status Unused() { return absl::UnimplementedError("not in these tests"); }
};

class UnusedApiKeys : public ApiKeyStore {
 public:
  absl::Status Create(const v1::CreateApiKeyRequest&, const std::string&, v1::ApiKey*) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::Status Revoke(const std::string&, v1::ApiKey*) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::Status Verify(const std::string&, v1::ApiKey*) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::Status List(const std::string&, int, ApiKeyPage*) override {
    return absl::UnimplementedError("not in these tests");
  }
};

class OrderServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CoordinatorOptions options;
    options.owner = "replica-a";
    options.workers = 1;
    coordinator_ =
        std::make_unique<Coordinator>(saga_store_, participants_, waiters_, metrics_, options);
    service_ = std::make_unique<OrderServiceImpl>(
        OrderStores{operations_, customers_, orders_, returns_, cancels_, api_keys_, audit_, feed_,
                    webhooks_, notifications_, decisions_, edits_},
        OrderPeers{inventory_, billing_, shipping_}, *coordinator_, waiters_, metrics_, executor_,
        watchers_, webhook_networks_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::OrderService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    server_->Shutdown();
    coordinator_->Stop();
  }

  FakeOrders orders_;
  FakeCancels cancels_;
  FakeEdits edits_;
  FakeDecisions decisions_;
  FakeReturns returns_;
  FakeSagaOperations operations_;
  OneCustomer customers_;
  UnusedApiKeys api_keys_;
  FakeAudit audit_;
  FakeFeed feed_;
  UnusedWebhooks webhooks_;
  UnusedNotifications notifications_;
  NetworkAllowList webhook_networks_;
  FakeInventoryClient inventory_;
  FakeBillingClient billing_;
  FakeShippingClient shipping_;
  FakeSagaStore saga_store_;
  FakeParticipants participants_;
  prometheus::Registry registry_;
  OrderMetrics metrics_{registry_};
  OrderWaiters waiters_;
  BoundedExecutor executor_{2, 64};
  WakeHub watchers_{16};
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<OrderServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::OrderService::Stub> stub_;
};

TEST_F(OrderServiceTest, AMalformedOrderIdIsRefusedNamingTheFieldAndNothingIsRead) {
  grpc::ClientContext context;
  v1::GetOrderRequest request;
  request.set_id("not-an-id");
  v1::Order order;
  grpc::Status status = stub_->GetOrder(&context, request, &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "id")) << status.error_message();
  EXPECT_EQ(orders_.reads, 0);
}

TEST_F(OrderServiceTest, AuditPagesAreBoundedAndTheirCursorMustBeAnOrderId) {
  v1::AuditOrdersRequest request;
  v1::AuditOrdersResponse response;
  request.mutable_page()->set_page_size(kMaxAuditPageSize + 1);
  grpc::ClientContext too_large;
  grpc::Status status = stub_->AuditOrders(&too_large, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "page.page_size")) << status.error_message();

  request.mutable_page()->set_page_size(10);
  request.mutable_page()->set_page_token(EncodePageToken("not-an-order-id"));
  grpc::ClientContext not_an_id;
  status = stub_->AuditOrders(&not_an_id, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "page.page_token"))
      << status.error_message();
  EXPECT_TRUE(audit_.pages.empty());

  request.mutable_page()->set_page_token(EncodePageToken(kOrderId));
  grpc::ClientContext accepted;
  ASSERT_TRUE(stub_->AuditOrders(&accepted, request, &response).ok());
  ASSERT_EQ(audit_.pages.size(), 1u);
  EXPECT_EQ(audit_.pages[0].after, kOrderId);
  EXPECT_EQ(audit_.pages[0].size, 10);
}

TEST_F(OrderServiceTest, TheFeedReadsFromAWellFormedCursorOnlyAndBoundsItsPages) {
  v1::ListEventsResponse response;
  for (const char* bad : {"12", "12.3.5", "12.0.-1", "012.0.5", "a.b.c", "1.0.5.", " 1.0.5"}) {
    v1::ListEventsRequest request;
    request.set_after(bad);
    grpc::ClientContext context;
    grpc::Status status = stub_->ListEvents(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_TRUE(absl::StartsWith(status.error_message(), "after")) << status.error_message();
  }
  EXPECT_TRUE(feed_.reads.empty());

  v1::ListEventsRequest request;
  request.set_after("812.1.40");
  request.set_page_size(kMaxPageSize + 1);
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ListEvents(&context, request, &response).ok());
  request.clear_after();
  request.clear_page_size();
  grpc::ClientContext from_the_start;
  ASSERT_TRUE(stub_->ListEvents(&from_the_start, request, &response).ok());
  ASSERT_EQ(feed_.reads.size(), 2u);
  EXPECT_EQ(feed_.reads[0].first.xact, 812);
  EXPECT_EQ(feed_.reads[0].first.source, FeedSource::kSaga);
  EXPECT_EQ(feed_.reads[0].first.row_id, 40);
  EXPECT_EQ(feed_.reads[0].second, kMaxPageSize);
  EXPECT_EQ(feed_.reads[1].first.xact, 0);
  EXPECT_EQ(feed_.reads[1].second, kDefaultPageSize);
}

// Each follower's lag is the age of the first event after its position; a follower at the end
// of the feed has none.
TEST_F(OrderServiceTest, TheConsumerLagIsTheAgeOfEachFollowersNextEvent) {
  feed_.followers = {{"customer-notifier", FeedPosition{70, FeedSource::kStatus, 3}},
                     {"webhook:w-1", FeedPosition{90, FeedSource::kShipment, 1}}};
  feed_.next_recorded[70] = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(absl::Now() - absl::Seconds(90)));
  v1::GetConsumerLagResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetConsumerLag(&context, v1::GetConsumerLagRequest(), &response).ok());
  ASSERT_EQ(response.consumers_size(), 3) << response.ShortDebugString();
  EXPECT_EQ(response.consumers(0).consumer(), "shipping-events");
  EXPECT_EQ(response.consumers(1).consumer(), "customer-notifier");
  EXPECT_GE(response.consumers(1).lag_seconds(), 90);
  EXPECT_LT(response.consumers(1).lag_seconds(), 120);
  EXPECT_EQ(response.consumers(2).consumer(), "webhook:w-1");
  EXPECT_EQ(response.consumers(2).lag_seconds(), 0);
  EXPECT_EQ(response.max_lag_seconds(), response.consumers(1).lag_seconds());
  EXPECT_EQ(feed_.follower_limits, std::vector<int>{kMaxFeedFollowersShown});
  ASSERT_EQ(feed_.reads.size(), 2u);
  EXPECT_EQ(feed_.reads[1].first.source, FeedSource::kShipment);
  EXPECT_EQ(feed_.reads[1].second, 1);
}

TEST_F(OrderServiceTest, ADecisionOnAParcelNamesTheFieldItRefusesAndStartsNothing) {
  for (auto [shipment_id, note, field] :
       {std::tuple<std::string, std::string, std::string>{"s-1", "", "shipment_id"},
        {"0b4c7f6e-8d2a-4c55-9a51-3f6f0f1d2e3a", std::string(501, 'n'), "note"}}) {
    v1::ReshipShipmentRequest reship;
    reship.set_shipment_id(shipment_id);
    reship.set_note(note);
    v1::RefundShipmentRequest refund;
    refund.set_shipment_id(shipment_id);
    refund.set_note(note);
    v1::Order response;
    grpc::ClientContext reship_context;
    grpc::ClientContext refund_context;
    for (const grpc::Status& status : {stub_->ReshipShipment(&reship_context, reship, &response),
                                       stub_->RefundShipment(&refund_context, refund, &response)}) {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
      EXPECT_TRUE(absl::StartsWith(status.error_message(), field)) << status.error_message();
    }
  }
  EXPECT_TRUE(decisions_.started.empty());
}

TEST_F(OrderServiceTest, GetOrderAnswersTheStoredOrderOrNotFound) {
  v1::GetOrderRequest request;
  request.set_id(kOrderId);
  v1::Order order;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetOrder(&context, request, &order).ok());
  EXPECT_EQ(order.id(), kOrderId);
  EXPECT_EQ(order.status(), v1::ORDER_STATUS_CONFIRMED);
  request.set_id("11111111-2222-3333-4444-000000000000");
  grpc::ClientContext missing;
  EXPECT_EQ(stub_->GetOrder(&missing, request, &order).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(OrderServiceTest, ACancellationStartsItsSagaAtOnceAndAnswersTheOrder) {
  v1::CancelOrderRequest request;
  request.set_id(kOrderId);
  request.set_reason("changed my mind");
  v1::Order order;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->CancelOrder(&context, request, &order).ok());
  EXPECT_EQ(order.id(), kOrderId);
  EXPECT_EQ(cancels_.started, std::vector<std::string>{kOrderId + " changed my mind"});
  EXPECT_TRUE(
      Eventually([&] { return saga_store_.Kicked() == std::vector<std::string>{kSagaId}; }));
}

TEST_F(OrderServiceTest, ACancellationTheStoreRefusesIsAnsweredAsRefusedAndStartsNothing) {
  cancels_.answer = WithReason(absl::StatusCode::kFailedPrecondition, "ORDER_NOT_CONFIRMED",
                               "the order is still being placed");
  v1::CancelOrderRequest request;
  request.set_id(kOrderId);
  v1::Order order;
  grpc::ClientContext context;
  grpc::Status status = stub_->CancelOrder(&context, request, &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  coordinator_->Stop();  // every kick has been handled
  EXPECT_TRUE(saga_store_.Kicked().empty());
}

TEST_F(OrderServiceTest, AReturnStartsItsSagaAtOnce) {
  v1::CreateReturnRequest request;
  request.set_request_id("return-1");
  request.set_order_id(kOrderId);
  auto* line = request.add_lines();
  line->set_sku("BACKPACK-20L");
  line->set_quantity(1);
  v1::Return ret;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->CreateReturn(&context, request, &ret).ok());
  EXPECT_EQ(ret.order_id(), kOrderId);
  EXPECT_EQ(returns_.starts, 1);
  EXPECT_TRUE(
      Eventually([&] { return saga_store_.Kicked() == std::vector<std::string>{kSagaId}; }));
}

TEST_F(OrderServiceTest, AnOperatorRetryResumesTheSagaAndAResolutionNeedsANote) {
  v1::RetrySagaRequest retry;
  retry.set_saga_id(kSagaId);
  v1::Saga saga;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->RetrySaga(&context, retry, &saga).ok());
  EXPECT_EQ(operations_.operated, std::vector<std::string>{kSagaId + " retry "});
  EXPECT_TRUE(
      Eventually([&] { return saga_store_.Kicked() == std::vector<std::string>{kSagaId}; }));

  v1::ResolveSagaRequest resolve;
  resolve.set_saga_id(kSagaId);
  grpc::ClientContext no_note;
  grpc::Status status = stub_->ResolveSaga(&no_note, resolve, &saga);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "note")) << status.error_message();
  EXPECT_EQ(operations_.operated.size(), 1u);
}

v1::CreateOrderRequest OrderRequest(const std::string& customer_id) {
  v1::CreateOrderRequest request;
  request.set_request_id("key-1");
  request.set_client_id("client-1");
  request.set_customer_id(customer_id);
  request.set_channel("web");
  request.set_currency("EUR");
  auto* line = request.add_lines();
  line->set_sku("PACK");
  line->set_quantity(2);
  auto* address = request.mutable_shipping_address();
  address->set_name("Erika Mustermann");
  address->set_line1("Heidestrasse 17");
  address->set_city("Hamburg");
  address->set_postal_code("20095");
  address->set_country("DE");
  request.mutable_payment()->set_method("CARD");
  request.mutable_payment()->set_token("tok_visa");
  return request;
}

TEST_F(OrderServiceTest, AnOrderForAnUnknownCustomerIsRefusedBeforeAnyPeerIsAsked) {
  grpc::ClientContext context;
  v1::Order order;
  grpc::Status status =
      stub_->CreateOrder(&context, OrderRequest("22222222-3333-4444-5555-000000000000"), &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "customer_id")) << status.error_message();
  EXPECT_TRUE(inventory_.Calls().empty());
  EXPECT_EQ(orders_.inserts, 0);
}

TEST_F(OrderServiceTest, AnOrderWhoseCatalogCannotBeReadIsUnavailableAndStoresNothing) {
  inventory_.Script<inventory::v1::BatchGetProductsResponse>(
      "BatchGetProducts", grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"));
  grpc::ClientContext context;
  v1::Order order;
  grpc::Status status = stub_->CreateOrder(&context, OrderRequest(kCustomerId), &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(inventory_.Calls().size(), 1u);
  EXPECT_TRUE(billing_.Calls().empty());  // no tax quote without a catalog
  EXPECT_EQ(orders_.inserts, 0);
}

TEST_F(OrderServiceTest, AnOrderOfAnUnknownSkuIsRefusedNamingTheLineAndStoresNothing) {
  // The catalog knows none of the SKUs: an empty answer.
  grpc::ClientContext context;
  v1::Order order;
  grpc::Status status = stub_->CreateOrder(&context, OrderRequest(kCustomerId), &order);
  EXPECT_NE(status.error_code(), grpc::StatusCode::OK);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "lines[0]")) << status.error_message();
  EXPECT_TRUE(billing_.Calls().empty());
  EXPECT_EQ(orders_.inserts, 0);
}

}  // namespace
}  // namespace oms::order
