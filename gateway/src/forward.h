// Route plumbing shared by every route group: parsing a JSON body into a request message, and
// forwarding one unary call through gRPC's callback API with the request's deadline and
// x-request-id. No thread waits on an RPC: the answer is given from gRPC's callback.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include "common/grpc_status.h"
#include "common/unary_call.h"
#include "gateway/src/route.h"

namespace google::protobuf {
class Message;
}

namespace oms::gateway {

// Parses the exchange's body into `message`; `fields_not_in_body` (JSON names the gateway sets
// from the path or headers, e.g. "requestId") are refused. On failure answers the exchange and
// returns false.
[[nodiscard]] bool ParseBodyOrFail(Exchange& exchange, google::protobuf::Message* message,
                                   const std::vector<std::string>& fields_not_in_body = {});

// Validates with `status`; on failure answers the exchange and returns false.
[[nodiscard]] bool CheckOrFail(Exchange& exchange, const absl::Status& status);

// Issues one unary call with the exchange's deadline and request id, then runs
// `then(absl::Status, ResponseMessage* response, grpc::ClientContext* context)` on gRPC's
// callback thread; `then` answers the exchange or chains the next call. `start` issues the call:
// [&stub](auto* context, auto* request, auto* response, auto done) {
//   stub.async()->Method(context, request, response, std::move(done)); }
template <typename ResponseMessage, typename RequestMessage, typename Start, typename Then>
void CallBackend(const std::shared_ptr<Exchange>& exchange, RequestMessage request, Start start,
                 Then then) {
  StartUnaryCall<ResponseMessage>(
      std::move(request), exchange->request_id(), exchange->deadline(), std::move(start),
      [then = std::move(then)](const grpc::Status& status, ResponseMessage& response,
                               grpc::ClientContext& context) mutable {
        then(FromGrpcStatus(status), &response, &context);
      });
}

// Forwards `request` and answers with the response message (or the mapped error), after
// `shape(principal, &response)` has taken out what this credential may not see.
template <typename ResponseMessage, typename RequestMessage, typename Start, typename Shape>
void Forward(const std::shared_ptr<Exchange>& exchange, RequestMessage request, Start start,
             Shape shape) {
  CallBackend<ResponseMessage>(
      exchange, std::move(request), std::move(start),
      [exchange, shape = std::move(shape)](absl::Status status, ResponseMessage* response,
                                           grpc::ClientContext*) {
        if (status.ok()) {
          shape(exchange->principal(), response);
          exchange->ReplyMessage(*response);
        } else {
          exchange->FailMappingNotFound(status);
        }
      });
}

// Forwards `request` and answers with the response message as it is (or the mapped error).
template <typename ResponseMessage, typename RequestMessage, typename Start>
void Forward(const std::shared_ptr<Exchange>& exchange, RequestMessage request, Start start) {
  Forward<ResponseMessage>(exchange, std::move(request), std::move(start),
                           [](const Principal&, ResponseMessage*) {});
}

}  // namespace oms::gateway
