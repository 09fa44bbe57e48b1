#include "common/grpc_channel.h"

#include <grpcpp/create_channel.h>

#include "common/grpc_interceptors.h"

namespace oms {

std::shared_ptr<grpc::Channel> MakeClientChannel(const std::string& address,
                                                 const std::shared_ptr<RpcMetrics>& metrics,
                                                 const GrpcKeepalive& keepalive,
                                                 const TransportSecurity& security) {
  grpc::ChannelArguments args;
  // round_robin: gRPC's default, pick_first, would send every call to the first pod of a
  // headless Service. waitForReady: while a peer restarts, a call waits (up to its deadline) for
  // a connection instead of failing at once; every call of ours carries a deadline, and streams
  // are cancelled by their owner.
  args.SetServiceConfigJSON(R"({"loadBalancingConfig": [{"round_robin": {}}],)"
                            R"( "methodConfig": [{"name": [{}], "waitForReady": true}]})");
  // Reconnect quickly after a peer restarts, rather than after gRPC's default 20 s backoff.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(keepalive.time.count()));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, static_cast<int>(keepalive.timeout.count()));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  if (metrics) factories.push_back(MakeClientInterceptorFactory(metrics));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, MakeChannelCredentials(security), args, std::move(factories));
}

}  // namespace oms
