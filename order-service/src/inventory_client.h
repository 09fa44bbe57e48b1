// order-service's one client of inventory-service: the catalog read at capture and the sagas'
// stock calls. The stub is created once from the channel; every call gets a fresh context with
// the client's deadline and carries `request_id` as x-request-id. Answers: peer_client.h.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "oms/inventory/v1/inventory.pb.h"
#include "order-service/src/peer_client.h"

namespace grpc {
class Channel;
}

namespace oms::order {

class InventoryClient {
 public:
  virtual ~InventoryClient() = default;

  // The catalog entries of `skus`.
  virtual void Products(const std::string& request_id, const std::vector<std::string>& skus,
                        ReadDone<inventory::v1::BatchGetProductsResponse> done) = 0;

  virtual void ReserveStock(const std::string& request_id,
                            inventory::v1::ReserveStockRequest request,
                            CallDone<inventory::v1::Reservation> done) = 0;
  virtual void ReleaseReservation(const std::string& request_id,
                                  inventory::v1::ReleaseReservationRequest request,
                                  CallDone<inventory::v1::Reservation> done) = 0;
  virtual void ResourceReservation(const std::string& request_id,
                                   inventory::v1::ResourceReservationRequest request,
                                   CallDone<inventory::v1::ResourceReservationResponse> done) = 0;
  virtual void AddToReservation(const std::string& request_id,
                                inventory::v1::AddToReservationRequest request,
                                CallDone<inventory::v1::AddToReservationResponse> done) = 0;
  virtual void ExtendReservation(const std::string& request_id,
                                 inventory::v1::ExtendReservationRequest request,
                                 CallDone<inventory::v1::Reservation> done) = 0;
  virtual void CommitReservation(const std::string& request_id,
                                 inventory::v1::CommitReservationRequest request,
                                 CallDone<inventory::v1::Reservation> done) = 0;
  virtual void CancelBackorders(const std::string& request_id,
                                inventory::v1::CancelBackordersRequest request,
                                CallDone<inventory::v1::CancelBackordersResponse> done) = 0;
  virtual void AdjustStock(const std::string& request_id, inventory::v1::AdjustStockRequest request,
                           CallDone<inventory::v1::AdjustStockResponse> done) = 0;
  virtual void RestockReturn(const std::string& request_id,
                             inventory::v1::RestockReturnRequest request,
                             CallDone<inventory::v1::RestockReturnResponse> done) = 0;
};

std::unique_ptr<InventoryClient> MakeGrpcInventoryClient(std::shared_ptr<grpc::Channel> channel,
                                                         std::chrono::milliseconds deadline);

}  // namespace oms::order
