#include "shipping-service/src/shipping_service.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/following_stream.h"
#include "common/grpc_interceptors.h"
#include "common/grpc_status.h"
#include "common/reactor.h"
#include "shipping-service/src/event_stream.h"
#include "shipping-service/src/proof_rules.h"
#include "shipping-service/src/validation.h"

namespace oms::shipping {
namespace {

// Bad input is answered on the gRPC thread: it costs no executor slot and changes nothing.
grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* ShippingServiceImpl::CreateShipments(
    grpc::CallbackServerContext* context, const v1::CreateShipmentsRequest* request,
    v1::CreateShipmentsResponse* response) {
  if (absl::Status invalid = ValidateCreateShipments(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto create = [this, request, response] {
    return use_cases_.CreateShipments(*request, response);
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(create)));
}

grpc::ServerUnaryReactor* ShippingServiceImpl::CancelShipment(
    grpc::CallbackServerContext* context, const v1::CancelShipmentRequest* request,
    v1::CancelShipmentResponse* response) {
  if (absl::Status invalid = ValidateCancelShipment(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto cancel = [this, request, response] { return use_cases_.CancelShipment(*request, response); };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(cancel)));
}

grpc::ServerUnaryReactor* ShippingServiceImpl::RecordShipmentEvent(
    grpc::CallbackServerContext* context, const v1::RecordShipmentEventRequest* request,
    v1::RecordShipmentEventResponse* response) {
  if (absl::Status invalid = ValidateShipmentEvent(*request, absl::ToUnixMicros(absl::Now()));
      !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto record = [this, request, response] {
    return use_cases_.RecordShipmentEvent(*request, response);
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(record)));
}

grpc::ServerUnaryReactor* ShippingServiceImpl::CreateReturnShipment(
    grpc::CallbackServerContext* context, const v1::CreateReturnShipmentRequest* request,
    v1::Shipment* response) {
  if (absl::Status invalid = ValidateCreateReturn(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto create_return = [this, request, response] {
    return use_cases_.CreateReturnShipment(*request, response);
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(create_return)));
}

grpc::ServerUnaryReactor* ShippingServiceImpl::CreateReplacementShipment(
    grpc::CallbackServerContext* context, const v1::CreateReplacementShipmentRequest* request,
    v1::Shipment* response) {
  if (absl::Status invalid = ValidateCreateReplacement(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto replace = [this, request, response] {
    return use_cases_.CreateReplacementShipment(*request, response);
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(replace)));
}

grpc::ServerUnaryReactor* ShippingServiceImpl::ReportShortPick(
    grpc::CallbackServerContext* context, const v1::ReportShortPickRequest* request,
    v1::Shipment* response) {
  if (absl::Status invalid = ValidateReportShortPick(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto report = [this, request, response] {
    return use_cases_.ReportShortPick(*request, response);
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(report)));
}

grpc::ServerUnaryReactor* ShippingServiceImpl::GetShipment(grpc::CallbackServerContext* context,
                                                           const v1::GetShipmentRequest* request,
                                                           v1::Shipment* response) {
  if (absl::Status invalid = ValidateShipmentId(request->shipment_id(), "shipment_id");
      !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return use_cases_.GetShipment(request->shipment_id(), response);
  });
}

grpc::ServerUnaryReactor* ShippingServiceImpl::ListShipments(
    grpc::CallbackServerContext* context, const v1::ListShipmentsRequest* request,
    v1::ListShipmentsResponse* response) {
  if (absl::Status invalid = ValidateEntityId(request->order_id(), "order_id"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return use_cases_.ListShipments(request->order_id(), response);
  });
}

grpc::ServerUnaryReactor* ShippingServiceImpl::ListPickQueue(
    grpc::CallbackServerContext* context, const v1::ListPickQueueRequest* request,
    v1::ListPickQueueResponse* response) {
  auto query = ReadPickQueueRequest(*request);
  if (!query.ok()) return Refuse(context, query.status());
  return RunBlocking(context, executor_, [this, query = *query, response] {
    return use_cases_.ListPickQueue(query, response);
  });
}

grpc::ServerUnaryReactor* ShippingServiceImpl::ListEvents(grpc::CallbackServerContext* context,
                                                          const v1::ListEventsRequest* request,
                                                          v1::ListEventsResponse* response) {
  if (absl::Status invalid = ValidateListEvents(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  const int limit =
      request->limit() == 0 ? kDefaultEventsLimit : std::min(request->limit(), kMaxEventsLimit);
  return RunBlocking(context, executor_, [this, request, response, limit] {
    absl::Status status = use_cases_.ListEvents(request->after_sequence(), limit, response);
    if (status.ok()) hub_.NoteSent(response->last_sequence());
    return status;
  });
}

grpc::ServerWriteReactor<v1::OutboxEvent>* ShippingServiceImpl::StreamEvents(
    grpc::CallbackServerContext* context, const v1::StreamEventsRequest* request) {
  if (absl::Status invalid = ValidateEventCursor(request->after_sequence()); !invalid.ok()) {
    return new RefusedStream<v1::OutboxEvent>(invalid);
  }
  return NewEventStream(request->after_sequence(), use_cases_, executor_, hub_, metrics_);
}

grpc::ServerUnaryReactor* ShippingServiceImpl::AuditOrderFacts(
    grpc::CallbackServerContext* context, const v1::AuditOrderFactsRequest* request,
    v1::AuditOrderFactsResponse* response) {
  auto page = ParseAuditPage(request->page());
  if (!page.ok()) return Refuse(context, page.status());
  return RunBlocking(context, executor_, [this, audit_page = *std::move(page), response] {
    return use_cases_.AuditOrderFacts(audit_page, response);
  });
}

grpc::ServerUnaryReactor* ShippingServiceImpl::UploadProof(grpc::CallbackServerContext* context,
                                                           const v1::UploadProofRequest* request,
                                                           v1::ProofOfDelivery* response) {
  // Type, signature and size are checked here, before the image costs an executor slot.
  if (absl::Status invalid = ValidateUploadProof(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto upload = [this, request, response] { return use_cases_.UploadProof(*request, response); };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(upload)));
}

grpc::ServerUnaryReactor* ShippingServiceImpl::GetProof(grpc::CallbackServerContext* context,
                                                        const v1::GetProofRequest* request,
                                                        v1::ProofFile* response) {
  if (absl::Status invalid = ValidateGetProof(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_,
                     [this, request, response] { return use_cases_.GetProof(*request, response); });
}

}  // namespace oms::shipping
