// The handlers through a real gRPC server on an in-process channel, with a fake store: what the
// service validates, what it hands to the store, and how statuses reach the client.
#include "inventory-service/src/inventory_service.h"

#include <chrono>

#include <grpcpp/channel.h>
#include <gtest/gtest.h>

#include "common/grpc_status.h"
#include "common/idempotency.h"
#include "common/metrics.h"
#include "common/pagination.h"
#include "common/peer_policy.h"
#include "common/server.h"
#include "common/status.h"
#include "inventory-service/src/inventory_peers.h"
#include "inventory-service/tests/test_requests.h"

namespace oms::inventory {
namespace {

class FakeStore : public InventoryUseCases {
 public:
  int calls = 0;
  absl::Status next = absl::OkStatus();

  absl::Status CreateProduct(const v1::Product& product, v1::Product* out) override {
    ++calls;
    *out = product;
    return next;
  }
  absl::Status UpdateProduct(const v1::Product& product, const ProductFields& fields,
                             v1::Product* out) override {
    ++calls;
    last_fields = fields;
    *out = product;
    return next;
  }
  absl::Status GetProduct(const std::string& sku, v1::Product* out) override {
    ++calls;
    out->set_sku(sku);
    return next;
  }
  absl::Status BatchGetProducts(const std::vector<std::string>&,
                                v1::BatchGetProductsResponse*) override {
    ++calls;
    return next;
  }
  absl::Status ListProducts(const PageRequest& page, bool, v1::ListProductsResponse*) override {
    ++calls;
    last_page = page;
    return next;
  }
  absl::Status CreateWarehouse(const v1::Warehouse& warehouse, v1::Warehouse* out) override {
    ++calls;
    *out = warehouse;
    return next;
  }
  absl::Status ListWarehouses(const PageRequest& page, v1::ListWarehousesResponse*) override {
    ++calls;
    last_page = page;
    return next;
  }
  absl::Status AdjustStock(const v1::AdjustStockRequest&, v1::AdjustStockResponse*,
                           Outcome*) override {
    ++calls;
    return next;
  }
  absl::Status GetAvailability(const std::string&, v1::GetAvailabilityResponse*) override {
    ++calls;
    return next;
  }
  absl::Status Restock(const v1::RestockReturnRequest&, v1::RestockReturnResponse*,
                       Outcome*) override {
    ++calls;
    return next;
  }

  ProductFields last_fields;
  PageRequest last_page;
};

// Answers every call with `next`; counts calls.
class FakeReservations : public ReservationUseCases {
 public:
  int calls = 0;
  absl::Status next = absl::OkStatus();

  absl::Status Preview(const v1::PlanAllocationRequest&, v1::PlanAllocationResponse*) override {
    return Count();
  }
  absl::Status Reserve(const v1::ReserveStockRequest&, int ttl, v1::Reservation*,
                       Outcome*) override {
    last_ttl = ttl;
    last_deadline = CallDeadlineScope::Current();
    return Count();
  }
  absl::Status Extend(const v1::ExtendReservationRequest&, v1::Reservation*, Outcome*) override {
    return Count();
  }
  absl::Status Commit(const v1::CommitReservationRequest&, v1::Reservation*, Outcome*) override {
    return Count();
  }
  absl::Status Release(const v1::ReleaseReservationRequest&, v1::Reservation*, Outcome*) override {
    return Count();
  }
  absl::Status Resource(const v1::ResourceReservationRequest&, v1::ResourceReservationResponse* out,
                        Outcome*) override {
    *out = resource_answer;
    return Count();
  }
  absl::Status Add(const v1::AddToReservationRequest&, v1::AddToReservationResponse* out,
                   Outcome* outcome) override {
    *out = add_answer;
    outcome->replayed = add_replayed;
    return Count();
  }
  absl::Status CancelBackorders(const v1::CancelBackordersRequest&, v1::CancelBackordersResponse*,
                                Outcome*) override {
    return Count();
  }
  absl::Status ListBackorderFills(int64_t after_sequence, int page_size,
                                  v1::ListBackorderFillsResponse*) override {
    last_fills_page = {after_sequence, page_size};
    return Count();
  }
  absl::Status Get(const std::string&, v1::Reservation*) override { return Count(); }
  absl::StatusOr<Outcome> SweepExpired(int, int*) override { return Outcome{}; }
  absl::Status CheckInvariants(std::chrono::seconds, v1::CheckInvariantsResponse*) override {
    return Count();
  }
  absl::Status AuditOrderFacts(const AuditPage& page, v1::AuditOrderFactsResponse*) override {
    last_audit_page = page;
    return Count();
  }

  int last_ttl = 0;
  v1::ResourceReservationResponse resource_answer;
  v1::AddToReservationResponse add_answer;
  bool add_replayed = false;
  AuditPage last_audit_page;
  std::pair<int64_t, int> last_fills_page;  // (after_sequence, page size) as handed over
  absl::Time last_deadline;                 // the caller's deadline as RunOnce would see it

 private:
  absl::Status Count() {
    ++calls;
    return next;
  }
};

class InventoryServiceTest : public ::testing::Test {
 protected:
  void Start(std::size_t queue_capacity) {
    executor_ = std::make_unique<BoundedExecutor>(2, queue_capacity);
    service_ = std::make_unique<InventoryServiceImpl>(store_, reservations_, inventory_metrics_,
                                                      *executor_, ReservationPolicy{600});
    auto server = GrpcServer::Start(
        {}, {{service_.get(), v1::InventoryService::service_full_name()}}, metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::InventoryService::NewStub(server_->InProcessChannel());
  }
  void SetUp() override { Start(16); }
  void TearDown() override {
    server_->Shutdown();
    executor_->Stop();
  }

  FakeStore store_;
  FakeReservations reservations_;
  Metrics metrics_{"inventory-service", "test"};
  InventoryMetrics inventory_metrics_{metrics_.registry()};
  std::unique_ptr<BoundedExecutor> executor_;
  std::unique_ptr<InventoryServiceImpl> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::InventoryService::Stub> stub_;
};

TEST_F(InventoryServiceTest, BadInputIsRefusedBeforeTheStore) {
  grpc::ClientContext context;
  v1::CreateProductRequest request;
  request.mutable_product()->set_sku("has space");
  v1::Product response;
  grpc::Status status = stub_->CreateProduct(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("product.sku"), std::string::npos);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(status)), "INVALID_FIELD");
  EXPECT_EQ(store_.calls, 0);
}

TEST_F(InventoryServiceTest, StoreErrorsReachTheClientWithTheirReason) {
  store_.next = WithReason(absl::StatusCode::kAlreadyExists, "PRODUCT_EXISTS", "taken");
  grpc::ClientContext context;
  v1::CreateProductRequest request;
  request.mutable_product()->set_sku("SKU-1");
  request.mutable_product()->set_name("Mug");
  request.mutable_product()->mutable_unit_price()->set_currency("EUR");
  v1::Product response;
  grpc::Status status = stub_->CreateProduct(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(status)), "PRODUCT_EXISTS");
  EXPECT_EQ(store_.calls, 1);
}

TEST_F(InventoryServiceTest, UpdatePassesTheMaskedFields) {
  grpc::ClientContext context;
  v1::UpdateProductRequest request;
  request.mutable_product()->set_sku("SKU-1");
  request.mutable_product()->set_name("Big mug");
  request.mutable_update_mask()->add_paths("name");
  v1::Product response;
  ASSERT_TRUE(stub_->UpdateProduct(&context, request, &response).ok());
  EXPECT_EQ(store_.last_fields, ProductFields{"name"});
  EXPECT_EQ(response.name(), "Big mug");
}

// An enum number the proto lacks would otherwise be stored as REJECT without a word.
TEST_F(InventoryServiceTest, AnUnknownBackorderPolicyIsRefusedBeforeTheStore) {
  const auto unknown = static_cast<v1::BackorderPolicy>(9);
  v1::CreateProductRequest create;
  create.mutable_product()->set_sku("SKU-1");
  create.mutable_product()->set_name("Mug");
  create.mutable_product()->mutable_unit_price()->set_currency("EUR");
  create.mutable_product()->set_backorder_policy(unknown);
  v1::Product response;
  grpc::ClientContext create_context;
  EXPECT_EQ(
      testing::FieldOf(FromGrpcStatus(stub_->CreateProduct(&create_context, create, &response))),
      "product.backorder_policy");

  v1::UpdateProductRequest update;
  update.mutable_product()->set_sku("SKU-1");
  update.mutable_product()->set_backorder_policy(unknown);
  update.mutable_update_mask()->add_paths("backorder_policy");
  grpc::ClientContext update_context;
  EXPECT_EQ(
      testing::FieldOf(FromGrpcStatus(stub_->UpdateProduct(&update_context, update, &response))),
      "product.backorder_policy");
  EXPECT_EQ(store_.calls, 0);

  update.mutable_product()->set_backorder_policy(v1::BACKORDER_POLICY_SHIP_AVAILABLE);
  grpc::ClientContext good_context;
  ASSERT_TRUE(stub_->UpdateProduct(&good_context, update, &response).ok());
  EXPECT_EQ(store_.last_fields, ProductFields{"backorder_policy"});
  EXPECT_EQ(response.backorder_policy(), v1::BACKORDER_POLICY_SHIP_AVAILABLE);
}

TEST_F(InventoryServiceTest, PagesAreDecodedAndBounded) {
  {
    grpc::ClientContext context;
    v1::ListProductsRequest request;
    request.set_page_token("garbage");
    v1::ListProductsResponse response;
    grpc::Status status = stub_->ListProducts(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(status.error_message().find("page_token"), std::string::npos);
  }
  grpc::ClientContext context;
  v1::ListWarehousesRequest request;
  request.set_page_size(100000);
  v1::ListWarehousesResponse response;
  ASSERT_TRUE(stub_->ListWarehouses(&context, request, &response).ok());
  EXPECT_EQ(store_.last_page.size, 500);
  EXPECT_EQ(store_.last_page.after, "");
}

TEST_F(InventoryServiceTest, AuditPagesAreBoundedAndDecoded) {
  v1::AuditOrderFactsRequest request;
  request.mutable_page()->set_page_size(kMaxAuditPageSize + 1);
  v1::AuditOrderFactsResponse response;
  grpc::ClientContext refused;
  grpc::Status status = stub_->AuditOrderFacts(&refused, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("page.page_size"), std::string::npos);
  EXPECT_EQ(reservations_.calls, 0);

  request.mutable_page()->set_page_size(0);
  request.mutable_page()->set_page_token(EncodePageToken("order-9"));
  grpc::ClientContext accepted;
  status = stub_->AuditOrderFacts(&accepted, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reservations_.last_audit_page.after, "order-9");
  EXPECT_EQ(reservations_.last_audit_page.size, kDefaultAuditPageSize);
}

TEST_F(InventoryServiceTest, AFullWorkQueueAnswersResourceExhausted) {
  TearDown();
  Start(0);  // no room at all
  grpc::ClientContext context;
  v1::GetProductRequest request;
  request.set_sku("SKU-1");
  v1::Product response;
  EXPECT_EQ(stub_->GetProduct(&context, request, &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(store_.calls, 0);
}

using testing::FieldOf;
using testing::GoodAddToReservation;
using testing::GoodReserve;
using testing::GoodResource;

TEST_F(InventoryServiceTest, ResourceValidatesAndCountsItsMovements) {
  v1::ResourceReservationResponse response;
  v1::ResourceReservationRequest twice = GoodResource();
  *twice.add_lines() = twice.lines(0);
  grpc::ClientContext refused_context;
  grpc::Status refused = stub_->ResourceReservation(&refused_context, twice, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("lines[1].sku"), std::string::npos);
  EXPECT_EQ(reservations_.calls, 0);

  // Two warehouses take over the two units: one line each.
  for (const char* code : {"WAW-1", "LYS-1"}) {
    auto* group = reservations_.resource_answer.mutable_allocation()->add_groups();
    group->set_warehouse_code(code);
    auto* line = group->add_lines();
    line->set_sku("SKU-1");
    line->set_quantity(1);
  }
  grpc::ClientContext context;
  grpc::Status status = stub_->ResourceReservation(&context, GoodResource(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.allocation().groups_size(), 2);
  const std::string text = metrics_.Render();
  for (const char* series : {"oms_inventory_stock_movements_total{kind=\"RELEASE\"} 1",
                             "oms_inventory_stock_movements_total{kind=\"CORRECTION\"} 1",
                             "oms_inventory_stock_movements_total{kind=\"RESERVE\"} 2"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
}

TEST_F(InventoryServiceTest, AddToReservationValidatesAndCountsItsReserves) {
  v1::AddToReservationResponse response;
  v1::AddToReservationRequest bad = GoodAddToReservation();
  bad.mutable_lines(0)->set_quantity(0);
  grpc::ClientContext refused_context;
  grpc::Status refused = stub_->AddToReservation(&refused_context, bad, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("lines[0].quantity"), std::string::npos);
  EXPECT_EQ(reservations_.calls, 0);

  // Berlin holds one more SKU-1 and a new SKU-2, Warsaw the other SKU-1: three RESERVE rows.
  for (auto [code, skus] : {std::pair{"BER-1", std::vector<std::string>{"SKU-1", "SKU-2"}},
                            std::pair{"WAW-1", std::vector<std::string>{"SKU-1"}}}) {
    auto* group = reservations_.add_answer.mutable_allocation()->add_groups();
    group->set_warehouse_code(code);
    for (const auto& sku : skus) {
      auto* line = group->add_lines();
      line->set_sku(sku);
      line->set_quantity(1);
    }
  }
  grpc::ClientContext context;
  grpc::Status status = stub_->AddToReservation(&context, GoodAddToReservation(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.allocation().groups_size(), 2);
  // A replay moved nothing: it is not counted again.
  reservations_.add_replayed = true;
  grpc::ClientContext replay_context;
  ASSERT_TRUE(stub_->AddToReservation(&replay_context, GoodAddToReservation(), &response).ok());
  EXPECT_EQ(reservations_.calls, 2);
  const std::string text = metrics_.Render();
  EXPECT_NE(text.find("oms_inventory_stock_movements_total{kind=\"RESERVE\"} 3"), std::string::npos)
      << text;
}

TEST_F(InventoryServiceTest, ReserveValidatesAndAppliesTheDefaultTtl) {
  v1::Reservation response;
  v1::ReserveStockRequest bad = GoodReserve();
  bad.mutable_lines(0)->set_quantity(0);
  grpc::ClientContext refused_context;
  grpc::Status refused = stub_->ReserveStock(&refused_context, bad, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("lines[0].quantity"), std::string::npos);
  EXPECT_EQ(reservations_.calls, 0);

  v1::ReserveStockRequest both = GoodReserve();
  both.set_product_policies(true);
  both.set_backorder_unavailable(true);
  grpc::ClientContext both_context;
  EXPECT_EQ(FieldOf(FromGrpcStatus(stub_->ReserveStock(&both_context, both, &response))),
            "product_policies");
  EXPECT_EQ(reservations_.calls, 0);

  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ReserveStock(&context, GoodReserve(), &response).ok());
  EXPECT_EQ(reservations_.last_ttl, 600);
}

TEST_F(InventoryServiceTest, InsufficientStockReachesTheClientWithItsShortfallsAndIsCounted) {
  v1::InsufficientStock detail;
  auto* shortfall = detail.add_shortfalls();
  shortfall->set_sku("SKU-1");
  shortfall->set_wanted(2);
  shortfall->set_available(1);
  absl::Status insufficient =
      WithReason(absl::StatusCode::kFailedPrecondition, "INSUFFICIENT_STOCK", "short");
  insufficient.SetPayload("type.googleapis.com/oms.inventory.v1.InsufficientStock",
                          absl::Cord(detail.SerializeAsString()));
  reservations_.next = insufficient;

  grpc::ClientContext context;
  v1::Reservation response;
  grpc::Status status = stub_->ReserveStock(&context, GoodReserve(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  absl::Status back = FromGrpcStatus(status);
  EXPECT_EQ(ReasonOf(back), "INSUFFICIENT_STOCK");
  auto payload = back.GetPayload("type.googleapis.com/oms.inventory.v1.InsufficientStock");
  ASSERT_TRUE(payload.has_value());
  v1::InsufficientStock received;
  ASSERT_TRUE(received.ParseFromString(std::string(*payload)));
  EXPECT_EQ(received.shortfalls(0).available(), 1);

  const std::string text = metrics_.Render();
  EXPECT_NE(text.find("oms_inventory_reservations_total{outcome=\"insufficient_stock\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("oms_inventory_shortfalls_total 1"), std::string::npos);
}

// The fills' page is bounded before the store (0 means 100); CancelBackorders needs both ids.
TEST_F(InventoryServiceTest, BackorderCallsAreValidatedBeforeTheStore) {
  auto list = [&](int64_t after, int size) {
    grpc::ClientContext context;
    v1::ListBackorderFillsRequest request;
    request.set_after_sequence(after);
    request.set_page_size(size);
    v1::ListBackorderFillsResponse response;
    return stub_->ListBackorderFills(&context, request, &response);
  };
  EXPECT_TRUE(list(7, 0).ok());
  EXPECT_EQ(reservations_.last_fills_page, (std::pair<int64_t, int>{7, 100}));
  EXPECT_TRUE(list(0, 500).ok());
  EXPECT_EQ(reservations_.last_fills_page, (std::pair<int64_t, int>{0, 500}));
  EXPECT_EQ(FieldOf(FromGrpcStatus(list(-1, 10))), "after_sequence");
  EXPECT_EQ(FieldOf(FromGrpcStatus(list(0, 501))), "page_size");
  EXPECT_EQ(FieldOf(FromGrpcStatus(list(0, -1))), "page_size");
  EXPECT_EQ(reservations_.calls, 2);

  v1::CancelBackordersRequest cancel;
  cancel.set_order_id("order-1");
  v1::CancelBackordersResponse cancelled;
  grpc::ClientContext no_request_id;
  EXPECT_EQ(FieldOf(FromGrpcStatus(stub_->CancelBackorders(&no_request_id, cancel, &cancelled))),
            "request_id");
  cancel.set_request_id("saga-1:cancel-backorders");
  cancel.clear_order_id();
  grpc::ClientContext no_order_id;
  EXPECT_EQ(FieldOf(FromGrpcStatus(stub_->CancelBackorders(&no_order_id, cancel, &cancelled))),
            "order_id");
  cancel.set_order_id("order-1");
  grpc::ClientContext good;
  EXPECT_TRUE(stub_->CancelBackorders(&good, cancel, &cancelled).ok());
  EXPECT_EQ(reservations_.calls, 3);
}

// The use case runs with the client's deadline in scope, which RunOnce honours: it runs nothing
// once the deadline has passed (reservation_use_cases_test) and bounds its statements.
TEST_F(InventoryServiceTest, AMutationRunsWithinTheCallersDeadline) {
  v1::Reservation response;
  const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(30);
  grpc::ClientContext context;
  context.set_deadline(deadline);
  ASSERT_TRUE(stub_->ReserveStock(&context, GoodReserve(), &response).ok());
  // What the server computes from the timeout the client sent: the same, give or take transit.
  EXPECT_GT(reservations_.last_deadline, absl::FromChrono(deadline) - absl::Seconds(5));
  EXPECT_LT(reservations_.last_deadline, absl::FromChrono(deadline) + absl::Seconds(5));

  grpc::ClientContext no_deadline;
  ASSERT_TRUE(stub_->ReserveStock(&no_deadline, GoodReserve(), &response).ok());
  EXPECT_EQ(reservations_.last_deadline, absl::InfiniteFuture());
}

// The table lists every method of the service (a server refuses to start otherwise); a short
// pick is moved by order-service's saga alone, as every change to a reservation, and so are the
// backorders it queued.
TEST(InventoryServicePeersTest, ListEveryMethodAndLetOnlyOrderServiceMoveAReservation) {
  const MethodPeers peers = InventoryServicePeers();
  EXPECT_TRUE(CheckPeerTable(v1::InventoryService::service_full_name(), peers).ok());
  for (const char* method :
       {"ReserveStock", "CommitReservation", "ReleaseReservation", "ResourceReservation",
        "AddToReservation", "CancelBackorders", "ListBackorderFills"}) {
    ASSERT_EQ(peers.count(method), 1u) << method;
    EXPECT_EQ(peers.at(method), std::set<std::string>{peer::kOrderService}) << method;
  }
}

}  // namespace
}  // namespace oms::inventory
