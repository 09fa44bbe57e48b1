// The one way a process opens a channel to another service: round-robin over every address the
// name resolves to (a headless Service's DNS name gives one per pod), calls that wait for a
// connection until their deadline rather than fail while a peer restarts, a short reconnect
// backoff so a restarted peer is used again within seconds, keepalive pings so a dead or
// half-open connection is noticed within seconds, and the client metrics interceptor.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/grpc_credentials.h"
#include "common/transport_security.h"

namespace grpc {
class Channel;
}

namespace oms {

class RpcMetrics;

// Liveness of the connections between services (HTTP/2 PING). Without it a connection whose peer
// vanished without a FIN or RST (a paused process, a host gone, a half-open socket after a
// network partition) looks healthy until the kernel gives up (minutes to hours): a call with a
// deadline ends at its deadline, but a long-lived stream (shipping's event stream) just stalls.
struct GrpcKeepalive {
  // Ping the peer after this long without a frame from it (GRPC_ARG_KEEPALIVE_TIME_MS): clients
  // ping servers, servers ping clients (a dead consumer's stream is then ended and its slot
  // freed).
  std::chrono::milliseconds time{20000};
  // No acknowledgement within this: the connection is closed and its calls fail UNAVAILABLE;
  // streams reconnect, waitForReady calls wait for a new connection.
  std::chrono::milliseconds timeout{10000};
  // Server side: a client may ping this often on a connection without calls or data without a
  // strike; gRPC's default (5 minutes, and no pings at all without calls) would answer our own
  // clients' pings with GOAWAY too_many_pings. Must not exceed any client's `time`.
  std::chrono::milliseconds min_client_ping_interval{10000};
};

// `metrics` may be null (no client metrics). `security`: mutual TLS with this process's
// certificate, or plain text (common/grpc_credentials.h). Pings continue on an idle connection and
// during a stream that carries no data (GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, and no limit on
// pings without data, whose default of 2 would stop them on a quiet stream).
std::shared_ptr<grpc::Channel> MakeClientChannel(
    const std::string& address, const std::shared_ptr<RpcMetrics>& metrics,
    const GrpcKeepalive& keepalive = GrpcKeepalive(),
    const TransportSecurity& security = DefaultChannelSecurity());

}  // namespace oms
