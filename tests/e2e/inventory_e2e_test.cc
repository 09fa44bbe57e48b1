// inventory-service as a real process: health, reflection, the catalog and stock through the
// gRPC stubs, its /metrics, and a clean exit on SIGTERM.
#include <filesystem>

#include <grpcpp/channel.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "common/testing/scrape.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "tests/support/service_under_test.h"

namespace oms {
namespace {

namespace inv = oms::inventory::v1;
using testing::SampleValue;
using testing::ServiceUnderTest;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  context->AddMetadata("x-request-id", "e2e-inventory");
  return context;
}

class InventoryE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Reflection is off unless asked for (peer_authorization_e2e_test.cc checks that).
    absl::Status started = service_.Start({{"OMS_GRPC_REFLECTION", "1"}});
    ASSERT_TRUE(started.ok()) << started;
    stub_ = inv::InventoryService::NewStub(service_.channel());
  }

  ServiceUnderTest service_{OMS_INVENTORY_BIN, "OMS_INVENTORY"};
  std::unique_ptr<inv::InventoryService::Stub> stub_;
};

TEST_F(InventoryE2eTest, ReportsHealthPerServiceAndServesReflection) {
  auto health = grpc::health::v1::Health::NewStub(service_.channel());
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("oms.inventory.v1.InventoryService");
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(Context().get(), request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(service_.channel());
  auto context = Context();
  auto stream = reflection->ServerReflectionInfo(context.get());
  grpc::reflection::v1alpha::ServerReflectionRequest list;
  list.set_list_services("");
  ASSERT_TRUE(stream->Write(list));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse listed;
  ASSERT_TRUE(stream->Read(&listed));
  std::vector<std::string> names;
  for (const auto& service : listed.list_services_response().service()) {
    names.push_back(service.name());
  }
  EXPECT_NE(std::find(names.begin(), names.end(), "oms.inventory.v1.InventoryService"),
            names.end());
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(InventoryE2eTest, CreatesCatalogReceivesStockAndReadsAvailability) {
  inv::CreateWarehouseRequest create_warehouse;
  auto* warehouse = create_warehouse.mutable_warehouse();
  warehouse->set_code("BER-1");
  warehouse->set_name("Berlin");
  warehouse->mutable_address()->set_line1("Lagerstr. 1");
  warehouse->mutable_address()->set_city("Berlin");
  warehouse->mutable_address()->set_country("DE");
  warehouse->set_region("eu-central");
  warehouse->mutable_location()->set_latitude(52.52);
  warehouse->mutable_location()->set_longitude(13.405);
  inv::Warehouse created_warehouse;
  ASSERT_TRUE(stub_->CreateWarehouse(Context().get(), create_warehouse, &created_warehouse).ok());
  EXPECT_TRUE(created_warehouse.active());

  inv::CreateProductRequest create_product;
  create_product.mutable_product()->set_sku("MUG-1");
  create_product.mutable_product()->set_name("Mug");
  create_product.mutable_product()->mutable_unit_price()->set_currency("EUR");
  create_product.mutable_product()->mutable_unit_price()->set_amount_minor(1299);
  inv::Product created_product;
  ASSERT_TRUE(stub_->CreateProduct(Context().get(), create_product, &created_product).ok());

  inv::AdjustStockRequest receive;
  receive.set_request_id("receipt-1");
  receive.set_warehouse_id(created_warehouse.id());
  receive.set_sku("MUG-1");
  receive.set_delta(25);
  receive.set_reason(inv::ADJUSTMENT_REASON_RECEIPT);
  inv::AdjustStockResponse received;
  ASSERT_TRUE(stub_->AdjustStock(Context().get(), receive, &received).ok());
  EXPECT_EQ(received.level().on_hand(), 25);
  // A retry of the same receipt is answered, not applied again.
  inv::AdjustStockResponse retried;
  ASSERT_TRUE(stub_->AdjustStock(Context().get(), receive, &retried).ok());
  EXPECT_EQ(retried.movement_id(), received.movement_id());

  inv::GetAvailabilityRequest ask;
  ask.set_sku("MUG-1");
  inv::GetAvailabilityResponse availability;
  ASSERT_TRUE(stub_->GetAvailability(Context().get(), ask, &availability).ok());
  ASSERT_EQ(availability.levels_size(), 1);
  EXPECT_EQ(availability.levels(0).warehouse_code(), "BER-1");
  EXPECT_EQ(availability.levels(0).available(), 25);
  EXPECT_EQ(availability.total_available(), 25);

  // Bad input names the field and changes nothing.
  inv::AdjustStockRequest bad = receive;
  bad.set_request_id("receipt-2");
  bad.set_delta(-1);
  inv::AdjustStockResponse refused;
  grpc::Status status = stub_->AdjustStock(Context().get(), bad, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("delta"), std::string::npos);
  ASSERT_TRUE(stub_->GetAvailability(Context().get(), ask, &availability).ok());
  EXPECT_EQ(availability.total_available(), 25);

  // The calls show in /metrics, which promtool accepts.
  auto metrics =
      testing::HttpGet(absl::StrCat("http://127.0.0.1:", service_.metrics_port(), "/metrics"));
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  const std::string labels =
      R"(grpc_method="AdjustStock",grpc_service="oms.inventory.v1.InventoryService",grpc_type="unary")";
  EXPECT_EQ(*SampleValue(*metrics, "grpc_server_handled_total{grpc_code=\"OK\"," + labels + "}"),
            2);
  EXPECT_EQ(*SampleValue(*metrics,
                         "grpc_server_handled_total{grpc_code=\"InvalidArgument\"," + labels + "}"),
            1);
  EXPECT_EQ(*SampleValue(*metrics, R"(oms_build_info{service="inventory-service",version="dev"})"),
            1);
  EXPECT_TRUE(SampleValue(*metrics, R"(oms_db_pool_connections{state="idle"})").ok());
  EXPECT_TRUE(SampleValue(*metrics, "process_open_fds").ok());
  absl::Status lint = testing::PromtoolCheckMetrics(*metrics);
  EXPECT_TRUE(lint.ok()) << lint;
  // Logs are JSON lines carrying the caller's request id.
  EXPECT_NE(service_.log().find(R"("request_id":"e2e-inventory")"), std::string::npos);
}

TEST_F(InventoryE2eTest, ReservesASplitOrderCommitsAShipmentAndStaysConsistent) {
  std::vector<std::string> warehouse_ids;
  for (const auto& [code, latitude] : {std::pair{"HAM-1", 53.55}, std::pair{"MUC-1", 48.14}}) {
    inv::CreateWarehouseRequest request;
    auto* warehouse = request.mutable_warehouse();
    warehouse->set_code(code);
    warehouse->set_name(code);
    warehouse->mutable_address()->set_line1("1 Road");
    warehouse->mutable_address()->set_city("City");
    warehouse->mutable_address()->set_country("DE");
    warehouse->set_region("eu-central");
    warehouse->mutable_location()->set_latitude(latitude);
    warehouse->mutable_location()->set_longitude(10.0);
    inv::Warehouse created;
    ASSERT_TRUE(stub_->CreateWarehouse(Context().get(), request, &created).ok());
    warehouse_ids.push_back(created.id());
  }
  inv::CreateProductRequest product;
  product.mutable_product()->set_sku("PACK-20");
  product.mutable_product()->set_name("Backpack");
  product.mutable_product()->mutable_unit_price()->set_currency("EUR");
  inv::Product created_product;
  ASSERT_TRUE(stub_->CreateProduct(Context().get(), product, &created_product).ok());
  for (const auto& id : warehouse_ids) {
    inv::AdjustStockRequest receive;
    receive.set_request_id("receive-" + id);
    receive.set_warehouse_id(id);
    receive.set_sku("PACK-20");
    receive.set_delta(5);
    receive.set_reason(inv::ADJUSTMENT_REASON_RECEIPT);
    inv::AdjustStockResponse received;
    ASSERT_TRUE(stub_->AdjustStock(Context().get(), receive, &received).ok());
  }

  inv::ReserveStockRequest reserve;
  reserve.set_request_id("saga-1:reserve");
  reserve.set_order_id("order-1");
  auto* line = reserve.add_lines();
  line->set_sku("PACK-20");
  line->set_quantity(8);
  reserve.mutable_destination()->set_country("DE");
  reserve.mutable_destination()->mutable_location()->set_latitude(53.0);
  reserve.mutable_destination()->mutable_location()->set_longitude(10.0);
  inv::Reservation reservation;
  ASSERT_TRUE(stub_->ReserveStock(Context().get(), reserve, &reservation).ok());
  ASSERT_EQ(reservation.allocation().groups_size(), 2);
  EXPECT_EQ(reservation.allocation().groups(0).warehouse_code(), "HAM-1");  // nearest first
  EXPECT_EQ(reservation.allocation().groups(0).lines(0).quantity(), 5);
  EXPECT_EQ(reservation.allocation().groups(1).lines(0).quantity(), 3);

  // Too much for what is left: refused with the shortfall, nothing held.
  inv::ReserveStockRequest greedy = reserve;
  greedy.set_request_id("saga-2:reserve");
  greedy.set_order_id("order-2");
  greedy.mutable_lines(0)->set_quantity(3);
  inv::Reservation refused;
  grpc::Status status = stub_->ReserveStock(Context().get(), greedy, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("PACK-20 wanted 3, available 2"), std::string::npos)
      << status.error_message();

  inv::CommitReservationRequest commit;
  commit.set_request_id("saga-1:commit:HAM-1");
  commit.set_order_id("order-1");
  auto* shipped = commit.add_lines();
  shipped->set_warehouse_id(reservation.allocation().groups(0).warehouse_id());
  shipped->set_sku("PACK-20");
  shipped->set_quantity(5);
  inv::Reservation after_commit;
  ASSERT_TRUE(stub_->CommitReservation(Context().get(), commit, &after_commit).ok());

  inv::CheckInvariantsResponse invariants;
  ASSERT_TRUE(
      stub_->CheckInvariants(Context().get(), inv::CheckInvariantsRequest(), &invariants).ok());
  EXPECT_EQ(invariants.violations_size(), 0);

  auto metrics =
      testing::HttpGet(absl::StrCat("http://127.0.0.1:", service_.metrics_port(), "/metrics"));
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(*SampleValue(*metrics, R"(oms_inventory_reservations_total{outcome="held"})"), 1);
  EXPECT_EQ(
      *SampleValue(*metrics, R"(oms_inventory_reservations_total{outcome="insufficient_stock"})"),
      1);
  EXPECT_EQ(*SampleValue(*metrics, R"(oms_inventory_allocation_warehouses_bucket{le="1"})"), 0);
  EXPECT_EQ(*SampleValue(*metrics, R"(oms_inventory_allocation_warehouses_bucket{le="2"})"), 1);
  EXPECT_EQ(*SampleValue(*metrics, R"(oms_inventory_stock_movements_total{kind="COMMIT"})"), 1);
  EXPECT_EQ(*SampleValue(*metrics, "oms_inventory_invariant_violations"), 0);
  absl::Status lint = testing::PromtoolCheckMetrics(*metrics);
  EXPECT_TRUE(lint.ok()) << lint;
}

TEST_F(InventoryE2eTest, ExitsCleanlyOnSigterm) {
  auto status = service_.process().Stop(SIGTERM, std::chrono::seconds(20));
  ASSERT_TRUE(status.ok()) << status.status() << service_.log();
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0) << service_.log();
  EXPECT_NE(service_.log().find("\"message\":\"stopped\""), std::string::npos) << service_.log();
  // Nothing listens on its ports any more.
  EXPECT_FALSE(
      testing::HttpGet(absl::StrCat("http://127.0.0.1:", service_.metrics_port(), "/metrics"))
          .ok());
}

TEST(InventoryStartupTest, FailsFastWithAClearMessageWhenTheDatabaseIsUnreachable) {
  testing::ChildProcess process;
  const std::string dir = testing::MakeTempDir();
  ASSERT_TRUE(process
                  .Start(OMS_INVENTORY_BIN, {},
                         {{"OMS_INVENTORY_PORT", "0"},
                          {"OMS_INVENTORY_METRICS_PORT", "0"},
                          {"OMS_INVENTORY_DATABASE_URL",
                           "postgresql://nobody:wrong@127.0.0.1:1/none?connect_timeout=2"}},
                         dir + "/log")
                  .ok());
  auto status = process.WaitForExit(std::chrono::seconds(20));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_NE(testing::ReadFile(dir + "/log").find("cannot start"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace oms
