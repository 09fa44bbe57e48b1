// How order-service's clients of its peers (inventory_client.h, billing_client.h,
// shipping_client.h) answer. Every call returns at once and runs its `done` exactly once, on a
// gRPC thread, when the answer or the deadline comes; `done` must not block.
#pragma once

#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace grpc {
class Status;
}

namespace oms::order {

// The answer to a saga step's call: the peer's own status, whose code and ErrorInfo reason tell a
// retry from a refusal (OutcomeOf, participants.h), and the reply, meaningful when it is OK.
template <class Reply>
using CallDone = std::function<void(const grpc::Status& status, const Reply& reply)>;

// The answer to a read: the reply, or the failure as order-service reports it (ReadStatus).
template <class Reply>
using ReadDone = std::function<void(absl::StatusOr<Reply> reply)>;

// A read's failure, reported to order-service's own caller: INVALID_ARGUMENT as the peer said it
// (the caller's input was bad), anything else UNAVAILABLE "<peer> is unavailable: <message>" (the
// caller may retry). OK when `status` is.
[[nodiscard]] absl::Status ReadStatus(const grpc::Status& status, const char* peer);

// The CallDone that answers `done` as a read from `peer`.
template <class Reply>
CallDone<Reply> AsRead(const char* peer, ReadDone<Reply> done) {
  return [peer, done = std::move(done)](const grpc::Status& status, const Reply& reply) {
    absl::Status failed = ReadStatus(status, peer);
    if (failed.ok()) {
      done(reply);
    } else {
      done(std::move(failed));
    }
  };
}

}  // namespace oms::order
