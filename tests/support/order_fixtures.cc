#include "tests/support/order_fixtures.h"

#include <chrono>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "oms/order/v1/order.grpc.pb.h"

namespace oms::testing {
namespace {

namespace inv = oms::inventory::v1;
namespace ord = oms::order::v1;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  return context;
}

absl::Status Failed(const char* what, const grpc::Status& status) {
  return absl::UnknownError(absl::StrCat(what, ": ", status.error_message()));
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> SeedTwoWarehouses(
    const std::shared_ptr<grpc::Channel>& channel, int64_t pack_units, int64_t mug_units) {
  auto inventory = inv::InventoryService::NewStub(channel);
  std::map<std::string, std::string> warehouses;
  for (const auto& [code, latitude] : {std::pair{"HAM-1", 53.55}, std::pair{"MUC-1", 48.14}}) {
    inv::CreateWarehouseRequest request;
    auto* warehouse = request.mutable_warehouse();
    warehouse->set_code(code);
    warehouse->set_name(code);
    warehouse->mutable_address()->set_line1("1 Dock Road");
    warehouse->mutable_address()->set_city("City");
    warehouse->mutable_address()->set_country("DE");
    warehouse->set_region("eu-central");
    warehouse->mutable_location()->set_latitude(latitude);
    warehouse->mutable_location()->set_longitude(10.0);
    inv::Warehouse created;
    grpc::Status status = inventory->CreateWarehouse(Context().get(), request, &created);
    if (!status.ok()) return Failed("CreateWarehouse", status);
    warehouses[code] = created.id();
  }
  for (const auto& [sku, price] : {std::pair{"PACK", 7999}, std::pair{"MUG", 1299}}) {
    inv::CreateProductRequest request;
    request.mutable_product()->set_sku(sku);
    request.mutable_product()->set_name(std::string("Product ") + sku);
    request.mutable_product()->mutable_unit_price()->set_currency("EUR");
    request.mutable_product()->mutable_unit_price()->set_amount_minor(price);
    request.mutable_product()->set_weight_grams(900);
    inv::Product created;
    grpc::Status status = inventory->CreateProduct(Context().get(), request, &created);
    if (!status.ok()) return Failed("CreateProduct", status);
  }
  for (const auto& [code, id] : warehouses) {
    for (const auto& [sku, units] : {std::pair{"PACK", pack_units}, std::pair{"MUG", mug_units}}) {
      inv::AdjustStockRequest receive;
      receive.set_request_id(absl::StrCat("seed:", code, ":", sku));
      receive.set_warehouse_id(id);
      receive.set_sku(sku);
      receive.set_delta(units);
      receive.set_reason(inv::ADJUSTMENT_REASON_RECEIPT);
      inv::AdjustStockResponse received;
      grpc::Status status = inventory->AdjustStock(Context().get(), receive, &received);
      if (!status.ok()) return Failed("AdjustStock", status);
    }
  }
  return warehouses;
}

absl::StatusOr<std::string> CreateHamburgCustomer(const std::shared_ptr<grpc::Channel>& channel,
                                                  const std::string& email) {
  auto orders = ord::OrderService::NewStub(channel);
  ord::CreateCustomerRequest request;
  request.mutable_customer()->set_name("Erika Mustermann");
  request.mutable_customer()->set_email(email);
  auto* address = request.mutable_customer()->add_addresses();
  address->set_kind(ord::ADDRESS_KIND_SHIPPING);
  address->mutable_address()->set_line1("Heidestrasse 17");
  address->mutable_address()->set_city("Hamburg");
  address->mutable_address()->set_country("DE");
  ord::Customer customer;
  grpc::Status status = orders->CreateCustomer(Context().get(), request, &customer);
  if (!status.ok()) return Failed("CreateCustomer", status);
  return customer.id();
}

ord::CreateOrderRequest PackOrder(const std::string& customer_id, const std::string& client_id,
                                  const std::string& key, int64_t packs, const std::string& token,
                                  const std::string& country) {
  ord::CreateOrderRequest request;
  request.set_request_id(key);
  request.set_client_id(client_id);
  request.set_customer_id(customer_id);
  request.set_channel("web");
  request.set_currency("EUR");
  auto* line = request.add_lines();
  line->set_sku("PACK");
  line->set_quantity(packs);
  auto* address = request.mutable_shipping_address();
  address->set_name("Erika Mustermann");
  address->set_line1("Heidestrasse 17");
  address->set_city("Hamburg");
  address->set_postal_code("20095");
  address->set_country(country);
  request.mutable_payment()->set_method("CARD");
  request.mutable_payment()->set_token(token);
  return request;
}

}  // namespace oms::testing
