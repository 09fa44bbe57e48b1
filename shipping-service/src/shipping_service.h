// gRPC handlers of oms.shipping.v1.ShippingService: validate on the gRPC thread, hand the work to
// the executor, map the status. StreamEvents is an EventStream reactor. Nothing here touches the
// database: the use cases (shipping_use_cases.h) do.
#pragma once

#include "common/executor.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "shipping-service/src/event_hub.h"
#include "shipping-service/src/shipping_use_cases.h"

namespace oms::shipping {

class ShippingMetrics;

class ShippingServiceImpl final : public v1::ShippingService::CallbackService {
 public:
  // `metrics` may be null.
  ShippingServiceImpl(ShippingUseCases& use_cases, BoundedExecutor& executor, EventHub& hub,
                      ShippingMetrics* metrics)
      : use_cases_(use_cases), executor_(executor), hub_(hub), metrics_(metrics) {}

  grpc::ServerUnaryReactor* CreateShipments(grpc::CallbackServerContext* context,
                                            const v1::CreateShipmentsRequest* request,
                                            v1::CreateShipmentsResponse* response) override;
  grpc::ServerUnaryReactor* CancelShipment(grpc::CallbackServerContext* context,
                                           const v1::CancelShipmentRequest* request,
                                           v1::CancelShipmentResponse* response) override;
  grpc::ServerUnaryReactor* RecordShipmentEvent(grpc::CallbackServerContext* context,
                                                const v1::RecordShipmentEventRequest* request,
                                                v1::RecordShipmentEventResponse* response) override;
  grpc::ServerUnaryReactor* CreateReturnShipment(grpc::CallbackServerContext* context,
                                                 const v1::CreateReturnShipmentRequest* request,
                                                 v1::Shipment* response) override;
  grpc::ServerUnaryReactor* CreateReplacementShipment(
      grpc::CallbackServerContext* context, const v1::CreateReplacementShipmentRequest* request,
      v1::Shipment* response) override;
  grpc::ServerUnaryReactor* ReportShortPick(grpc::CallbackServerContext* context,
                                            const v1::ReportShortPickRequest* request,
                                            v1::Shipment* response) override;
  grpc::ServerUnaryReactor* GetShipment(grpc::CallbackServerContext* context,
                                        const v1::GetShipmentRequest* request,
                                        v1::Shipment* response) override;
  grpc::ServerUnaryReactor* ListShipments(grpc::CallbackServerContext* context,
                                          const v1::ListShipmentsRequest* request,
                                          v1::ListShipmentsResponse* response) override;
  grpc::ServerUnaryReactor* ListPickQueue(grpc::CallbackServerContext* context,
                                          const v1::ListPickQueueRequest* request,
                                          v1::ListPickQueueResponse* response) override;
  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* context,
                                       const v1::ListEventsRequest* request,
                                       v1::ListEventsResponse* response) override;
  grpc::ServerWriteReactor<v1::OutboxEvent>* StreamEvents(
      grpc::CallbackServerContext* context, const v1::StreamEventsRequest* request) override;
  grpc::ServerUnaryReactor* AuditOrderFacts(grpc::CallbackServerContext* context,
                                            const v1::AuditOrderFactsRequest* request,
                                            v1::AuditOrderFactsResponse* response) override;
  grpc::ServerUnaryReactor* UploadProof(grpc::CallbackServerContext* context,
                                        const v1::UploadProofRequest* request,
                                        v1::ProofOfDelivery* response) override;
  grpc::ServerUnaryReactor* GetProof(grpc::CallbackServerContext* context,
                                     const v1::GetProofRequest* request,
                                     v1::ProofFile* response) override;

 private:
  ShippingUseCases& use_cases_;
  BoundedExecutor& executor_;
  EventHub& hub_;
  ShippingMetrics* metrics_;
};

}  // namespace oms::shipping
