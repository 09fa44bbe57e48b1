// The one way a process opens a channel to another service: round-robin over every address the
// name resolves to (a headless Service's DNS name gives one per pod), calls that wait for a
// connection until their deadline rather than fail while a peer restarts, a short reconnect
// backoff so a restarted peer is used again within seconds, and the client metrics interceptor.
#pragma once

#include <memory>
#include <string>

namespace grpc {
class Channel;
}

namespace oms {

class RpcMetrics;

// `metrics` may be null (no client metrics).
std::shared_ptr<grpc::Channel> MakeClientChannel(const std::string& address,
                                                 const std::shared_ptr<RpcMetrics>& metrics);

}  // namespace oms
