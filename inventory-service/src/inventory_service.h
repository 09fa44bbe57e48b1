// gRPC handlers of oms.inventory.v1.InventoryService: validate, hand the use case
// (inventory_use_cases.h, reservation_use_cases.h) to the executor, count outcomes, map the status.
// Nothing here touches the database directly.
#pragma once

#include <chrono>

#include "common/executor.h"
#include "inventory-service/src/inventory_metrics.h"
#include "inventory-service/src/inventory_use_cases.h"
#include "inventory-service/src/reservation_use_cases.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"

namespace oms::inventory {

struct ReservationPolicy {
  int default_ttl_seconds = 900;
  // CheckInvariants tolerates held reservations this far past their expiry (two sweeps).
  std::chrono::seconds expiry_grace{10};
};

// Catalog handlers live in inventory_service.cc, reservation handlers in
// reservation_handlers.cc, backorder handlers in backorder_handlers.cc.
class InventoryServiceImpl final : public v1::InventoryService::CallbackService {
 public:
  InventoryServiceImpl(InventoryUseCases& inventory, ReservationUseCases& reservations,
                       InventoryMetrics& metrics, BoundedExecutor& executor,
                       ReservationPolicy policy)
      : inventory_(inventory),
        reservations_(reservations),
        metrics_(metrics),
        executor_(executor),
        policy_(policy) {}

  grpc::ServerUnaryReactor* CreateProduct(grpc::CallbackServerContext* context,
                                          const v1::CreateProductRequest* request,
                                          v1::Product* response) override;
  grpc::ServerUnaryReactor* UpdateProduct(grpc::CallbackServerContext* context,
                                          const v1::UpdateProductRequest* request,
                                          v1::Product* response) override;
  grpc::ServerUnaryReactor* GetProduct(grpc::CallbackServerContext* context,
                                       const v1::GetProductRequest* request,
                                       v1::Product* response) override;
  grpc::ServerUnaryReactor* BatchGetProducts(grpc::CallbackServerContext* context,
                                             const v1::BatchGetProductsRequest* request,
                                             v1::BatchGetProductsResponse* response) override;
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

  grpc::ServerUnaryReactor* PlanAllocation(grpc::CallbackServerContext* context,
                                           const v1::PlanAllocationRequest* request,
                                           v1::PlanAllocationResponse* response) override;
  grpc::ServerUnaryReactor* ReserveStock(grpc::CallbackServerContext* context,
                                         const v1::ReserveStockRequest* request,
                                         v1::Reservation* response) override;
  grpc::ServerUnaryReactor* ExtendReservation(grpc::CallbackServerContext* context,
                                              const v1::ExtendReservationRequest* request,
                                              v1::Reservation* response) override;
  grpc::ServerUnaryReactor* CommitReservation(grpc::CallbackServerContext* context,
                                              const v1::CommitReservationRequest* request,
                                              v1::Reservation* response) override;
  grpc::ServerUnaryReactor* ReleaseReservation(grpc::CallbackServerContext* context,
                                               const v1::ReleaseReservationRequest* request,
                                               v1::Reservation* response) override;
  grpc::ServerUnaryReactor* ResourceReservation(grpc::CallbackServerContext* context,
                                                const v1::ResourceReservationRequest* request,
                                                v1::ResourceReservationResponse* response) override;
  grpc::ServerUnaryReactor* AddToReservation(grpc::CallbackServerContext* context,
                                             const v1::AddToReservationRequest* request,
                                             v1::AddToReservationResponse* response) override;
  grpc::ServerUnaryReactor* GetReservation(grpc::CallbackServerContext* context,
                                           const v1::GetReservationRequest* request,
                                           v1::Reservation* response) override;
  grpc::ServerUnaryReactor* RestockReturn(grpc::CallbackServerContext* context,
                                          const v1::RestockReturnRequest* request,
                                          v1::RestockReturnResponse* response) override;
  grpc::ServerUnaryReactor* CheckInvariants(grpc::CallbackServerContext* context,
                                            const v1::CheckInvariantsRequest* request,
                                            v1::CheckInvariantsResponse* response) override;
  grpc::ServerUnaryReactor* AuditOrderFacts(grpc::CallbackServerContext* context,
                                            const v1::AuditOrderFactsRequest* request,
                                            v1::AuditOrderFactsResponse* response) override;

  grpc::ServerUnaryReactor* ListBackorderFills(grpc::CallbackServerContext* context,
                                               const v1::ListBackorderFillsRequest* request,
                                               v1::ListBackorderFillsResponse* response) override;
  grpc::ServerUnaryReactor* CancelBackorders(grpc::CallbackServerContext* context,
                                             const v1::CancelBackordersRequest* request,
                                             v1::CancelBackordersResponse* response) override;

 private:
  InventoryUseCases& inventory_;
  ReservationUseCases& reservations_;
  InventoryMetrics& metrics_;
  BoundedExecutor& executor_;
  const ReservationPolicy policy_;
};

// Answers at once with `status` (bad input: no executor slot used, nothing changed).
grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext* context, const absl::Status& status);

}  // namespace oms::inventory
