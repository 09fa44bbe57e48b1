// Runs a unary handler's blocking work on the bounded executor and finishes the call with its
// status: gRPC's callback threads never block, and a full queue answers RESOURCE_EXHAUSTED.
#pragma once

#include <exception>
#include <utility>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/executor.h"
#include "common/grpc_status.h"

namespace oms {

// Finishes the call at once with `status`: a request refused before any work.
inline grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext* context,
                                        const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// Runs `task` on the executor, or answers RESOURCE_EXHAUSTED when its queue is full: one stage
// of a call that goes on in stages (the task finishes the call or starts the next stage).
template <class Task>
void SubmitOrRefuse(BoundedExecutor& executor, grpc::ServerUnaryReactor& reactor, Task task) {
  if (!executor.TrySubmit(std::move(task))) {
    reactor.Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "server busy: the work queue is full, retry with backoff"));
  }
}

// `work` returns absl::Status and fills the response it captured.
template <class Work>
grpc::ServerUnaryReactor* RunBlocking(grpc::CallbackServerContext* context,
                                      BoundedExecutor& executor, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool queued = executor.TrySubmit([reactor, work = std::move(work)]() mutable {
    absl::Status status;
    try {
      status = work();
    } catch (const std::exception& e) {  // nothing may escape a worker task
      status = absl::InternalError(absl::StrCat("unexpected: ", e.what()));
    }
    reactor->Finish(ToGrpcStatus(status));
  });
  if (!queued) {
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 "server busy: the work queue is full, retry with backoff"));
  }
  return reactor;
}

}  // namespace oms
