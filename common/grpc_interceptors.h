// Cross-cutting work for every RPC, kept out of handlers: the go-grpc-prometheus metrics on both
// sides, the x-request-id that follows a request through every service and log line, and the
// caller's deadline that a participant's work honours.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/failpoints.h"

namespace prometheus {
class Registry;
}

namespace grpc {
class ServerContextBase;
class ClientContext;
}  // namespace grpc

namespace oms {

inline constexpr char kRequestIdHeader[] = "x-request-id";

// The request id of a call: the client's x-request-id, or the one the server interceptor
// generated when the client sent none.
std::string RequestIdOf(const grpc::ServerContextBase& context);

// Sets x-request-id on an outgoing call, so the peer logs under the same id.
void SetRequestId(grpc::ClientContext& context, absl::string_view request_id);

// A fresh random request id (32 hex digits).
std::string NewRequestId();

// The call's deadline; absl::InfiniteFuture() when the client set none.
absl::Time DeadlineOf(const grpc::ServerContextBase& context);

// `work` as the task of a mutation (for RunBlocking, common/reactor.h) that runs with the call's
// deadline in scope (CallDeadlineScope, common/idempotency.h): RunOnce then runs nothing once the
// caller has given up, even if the task waited in the executor's queue or for a connection, and
// bounds its statements by the time left.
std::function<absl::Status()> WithCallDeadline(const grpc::ServerContextBase& context,
                                               std::function<absl::Status()> work);

class RpcMetrics;
enum class RpcSide { kServer, kClient };

// Creates the grpc_server_* (or grpc_client_*) families in `registry`, with series for every
// method of the given services (full names, e.g. "oms.inventory.v1.InventoryService") and every
// status code, so dashboards see zeros rather than gaps.
std::shared_ptr<RpcMetrics> MakeRpcMetrics(prometheus::Registry& registry, RpcSide side,
                                           const std::vector<std::string>& services);

// Counts and times every RPC a server handles, and takes or generates its request id. When a call
// ends OK, after the handler committed and before the reply leaves, it hits the failpoint
// `<failpoint_prefix>.<Method>.before_reply` (e.g. inventory.ReserveStock.before_reply): the
// participant crash "after its commit, before its reply" of RELIABILITY.md, for every method.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeServerInterceptorFactory(
    std::shared_ptr<RpcMetrics> metrics, Failpoints failpoints = {},
    std::string failpoint_prefix = "");

// Counts and times every RPC a channel makes.
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> MakeClientInterceptorFactory(
    std::shared_ptr<RpcMetrics> metrics);

}  // namespace oms
