// omsctl: the operator's command-line client of the oms services over gRPC. `./oms up` uses it
// to wait for health and to load the demo data; people use it to look around.
#include <cstdio>
#include <string>
#include <thread>

#include <grpcpp/create_channel.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc_credentials.h"
#include "common/transport_flags.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "oms/order/v1/order.grpc.pb.h"
#include "tools/omsctl/check_command.h"
#include "tools/omsctl/demo_data.h"

ABSL_FLAG(std::string, addr, "127.0.0.1:50052", "host:port of the service (health)");
ABSL_FLAG(std::string, service, "", "health: service name to check, \"\" for overall");
ABSL_FLAG(int, wait, 0, "health: keep asking for this many seconds until SERVING");
ABSL_FLAG(std::string, inventory, "127.0.0.1:50052", "host:port of inventory-service");
ABSL_FLAG(std::string, sku, "", "availability: the SKU");
ABSL_FLAG(std::string, orders, "",
          "host:port of order-service; demo-load: also makes the demo customer (none: skipped)");
ABSL_FLAG(std::string, billing, "127.0.0.1:50053", "check: host:port of billing-service");
ABSL_FLAG(std::string, shipping, "127.0.0.1:50054", "check: host:port of shipping-service");
ABSL_FLAG(bool, at_rest, false,
          "check: the suite is at rest (every saga ended, every order final or waiting on a "
          "shipment): every open saga and PENDING order is a violation, every order is "
          "cross-checked");
ABSL_FLAG(int, settle_seconds, 600,
          "check, live: orders that changed within this many seconds are in flight and not "
          "cross-checked; sagas open and orders PENDING longer are violations");
ABSL_FLAG(int, page_size, 200, "check: orders per audit call, 1 to 500");
ABSL_FLAG(std::string, pushgateway, "",
          "check: http(s)://host:port of a Prometheus Pushgateway to push the result to");
ABSL_FLAG(std::string, pushgateway_job, "oms-invariant-check", "check: the Pushgateway job");

namespace {

namespace inv = oms::inventory::v1;
using Clock = std::chrono::system_clock;

constexpr char kUsage[] =
    "omsctl COMMAND [flags]\n"
    "  health --addr=H:P [--service=NAME] [--wait=SECONDS]   exit 0 when SERVING\n"
    "  demo-load --inventory=H:P [--orders=H:P]              load the demo data (idempotent);\n"
    "                                                        --orders: also the demo customer,\n"
    "                                                        printed as `demo customer: <id>`\n"
    "  list-products --inventory=H:P                         the catalog\n"
    "  list-warehouses --inventory=H:P                       the warehouses\n"
    "  availability --inventory=H:P --sku=SKU                stock per warehouse\n"
    "  check --orders=H:P --inventory=H:P --billing=H:P --shipping=H:P [--at_rest]\n"
    "        [--settle_seconds=S] [--pushgateway=URL]        RELIABILITY.md's invariants over\n"
    "                                                        the running suite; exit 1 on a\n"
    "                                                        violation, 2 when a service cannot\n"
    "                                                        be read";

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(Clock::now() + std::chrono::seconds(10));
  return context;
}

// With the certificate of --tls_* (OMS_TLS_*): the omsctl identity, or whichever the pod it runs
// in has; plain text only with --insecure_plaintext.
std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  return grpc::CreateChannel(address, oms::MakeChannelCredentials(oms::DefaultChannelSecurity()));
}

int Fail(const std::string& what, const grpc::Status& status) {
  std::fprintf(stderr, "omsctl: %s: %s (code %d)\n", what.c_str(), status.error_message().c_str(),
               static_cast<int>(status.error_code()));
  return 1;
}

int Health() {
  auto stub = grpc::health::v1::Health::NewStub(Connect(absl::GetFlag(FLAGS_addr)));
  const auto deadline = Clock::now() + std::chrono::seconds(absl::GetFlag(FLAGS_wait));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(absl::GetFlag(FLAGS_service));
  for (;;) {
    grpc::ClientContext context;
    context.set_deadline(Clock::now() + std::chrono::seconds(2));
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    if (status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      std::printf("SERVING\n");
      return 0;
    }
    if (Clock::now() >= deadline) {
      if (!status.ok()) return Fail(absl::StrCat("health of ", absl::GetFlag(FLAGS_addr)), status);
      std::printf(
          "%s\n",
          grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()).c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// Existing warehouses by code, across every page.
std::map<std::string, std::string> WarehouseIds(inv::InventoryService::Stub& stub,
                                                grpc::Status* status) {
  std::map<std::string, std::string> ids;
  inv::ListWarehousesRequest request;
  request.set_page_size(500);
  do {
    inv::ListWarehousesResponse page;
    *status = stub.ListWarehouses(Context().get(), request, &page);
    if (!status->ok()) return ids;
    for (const auto& warehouse : page.warehouses()) ids[warehouse.code()] = warehouse.id();
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return ids;
}

constexpr char kDemoCustomerEmail[] = "demo@oms.example";

// The demo customer's id, by email across every page ("" when there is none yet).
std::string FindCustomer(oms::order::v1::OrderService::Stub& stub, const std::string& email,
                         grpc::Status* status) {
  oms::order::v1::ListCustomersRequest request;
  request.set_page_size(500);
  do {
    oms::order::v1::ListCustomersResponse page;
    *status = stub.ListCustomers(Context().get(), request, &page);
    if (!status->ok()) return "";
    for (const auto& customer : page.customers()) {
      if (customer.email() == email) return customer.id();
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return "";
}

// Finds the demo customer or creates it; prints its id for `./oms up`.
int DemoCustomer(const std::string& address) {
  auto stub = oms::order::v1::OrderService::NewStub(Connect(address));
  grpc::Status status;
  std::string id = FindCustomer(*stub, kDemoCustomerEmail, &status);
  if (!status.ok()) return Fail("list customers", status);
  if (id.empty()) {
    oms::order::v1::CreateCustomerRequest request;
    *request.mutable_customer() = oms::tools::DemoCustomer(kDemoCustomerEmail);
    oms::order::v1::Customer created;
    status = stub->CreateCustomer(Context().get(), request, &created);
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      // Another load made it between our look and our create.
      id = FindCustomer(*stub, kDemoCustomerEmail, &status);
      if (!status.ok()) return Fail("list customers", status);
    } else if (!status.ok()) {
      return Fail("create the demo customer", status);
    } else {
      id = created.id();
    }
  }
  std::printf("demo customer: %s\n", id.c_str());
  return 0;
}

int DemoLoad() {
  auto stub = inv::InventoryService::NewStub(Connect(absl::GetFlag(FLAGS_inventory)));
  for (const auto& warehouse : oms::tools::DemoWarehouses()) {
    inv::CreateWarehouseRequest request;
    *request.mutable_warehouse() = warehouse;
    inv::Warehouse created;
    grpc::Status status = stub->CreateWarehouse(Context().get(), request, &created);
    if (!status.ok() && status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      return Fail("create warehouse " + warehouse.code(), status);
    }
  }
  grpc::Status status;
  auto ids = WarehouseIds(*stub, &status);
  if (!status.ok()) return Fail("list warehouses", status);
  for (const auto& product : oms::tools::DemoProducts()) {
    inv::CreateProductRequest request;
    *request.mutable_product() = product;
    inv::Product created;
    status = stub->CreateProduct(Context().get(), request, &created);
    if (!status.ok() && status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      return Fail("create product " + product.sku(), status);
    }
  }
  for (const auto& stock : oms::tools::DemoStockLevels()) {
    inv::AdjustStockRequest request;
    // A fixed request id per line makes a second load a no-op instead of more stock.
    request.set_request_id(absl::StrCat("demo-load:", stock.warehouse_code, ":", stock.sku));
    request.set_warehouse_id(ids[stock.warehouse_code]);
    request.set_sku(stock.sku);
    request.set_delta(stock.quantity);
    request.set_reason(inv::ADJUSTMENT_REASON_RECEIPT);
    request.set_note("demo data");
    inv::AdjustStockResponse response;
    status = stub->AdjustStock(Context().get(), request, &response);
    if (!status.ok()) return Fail(absl::StrCat("receive ", stock.sku), status);
  }
  std::printf("demo data loaded: %zu warehouses, %zu products, %zu stock lines\n",
              oms::tools::DemoWarehouses().size(), oms::tools::DemoProducts().size(),
              oms::tools::DemoStockLevels().size());
  if (!absl::GetFlag(FLAGS_orders).empty()) return DemoCustomer(absl::GetFlag(FLAGS_orders));
  return 0;
}

int ListProducts() {
  auto stub = inv::InventoryService::NewStub(Connect(absl::GetFlag(FLAGS_inventory)));
  inv::ListProductsRequest request;
  request.set_page_size(100);
  std::printf("%-16s %-20s %12s %8s %s\n", "SKU", "NAME", "PRICE", "WEIGHT", "ACTIVE");
  do {
    inv::ListProductsResponse page;
    grpc::Status status = stub->ListProducts(Context().get(), request, &page);
    if (!status.ok()) return Fail("list products", status);
    for (const auto& p : page.products()) {
      std::printf("%-16s %-20s %8lld.%02lld %s %6lldg %s\n", p.sku().c_str(), p.name().c_str(),
                  static_cast<long long>(p.unit_price().amount_minor() / 100),
                  static_cast<long long>(p.unit_price().amount_minor() % 100),
                  p.unit_price().currency().c_str(), static_cast<long long>(p.weight_grams()),
                  p.active() ? "yes" : "no");
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return 0;
}

int ListWarehouses() {
  auto stub = inv::InventoryService::NewStub(Connect(absl::GetFlag(FLAGS_inventory)));
  grpc::Status status;
  inv::ListWarehousesRequest request;
  request.set_page_size(500);
  inv::ListWarehousesResponse page;
  status = stub->ListWarehouses(Context().get(), request, &page);
  if (!status.ok()) return Fail("list warehouses", status);
  std::printf("%-8s %-20s %-12s %-3s %9s %9s %s  %s\n", "CODE", "NAME", "REGION", "CC", "LAT",
              "LON", "PRIO", "ID");
  for (const auto& w : page.warehouses()) {
    std::printf("%-8s %-20s %-12s %-3s %9.4f %9.4f %4d  %s\n", w.code().c_str(), w.name().c_str(),
                w.region().c_str(), w.address().country().c_str(), w.location().latitude(),
                w.location().longitude(), w.priority(), w.id().c_str());
  }
  return 0;
}

int Availability() {
  auto stub = inv::InventoryService::NewStub(Connect(absl::GetFlag(FLAGS_inventory)));
  inv::GetAvailabilityRequest request;
  request.set_sku(absl::GetFlag(FLAGS_sku));
  inv::GetAvailabilityResponse response;
  grpc::Status status = stub->GetAvailability(Context().get(), request, &response);
  if (!status.ok()) return Fail("availability of " + request.sku(), status);
  std::printf("%-8s %8s %8s %9s\n", "WH", "ON_HAND", "RESERVED", "AVAILABLE");
  for (const auto& level : response.levels()) {
    std::printf("%-8s %8lld %8lld %9lld\n", level.warehouse_code().c_str(),
                static_cast<long long>(level.on_hand()), static_cast<long long>(level.reserved()),
                static_cast<long long>(level.available()));
  }
  std::printf("total available: %lld\n", static_cast<long long>(response.total_available()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  if (absl::Status env = oms::ApplyEnvFallbacks(oms::TransportSecurityEnv()); !env.ok()) {
    std::fprintf(stderr, "omsctl: %s\n", env.ToString().c_str());
    return 2;
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  const std::string command = positional.size() > 1 ? positional[1] : "";
  auto security = oms::TransportSecurityFromFlags();
  if (!security.ok()) {
    std::fprintf(stderr, "omsctl: %s\n", security.status().ToString().c_str());
    return 2;
  }
  oms::SetDefaultChannelSecurity(*security);
  if (command == "health") return Health();
  if (command == "demo-load") return DemoLoad();
  if (command == "list-products") return ListProducts();
  if (command == "list-warehouses") return ListWarehouses();
  if (command == "availability") return Availability();
  if (command == "check") {
    oms::tools::CheckCommand check;
    check.orders = absl::GetFlag(FLAGS_orders);
    check.inventory = absl::GetFlag(FLAGS_inventory);
    check.billing = absl::GetFlag(FLAGS_billing);
    check.shipping = absl::GetFlag(FLAGS_shipping);
    check.at_rest = absl::GetFlag(FLAGS_at_rest);
    check.settle_seconds = absl::GetFlag(FLAGS_settle_seconds);
    check.page_size = absl::GetFlag(FLAGS_page_size);
    check.pushgateway = absl::GetFlag(FLAGS_pushgateway);
    check.job = absl::GetFlag(FLAGS_pushgateway_job);
    return oms::tools::RunCheck(check);
  }
  std::fprintf(stderr, "%s\n", kUsage);
  return 2;
}
