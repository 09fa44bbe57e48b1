// Starts one unary call with gRPC's callback API, for callers that must not wait for it: the
// context (deadline, x-request-id), the request and the reply live in one block that the
// completion callback owns, and `done(status, reply, context)` runs once, on a gRPC thread (the
// context for the reply's metadata).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include "common/grpc_interceptors.h"

namespace oms {

// `start(context, request, reply, callback)` issues the call, e.g.
//   [&stub](auto* c, auto* q, auto* r, auto cb) { stub->async()->Method(c, q, r, std::move(cb)); }
template <class Reply, class Request, class Start, class Done>
void StartUnaryCall(Request request, const std::string& request_id,
                    std::chrono::system_clock::time_point deadline, Start start, Done done) {
  struct Pending {
    grpc::ClientContext context;
    Request request;
    Reply reply;
  };
  auto pending = std::make_shared<Pending>();
  pending->request = std::move(request);
  pending->context.set_deadline(deadline);
  SetRequestId(pending->context, request_id);
  Pending* raw = pending.get();
  start(&raw->context, &raw->request, &raw->reply,
        [pending = std::move(pending), done = std::move(done)](grpc::Status status) mutable {
          done(status, pending->reply, pending->context);
        });
}

}  // namespace oms
