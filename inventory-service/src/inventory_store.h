// Inventory persistence. The interface lets handler tests run against a fake; PgInventoryStore
// is the PostgreSQL implementation, with its statements in inventory_store.cc.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inventory-service/src/catalog.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::inventory {

struct PageRequest {
  std::string after;  // the last key of the previous page, "" for the first
  int size = 50;
};

class InventoryStore {
 public:
  virtual ~InventoryStore() = default;

  // ALREADY_EXISTS when the SKU is taken.
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

  // ALREADY_EXISTS when the code is taken.
  [[nodiscard]] virtual absl::Status CreateWarehouse(const v1::Warehouse& warehouse,
                                                     v1::Warehouse* out) = 0;
  [[nodiscard]] virtual absl::Status ListWarehouses(const PageRequest& page,
                                                    v1::ListWarehousesResponse* out) = 0;

  // The level and its ledger row in one transaction, once per request id; NOT_FOUND for an
  // unknown product or warehouse, FAILED_PRECONDITION (STOCK_BELOW_ZERO) when on hand would
  // fall below zero or below what is reserved.
  [[nodiscard]] virtual absl::Status AdjustStock(const v1::AdjustStockRequest& request,
                                                 v1::AdjustStockResponse* out) = 0;
  [[nodiscard]] virtual absl::Status GetAvailability(const std::string& sku,
                                                     v1::GetAvailabilityResponse* out) = 0;
};

class PgInventoryStore : public InventoryStore {
 public:
  explicit PgInventoryStore(PgPool& pool) : pool_(pool) {}

  // Every statement this store uses, for the pool to prepare on each connection.
  static const std::vector<PreparedStatement>& Statements();

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
  absl::Status AdjustStock(const v1::AdjustStockRequest& request,
                           v1::AdjustStockResponse* out) override;
  absl::Status GetAvailability(const std::string& sku, v1::GetAvailabilityResponse* out) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::inventory
