// A TCP proxy on loopback for one edge between two services (order-service -> billing, ...),
// whose behaviour the chaos run switches while traffic flows: pass, delay every byte, blackhole
// (bytes vanish both ways and the sockets stay open: a half-open connection), drop replies
// (requests reach the server, its answers never come back) and reset (every open connection
// ends with a TCP RST).
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

#include "absl/status/status.h"

namespace oms::chaos {

enum class NetworkMode { kPass, kDelay, kBlackhole, kDropReplies };

class TcpProxy {
 public:
  TcpProxy() = default;
  ~TcpProxy();  // stops the proxy thread and closes every socket
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  // Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:`upstream_port`.
  [[nodiscard]] absl::Status Start(int upstream_port);
  int port() const { return port_; }

  // From now on: `mode` (`delay_ms` for kDelay).
  void Set(NetworkMode mode, int delay_ms = 0);
  // Ends every open connection with a RST; new ones pass.
  void ResetAll();

 private:
  void Loop();

  int listen_fd_ = -1;
  int port_ = 0;
  int upstream_port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<NetworkMode> mode_{NetworkMode::kPass};
  std::atomic<int> delay_ms_{0};
  std::atomic<int> resets_requested_{0};
  std::thread thread_;
};

}  // namespace oms::chaos
