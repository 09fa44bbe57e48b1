// Server bootstrap shared by every service: listening address, grpc.health.v1 (overall and per
// service), server reflection, the metrics/request-id interceptor, and a graceful shutdown.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/failpoints.h"
#include "common/grpc_channel.h"
#include "common/peer_policy.h"
#include "common/transport_security.h"

namespace grpc {
class Channel;
class Server;
class Service;
}  // namespace grpc

namespace oms {

class Metrics;

struct ServiceEntry {
  // Handler tests on plain text name no peers.
  ServiceEntry(grpc::Service* service_in, std::string full_name_in, MethodPeers peers_in = {})
      : service(service_in), full_name(std::move(full_name_in)), peers(std::move(peers_in)) {}

  grpc::Service* service;
  std::string full_name;  // e.g. "oms.inventory.v1.InventoryService", for health and metrics
  // Who may call each method (<svc>/src/<svc>_peers.h); must list every method under TLS.
  MethodPeers peers;
};

struct ServerConfig {
  // Binaries set it from their flags (common/transport_flags.h), which refuse to start without
  // certificates unless plain text is asked for; handler tests keep plain text and mostly use
  // InProcessChannel().
  TransportSecurity security = TransportSecurity::Plaintext();
  // grpc.reflection.v1alpha, for operators (grpcurl with the omsctl identity); off by default.
  bool reflection = false;
  std::string listen_host = "127.0.0.1";
  int port = 0;  // 0 picks a free port
  std::chrono::milliseconds drain_timeout{10000};
  int max_receive_bytes = 4 * 1024 * 1024;
  // The server pings its clients as a client does its server, and accepts their pings down to
  // `min_client_ping_interval` (with or without calls in flight) instead of ending the
  // connection with GOAWAY too_many_pings.
  GrpcKeepalive keepalive;
  // Armed `<failpoint_prefix>.<Method>.before_reply` points crash the process after a handler
  // succeeded and before its reply is sent (fault tests; inert when empty).
  Failpoints failpoints;
  std::string failpoint_prefix;  // the service's short name, e.g. "inventory"
};

class GrpcServer {
 public:
  // Builds and starts the server, then reports SERVING for "" and every service name. Under TLS,
  // every call is authorized by the services' peer tables (health is open to every verified
  // peer, reflection to omsctl); a table that misses a method fails the start.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const ServerConfig& config, const std::vector<ServiceEntry>& services, Metrics& metrics);
  ~GrpcServer();

  int port() const { return port_; }

  // A channel to this server that bypasses the network (handler tests).
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Health goes NOT_SERVING at once; calls in flight get until the drain timeout, then are
  // cancelled; returns when the server has stopped. Safe to call twice.
  void Shutdown();

 private:
  GrpcServer() = default;
  std::unique_ptr<grpc::Server> server_;
  std::chrono::milliseconds drain_timeout_{0};
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace oms
