// Catalog routes: products, warehouses and stock, forwarded to inventory-service. Reads need an
// authenticated caller; writes, costs and per-warehouse stock need catalog:write.
#include "common/validation.h"
#include "gateway/src/auth.h"
#include "gateway/src/backends.h"
#include "gateway/src/forward.h"
#include "gateway/src/gateway.h"
#include "gateway/src/page_params.h"
#include "gateway/src/routes.h"
#include "gateway/src/update_mask.h"

namespace oms::gateway {
namespace {

namespace inv = oms::inventory::v1;

// What a product costs the business and where its stock lies are for those who run the catalog;
// customers and storefronts see prices and what can be ordered.
bool SeesCatalogInternals(const Principal& principal) {
  return principal.HasScope(kScopeCatalogWrite);
}

void ShapeProduct(const Principal& principal, inv::Product* product) {
  if (!SeesCatalogInternals(principal)) product->clear_unit_cost();
}

}  // namespace

absl::Status AddCatalogRoutes(Gateway& gateway, Backends& backends, const RouteOptions& options) {
  inv::InventoryService::Stub* stub = &backends.inventory();
  std::vector<RouteSpec> routes;

  RouteSpec create_product;
  create_product.method = "POST";
  create_product.path = "/v1/products";
  create_product.operation_id = "CreateProduct";
  create_product.summary = "Create a product (body: the Product)";
  create_product.access.scope = kScopeCatalogWrite;
  create_product.body = inv::Product::descriptor();
  create_product.body_excluded = {"createTime", "updateTime"};
  create_product.response = inv::Product::descriptor();
  create_product.success_status = 201;
  create_product.extra_errors = {409};
  create_product.handler = [stub](std::shared_ptr<Exchange> exchange) {
    inv::CreateProductRequest request;
    if (!ParseBodyOrFail(*exchange, request.mutable_product(), exchange->route().body_excluded)) {
      return;
    }
    Forward<inv::Product>(exchange, std::move(request),
                          [stub](auto... args) { stub->async()->CreateProduct(args...); });
  };
  routes.push_back(std::move(create_product));

  RouteSpec list_products;
  list_products.method = "GET";
  list_products.path = "/v1/products";
  list_products.operation_id = "ListProducts";
  list_products.summary = "List products, paginated";
  list_products.query = PageParams();
  list_products.query.push_back(
      {"activeOnly", ParamType::kBoolean, false, "only active products when true"});
  list_products.response = inv::ListProductsResponse::descriptor();
  list_products.handler = [stub](std::shared_ptr<Exchange> exchange) {
    inv::ListProductsRequest request;
    ReadPage(*exchange, &request);
    if (const std::string* active = exchange->query("activeOnly")) {
      request.set_active_only(*active == "true");
    }
    Forward<inv::ListProductsResponse>(
        exchange, std::move(request),
        [stub](auto... args) { stub->async()->ListProducts(args...); },
        [](const Principal& principal, inv::ListProductsResponse* response) {
          for (auto& product : *response->mutable_products()) ShapeProduct(principal, &product);
        });
  };
  routes.push_back(std::move(list_products));

  RouteSpec get_product;
  get_product.method = "GET";
  get_product.path = "/v1/products/{sku}";
  get_product.operation_id = "GetProduct";
  get_product.summary = "Get a product by SKU (unitCost for catalog:write credentials only)";
  get_product.response = inv::Product::descriptor();
  get_product.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!CheckOrFail(*exchange, ValidateSku(exchange->param("sku"), "sku"))) return;
    inv::GetProductRequest request;
    request.set_sku(exchange->param("sku"));
    Forward<inv::Product>(
        exchange, std::move(request), [stub](auto... args) { stub->async()->GetProduct(args...); },
        ShapeProduct);
  };
  routes.push_back(std::move(get_product));

  RouteSpec update_product;
  update_product.method = "PATCH";
  update_product.path = "/v1/products/{sku}";
  update_product.operation_id = "UpdateProduct";
  update_product.summary =
      "Update a product: the body is the Product, updateMask names the fields written (name, "
      "description, unitPrice, unitCost, weightGrams, imageUrl, active, backorderPolicy; all of "
      "them when "
      "absent). 200 with the product as stored";
  update_product.access.scope = kScopeCatalogWrite;
  update_product.query = {UpdateMaskParam()};
  update_product.body = inv::Product::descriptor();
  update_product.body_excluded = {"sku", "createTime", "updateTime"};
  update_product.response = inv::Product::descriptor();
  update_product.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!CheckOrFail(*exchange, ValidateSku(exchange->param("sku"), "sku"))) return;
    inv::UpdateProductRequest request;
    if (!ParseBodyOrFail(*exchange, request.mutable_product(), exchange->route().body_excluded) ||
        !CheckOrFail(*exchange, ReadUpdateMask(*exchange, request.mutable_update_mask()))) {
      return;
    }
    request.mutable_product()->set_sku(exchange->param("sku"));
    Forward<inv::Product>(exchange, std::move(request),
                          [stub](auto... args) { stub->async()->UpdateProduct(args...); });
  };
  routes.push_back(std::move(update_product));

  RouteSpec availability;
  availability.method = "GET";
  availability.path = "/v1/products/{sku}/availability";
  availability.operation_id = "GetAvailability";
  availability.summary =
      "Stock of a SKU: totalAvailable, totalBackordered (units orders wait for), and per "
      "warehouse onHand, reserved, available for catalog:write credentials only";
  availability.response = inv::GetAvailabilityResponse::descriptor();
  availability.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!CheckOrFail(*exchange, ValidateSku(exchange->param("sku"), "sku"))) return;
    inv::GetAvailabilityRequest request;
    request.set_sku(exchange->param("sku"));
    Forward<inv::GetAvailabilityResponse>(
        exchange, std::move(request),
        [stub](auto... args) { stub->async()->GetAvailability(args...); },
        [](const Principal& principal, inv::GetAvailabilityResponse* response) {
          // Where the stock lies and how much is held is the business's own: others learn
          // only how much can be ordered.
          if (!SeesCatalogInternals(principal)) response->clear_levels();
        });
  };
  routes.push_back(std::move(availability));

  RouteSpec create_warehouse;
  create_warehouse.method = "POST";
  create_warehouse.path = "/v1/warehouses";
  create_warehouse.operation_id = "CreateWarehouse";
  create_warehouse.summary = "Create a warehouse (body: the Warehouse; id is assigned)";
  create_warehouse.access.scope = kScopeCatalogWrite;
  create_warehouse.body = inv::Warehouse::descriptor();
  create_warehouse.body_excluded = {"id", "createTime"};
  create_warehouse.response = inv::Warehouse::descriptor();
  create_warehouse.success_status = 201;
  create_warehouse.extra_errors = {409};
  create_warehouse.handler = [stub](std::shared_ptr<Exchange> exchange) {
    inv::CreateWarehouseRequest request;
    if (!ParseBodyOrFail(*exchange, request.mutable_warehouse(), exchange->route().body_excluded)) {
      return;
    }
    Forward<inv::Warehouse>(exchange, std::move(request),
                            [stub](auto... args) { stub->async()->CreateWarehouse(args...); });
  };
  routes.push_back(std::move(create_warehouse));

  RouteSpec list_warehouses;
  list_warehouses.method = "GET";
  list_warehouses.path = "/v1/warehouses";
  list_warehouses.operation_id = "ListWarehouses";
  list_warehouses.summary = "List warehouses, paginated";
  list_warehouses.query = PageParams();
  list_warehouses.response = inv::ListWarehousesResponse::descriptor();
  list_warehouses.handler = [stub](std::shared_ptr<Exchange> exchange) {
    inv::ListWarehousesRequest request;
    ReadPage(*exchange, &request);
    Forward<inv::ListWarehousesResponse>(exchange, std::move(request), [stub](auto... args) {
      stub->async()->ListWarehouses(args...);
    });
  };
  routes.push_back(std::move(list_warehouses));

  RouteSpec adjust;
  adjust.method = "POST";
  adjust.path = "/v1/stock:adjust";
  adjust.operation_id = "AdjustStock";
  adjust.summary =
      "Receive or correct stock: {warehouseId, sku, delta, reason, note}; the Idempotency-Key "
      "header is the request id, so a retry has no second effect";
  adjust.access.scope = kScopeCatalogWrite;
  adjust.idempotency_key = IdempotencyKey::kRequired;
  adjust.body = inv::AdjustStockRequest::descriptor();
  adjust.body_excluded = {"requestId"};
  adjust.response = inv::AdjustStockResponse::descriptor();
  adjust.extra_errors = {404, 409, 422};
  adjust.handler = [stub](std::shared_ptr<Exchange> exchange) {
    inv::AdjustStockRequest request;
    if (!ParseBodyOrFail(*exchange, &request, exchange->route().body_excluded)) return;
    request.set_request_id(*KeyedRequestId(*exchange));
    Forward<inv::AdjustStockResponse>(exchange, std::move(request), [stub](auto... args) {
      stub->async()->AdjustStock(args...);
    });
  };
  routes.push_back(std::move(adjust));

  RouteSpec plan;
  plan.method = "POST";
  plan.path = "/v1/allocations:plan";
  plan.operation_id = "PlanAllocation";
  plan.summary =
      "Where the allocation planner would take an order's lines from, now, without holding "
      "anything: {lines: [{sku, quantity}], destination: {country, region, location}, "
      "strategy}. feasible, the allocation (warehouse groups with their reasons), and a "
      "shortfall per SKU that cannot be covered";
  plan.access.scope = kScopeCatalogWrite;
  plan.body = inv::PlanAllocationRequest::descriptor();
  plan.response = inv::PlanAllocationResponse::descriptor();
  plan.handler = [stub](std::shared_ptr<Exchange> exchange) {
    inv::PlanAllocationRequest request;
    if (!ParseBodyOrFail(*exchange, &request)) return;
    Forward<inv::PlanAllocationResponse>(exchange, std::move(request), [stub](auto... args) {
      stub->async()->PlanAllocation(args...);
    });
  };
  routes.push_back(std::move(plan));

  return AddRoutes(gateway, std::move(routes), "catalog", options.deadline);
}

}  // namespace oms::gateway
