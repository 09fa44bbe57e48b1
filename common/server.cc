#include "common/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_credentials.h"
#include "common/grpc_interceptors.h"
#include "common/metrics.h"
#include "common/peer_authorizer.h"

namespace oms {
namespace {

// The authorization of every call under TLS: the services' tables, health for every verified
// peer (probes, clients waiting for a restart), reflection for operators when it is on.
absl::StatusOr<PeerPolicy> PolicyOf(const ServerConfig& config,
                                    const std::vector<ServiceEntry>& services) {
  PeerPolicy policy;
  for (const auto& entry : services) {
    absl::Status complete = CheckPeerTable(entry.full_name, entry.peers);
    if (!complete.ok()) return complete;
    policy.AddService(entry.full_name, entry.peers);
  }
  policy.AllowAnyPeer("grpc.health.v1.Health", {"Check", "Watch"});
  if (config.reflection) {
    policy.AddService("grpc.reflection.v1alpha.ServerReflection",
                      {{"ServerReflectionInfo", {peer::kOmsctl}}});
  }
  return policy;
}

// Reflection for this server only: InitProtoReflectionServerBuilderPlugin() would turn it on
// for every server the process builds from then on.
class ReflectionOption : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const ServerConfig& config, const std::vector<ServiceEntry>& services, Metrics& metrics) {
  std::shared_ptr<grpc::AuthMetadataProcessor> authorizer;
  if (!config.security.plaintext) {
    auto policy = PolicyOf(config, services);
    if (!policy.ok()) return policy.status();
    authorizer = MakePeerAuthorizer(std::move(*policy));
  }
  grpc::EnableDefaultHealthCheckService(true);

  std::unique_ptr<GrpcServer> result(new GrpcServer);
  result->drain_timeout_ = config.drain_timeout;
  grpc::ServerBuilder builder;
  if (config.reflection) builder.SetOption(std::make_unique<ReflectionOption>());
  const std::string address = absl::StrCat(config.listen_host, ":", config.port);
  builder.AddListeningPort(address, MakeServerCredentials(config.security, std::move(authorizer)),
                           &result->port_);
  builder.SetMaxReceiveMessageSize(config.max_receive_bytes);
  // Clients re-resolve a headless Service's pods only when a connection ends: ending each one
  // after a few minutes (GOAWAY; calls and streams in flight go on) lets new pods get traffic.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 5 * 60 * 1000);
  // Clients ping every keepalive.time even when idle (common/grpc_channel.h): accept that, or
  // gRPC's policy (no pings without calls, at most one per 5 min without data) would count
  // strikes and end their connections. Our own pings notice a consumer that vanished.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             static_cast<int>(config.keepalive.min_client_ping_interval.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             static_cast<int>(config.keepalive.time.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             static_cast<int>(config.keepalive.timeout.count()));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  std::vector<std::string> names;
  for (const auto& entry : services) {
    builder.RegisterService(entry.service);
    names.push_back(entry.full_name);
  }
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(
      MakeServerInterceptorFactory(MakeRpcMetrics(metrics.registry(), RpcSide::kServer, names),
                                   config.failpoints, config.failpoint_prefix));
  builder.experimental().SetInterceptorCreators(std::move(factories));

  result->server_ = builder.BuildAndStart();
  if (!result->server_ || result->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", address));
  }
  auto* health = result->server_->GetHealthCheckService();
  health->SetServingStatus(true);  // "" is the overall status
  for (const auto& name : names) health->SetServingStatus(name, true);
  return result;
}

GrpcServer::~GrpcServer() { Shutdown(); }

std::shared_ptr<grpc::Channel> GrpcServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

void GrpcServer::Shutdown() {
  if (stopped_ || !server_) return;
  stopped_ = true;
  // Health's own Shutdown() turns every name NOT_SERVING and freezes it there.
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + drain_timeout_);
  server_->Wait();
}

}  // namespace oms
