// gRPC handlers of oms.inventory.v1.InventoryService: validate, hand the work to the executor,
// map the status. Nothing here touches the database directly.
#pragma once

#include "common/executor.h"
#include "inventory-service/src/inventory_store.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"

namespace oms::inventory {

class InventoryServiceImpl final : public v1::InventoryService::CallbackService {
 public:
  InventoryServiceImpl(InventoryStore& store, BoundedExecutor& executor)
      : store_(store), executor_(executor) {}

  grpc::ServerUnaryReactor* CreateProduct(grpc::CallbackServerContext* context,
                                          const v1::CreateProductRequest* request,
                                          v1::Product* response) override;
  grpc::ServerUnaryReactor* UpdateProduct(grpc::CallbackServerContext* context,
                                          const v1::UpdateProductRequest* request,
                                          v1::Product* response) override;
  grpc::ServerUnaryReactor* GetProduct(grpc::CallbackServerContext* context,
                                       const v1::GetProductRequest* request,
                                       v1::Product* response) override;
  grpc::ServerUnaryReactor* ListProducts(grpc::CallbackServerContext* context,
                                         const v1::ListProductsRequest* request,
                                         v1::ListProductsResponse* response) override;
  grpc::ServerUnaryReactor* CreateWarehouse(grpc::CallbackServerContext* context,
                                            const v1::CreateWarehouseRequest* request,
                                            v1::Warehouse* response) override;
  grpc::ServerUnaryReactor* ListWarehouses(grpc::CallbackServerContext* context,
                                           const v1::ListWarehousesRequest* request,
                                           v1::ListWarehousesResponse* response) override;
  grpc::ServerUnaryReactor* AdjustStock(grpc::CallbackServerContext* context,
                                        const v1::AdjustStockRequest* request,
                                        v1::AdjustStockResponse* response) override;
  grpc::ServerUnaryReactor* GetAvailability(grpc::CallbackServerContext* context,
                                            const v1::GetAvailabilityRequest* request,
                                            v1::GetAvailabilityResponse* response) override;

 private:
  InventoryStore& store_;
  BoundedExecutor& executor_;
};

}  // namespace oms::inventory
