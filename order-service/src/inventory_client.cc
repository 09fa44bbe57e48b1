#include "order-service/src/inventory_client.h"

#include <grpcpp/channel.h>

#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "order-service/src/peer_call.h"

namespace oms::order {
namespace {

namespace inventory_v1 = ::oms::inventory::v1;
using Stub = inventory_v1::InventoryService::Stub;

class GrpcInventoryClient final : public InventoryClient {
 public:
  GrpcInventoryClient(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds deadline)
      : stub_(inventory_v1::InventoryService::NewStub(channel)), deadline_(deadline) {}

  void Products(const std::string& request_id, const std::vector<std::string>& skus,
                ReadDone<inventory_v1::BatchGetProductsResponse> done) override {
    inventory_v1::BatchGetProductsRequest request;
    for (const auto& sku : skus) request.add_skus(sku);
    CallPeer(stub_->async(), &Stub::async::BatchGetProducts, request_id, std::move(request),
             deadline_, AsRead("inventory", std::move(done)));
  }

  void ReserveStock(const std::string& request_id, inventory_v1::ReserveStockRequest request,
                    CallDone<inventory_v1::Reservation> done) override {
    CallPeer(stub_->async(), &Stub::async::ReserveStock, request_id, std::move(request), deadline_,
             std::move(done));
  }

  void ReleaseReservation(const std::string& request_id,
                          inventory_v1::ReleaseReservationRequest request,
                          CallDone<inventory_v1::Reservation> done) override {
    CallPeer(stub_->async(), &Stub::async::ReleaseReservation, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void ResourceReservation(const std::string& request_id,
                           inventory_v1::ResourceReservationRequest request,
                           CallDone<inventory_v1::ResourceReservationResponse> done) override {
    CallPeer(stub_->async(), &Stub::async::ResourceReservation, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void AdjustStock(const std::string& request_id, inventory_v1::AdjustStockRequest request,
                   CallDone<inventory_v1::AdjustStockResponse> done) override {
    CallPeer(stub_->async(), &Stub::async::AdjustStock, request_id, std::move(request), deadline_,
             std::move(done));
  }

  void AddToReservation(const std::string& request_id,
                        inventory_v1::AddToReservationRequest request,
                        CallDone<inventory_v1::AddToReservationResponse> done) override {
    CallPeer(stub_->async(), &Stub::async::AddToReservation, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void ExtendReservation(const std::string& request_id,
                         inventory_v1::ExtendReservationRequest request,
                         CallDone<inventory_v1::Reservation> done) override {
    CallPeer(stub_->async(), &Stub::async::ExtendReservation, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void CommitReservation(const std::string& request_id,
                         inventory_v1::CommitReservationRequest request,
                         CallDone<inventory_v1::Reservation> done) override {
    CallPeer(stub_->async(), &Stub::async::CommitReservation, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void CancelBackorders(const std::string& request_id,
                        inventory_v1::CancelBackordersRequest request,
                        CallDone<inventory_v1::CancelBackordersResponse> done) override {
    CallPeer(stub_->async(), &Stub::async::CancelBackorders, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void RestockReturn(const std::string& request_id, inventory_v1::RestockReturnRequest request,
                     CallDone<inventory_v1::RestockReturnResponse> done) override {
    CallPeer(stub_->async(), &Stub::async::RestockReturn, request_id, std::move(request), deadline_,
             std::move(done));
  }

 private:
  std::unique_ptr<Stub> stub_;
  const std::chrono::milliseconds deadline_;
};

}  // namespace

std::unique_ptr<InventoryClient> MakeGrpcInventoryClient(std::shared_ptr<grpc::Channel> channel,
                                                         std::chrono::milliseconds deadline) {
  return std::make_unique<GrpcInventoryClient>(std::move(channel), deadline);
}

}  // namespace oms::order
