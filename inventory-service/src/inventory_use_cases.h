// The use cases of the catalog, the warehouses and the stock levels: what the handlers call.
// Each runs in one transaction; stock mutations run once per request id (oms::RunOnce) and write
// their ledger rows with their effect. PgInventoryUseCases runs them on PostgreSQL through the
// *_store.h files; handler tests use a fake.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "inventory-service/src/catalog.h"
#include "inventory-service/src/outcome.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms {
class PgPool;
}

namespace oms::inventory {

struct PageRequest {
  std::string after;  // the last key of the previous page, "" for the first
  int size = 50;
};

class InventoryUseCases {
 public:
  virtual ~InventoryUseCases() = default;

  // ALREADY_EXISTS PRODUCT_EXISTS when the SKU is taken.
  [[nodiscard]] virtual absl::Status CreateProduct(const v1::Product& product,
                                                   v1::Product* out) = 0;
  // NOT_FOUND when there is no such SKU.
  [[nodiscard]] virtual absl::Status UpdateProduct(const v1::Product& product,
                                                   const ProductFields& fields,
                                                   v1::Product* out) = 0;
  [[nodiscard]] virtual absl::Status GetProduct(const std::string& sku, v1::Product* out) = 0;
  // The products that exist among `skus`, in that order.
  [[nodiscard]] virtual absl::Status BatchGetProducts(const std::vector<std::string>& skus,
                                                      v1::BatchGetProductsResponse* out) = 0;
  [[nodiscard]] virtual absl::Status ListProducts(const PageRequest& page, bool active_only,
                                                  v1::ListProductsResponse* out) = 0;

  // ALREADY_EXISTS WAREHOUSE_EXISTS when the code is taken.
  [[nodiscard]] virtual absl::Status CreateWarehouse(const v1::Warehouse& warehouse,
                                                     v1::Warehouse* out) = 0;
  [[nodiscard]] virtual absl::Status ListWarehouses(const PageRequest& page,
                                                    v1::ListWarehousesResponse* out) = 0;

  // The level and its ledger row in one transaction, once per request id; NOT_FOUND for an
  // unknown product or warehouse, FAILED_PRECONDITION (STOCK_BELOW_ZERO) when on hand would
  // fall below zero or below what is reserved.
  [[nodiscard]] virtual absl::Status AdjustStock(const v1::AdjustStockRequest& request,
                                                 v1::AdjustStockResponse* out,
                                                 Outcome* outcome) = 0;
  // NOT_FOUND for an unknown product.
  [[nodiscard]] virtual absl::Status GetAvailability(const std::string& sku,
                                                     v1::GetAvailabilityResponse* out) = 0;
  // A return back in a warehouse, once per request id: resellable units go on hand (RESTOCK),
  // damaged ones are only recorded (DAMAGED). NOT_FOUND for an unknown product or warehouse.
  [[nodiscard]] virtual absl::Status Restock(const v1::RestockReturnRequest& request,
                                             v1::RestockReturnResponse* out, Outcome* outcome) = 0;
};

class PgInventoryUseCases final : public InventoryUseCases {
 public:
  explicit PgInventoryUseCases(PgPool& pool) : pool_(pool) {}

  absl::Status CreateProduct(const v1::Product& product, v1::Product* out) override;
  absl::Status UpdateProduct(const v1::Product& product, const ProductFields& fields,
                             v1::Product* out) override;
  absl::Status GetProduct(const std::string& sku, v1::Product* out) override;
  absl::Status BatchGetProducts(const std::vector<std::string>& skus,
                                v1::BatchGetProductsResponse* out) override;
  absl::Status ListProducts(const PageRequest& page, bool active_only,
                            v1::ListProductsResponse* out) override;
  absl::Status CreateWarehouse(const v1::Warehouse& warehouse, v1::Warehouse* out) override;
  absl::Status ListWarehouses(const PageRequest& page, v1::ListWarehousesResponse* out) override;
  absl::Status AdjustStock(const v1::AdjustStockRequest& request, v1::AdjustStockResponse* out,
                           Outcome* outcome) override;
  absl::Status GetAvailability(const std::string& sku, v1::GetAvailabilityResponse* out) override;
  absl::Status Restock(const v1::RestockReturnRequest& request, v1::RestockReturnResponse* out,
                       Outcome* outcome) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::inventory
