#include "order-service/src/shipping_client.h"

#include <grpcpp/channel.h>

#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "order-service/src/peer_call.h"

namespace oms::order {
namespace {

namespace shipping_v1 = ::oms::shipping::v1;
using Stub = shipping_v1::ShippingService::Stub;

class GrpcShippingClient final : public ShippingClient {
 public:
  GrpcShippingClient(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds deadline)
      : stub_(shipping_v1::ShippingService::NewStub(channel)), deadline_(deadline) {}

  void Shipments(const std::string& request_id, const std::string& order_id,
                 ReadDone<shipping_v1::ListShipmentsResponse> done) override {
    shipping_v1::ListShipmentsRequest request;
    request.set_order_id(order_id);
    CallPeer(stub_->async(), &Stub::async::ListShipments, request_id, std::move(request), deadline_,
             AsRead("shipping", std::move(done)));
  }

  void CreateShipments(const std::string& request_id, shipping_v1::CreateShipmentsRequest request,
                       CallDone<shipping_v1::CreateShipmentsResponse> done) override {
    CallPeer(stub_->async(), &Stub::async::CreateShipments, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void CancelShipment(const std::string& request_id, shipping_v1::CancelShipmentRequest request,
                      CallDone<shipping_v1::CancelShipmentResponse> done) override {
    CallPeer(stub_->async(), &Stub::async::CancelShipment, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void CreateReturnShipment(const std::string& request_id,
                            shipping_v1::CreateReturnShipmentRequest request,
                            CallDone<shipping_v1::Shipment> done) override {
    CallPeer(stub_->async(), &Stub::async::CreateReturnShipment, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void CreateReplacementShipment(const std::string& request_id,
                                 shipping_v1::CreateReplacementShipmentRequest request,
                                 CallDone<shipping_v1::Shipment> done) override {
    CallPeer(stub_->async(), &Stub::async::CreateReplacementShipment, request_id,
             std::move(request), deadline_, std::move(done));
  }

  void RecordShipmentEvent(const std::string& request_id,
                           shipping_v1::RecordShipmentEventRequest request,
                           CallDone<shipping_v1::RecordShipmentEventResponse> done) override {
    CallPeer(stub_->async(), &Stub::async::RecordShipmentEvent, request_id, std::move(request),
             deadline_, std::move(done));
  }

 private:
  std::unique_ptr<Stub> stub_;
  const std::chrono::milliseconds deadline_;
};

}  // namespace

std::unique_ptr<ShippingClient> MakeGrpcShippingClient(std::shared_ptr<grpc::Channel> channel,
                                                       std::chrono::milliseconds deadline) {
  return std::make_unique<GrpcShippingClient>(std::move(channel), deadline);
}

}  // namespace oms::order
