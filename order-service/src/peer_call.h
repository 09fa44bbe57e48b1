// How a peer client's gRPC implementation starts a call: one method of its stub's async()
// interface, through StartUnaryCall, with a fresh context (the client's deadline from now, the
// request id). For the clients' .cc files only: it includes gRPC's headers.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include "common/unary_call.h"
#include "order-service/src/peer_client.h"

namespace oms::order {

// A callback-API method of a generated stub, e.g. &InventoryService::Stub::async::ReserveStock.
template <class Async, class Request, class Reply>
using AsyncMethod = void (Async::*)(grpc::ClientContext*, const Request*, Reply*,
                                    std::function<void(grpc::Status)>);

template <class Async, class Request, class Reply>
void CallPeer(Async* async, AsyncMethod<Async, Request, Reply> method,
              const std::string& request_id, std::type_identity_t<Request> request,
              std::chrono::milliseconds deadline, std::type_identity_t<CallDone<Reply>> done) {
  StartUnaryCall<Reply>(
      std::move(request), request_id, std::chrono::system_clock::now() + deadline,
      [async, method](grpc::ClientContext* context, const Request* sent, Reply* reply,
                      std::function<void(grpc::Status)> callback) {
        (async->*method)(context, sent, reply, std::move(callback));
      },
      [done = std::move(done)](const grpc::Status& status, const Reply& reply,
                               grpc::ClientContext&) { done(status, reply); });
}

}  // namespace oms::order
