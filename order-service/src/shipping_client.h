// order-service's one client of shipping-service: the shipments the timeline shows and the
// sagas' shipment calls. The stub is created once from the channel; every call gets a fresh
// context with the client's deadline and carries `request_id` as x-request-id. Answers:
// peer_client.h. (The shipment feed follows shipping's event stream on its own.)
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "oms/shipping/v1/shipping.pb.h"
#include "order-service/src/peer_client.h"

namespace grpc {
class Channel;
}

namespace oms::order {

class ShippingClient {
 public:
  virtual ~ShippingClient() = default;

  // The order's shipments with their journals.
  virtual void Shipments(const std::string& request_id, const std::string& order_id,
                         ReadDone<shipping::v1::ListShipmentsResponse> done) = 0;

  virtual void CreateShipments(const std::string& request_id,
                               shipping::v1::CreateShipmentsRequest request,
                               CallDone<shipping::v1::CreateShipmentsResponse> done) = 0;
  virtual void CancelShipment(const std::string& request_id,
                              shipping::v1::CancelShipmentRequest request,
                              CallDone<shipping::v1::CancelShipmentResponse> done) = 0;
  virtual void CreateReturnShipment(const std::string& request_id,
                                    shipping::v1::CreateReturnShipmentRequest request,
                                    CallDone<shipping::v1::Shipment> done) = 0;
  virtual void RecordShipmentEvent(const std::string& request_id,
                                   shipping::v1::RecordShipmentEventRequest request,
                                   CallDone<shipping::v1::RecordShipmentEventResponse> done) = 0;
  virtual void CreateReplacementShipment(const std::string& request_id,
                                         shipping::v1::CreateReplacementShipmentRequest request,
                                         CallDone<shipping::v1::Shipment> done) = 0;
};

std::unique_ptr<ShippingClient> MakeGrpcShippingClient(std::shared_ptr<grpc::Channel> channel,
                                                       std::chrono::milliseconds deadline);

}  // namespace oms::order
