// Cross-cutting work for every RPC, kept out of handlers: the go-grpc-prometheus metrics on both
// sides, and the x-request-id that follows a request through every service and log line.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/strings/string_view.h"
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
