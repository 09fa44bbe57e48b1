// The HTTP/1.1 server (Boost.Beast, asynchronous, keep-alive) in front of the Gateway. Beast and
// Asio headers stay in http_server.cc: nothing else pays for them.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace oms::gateway {

class Gateway;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 picks a free one
  int threads = 2;
  std::chrono::seconds idle_timeout{60};  // keep-alive connections idle longer are closed
  std::chrono::seconds io_timeout{30};  // reading one request's header and body, writing one answer
  std::size_t max_header_bytes = 16 * 1024;
  // Connections open at once, in all and per client address (the TCP peer's; a trusted proxy's
  // count only in all, Gateway::client_addresses): one over either is closed as it is accepted.
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_address = 256;
  std::function<void()> on_connection_refused;  // may be null; a metric
};

class HttpServer {
 public:
  // Binds and starts serving on `options.threads` threads; `gateway` must outlive the server.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options, Gateway& gateway);
  ~HttpServer();  // Shutdown(0) if not done

  int port() const;

  // Stops accepting, closes idle connections, lets requests in flight be answered for up to
  // `timeout` (answered with Connection: close), then closes the rest and joins the threads.
  void Shutdown(std::chrono::milliseconds timeout);

  struct Impl;  // defined in http_server.cc, with the connections that use it

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace oms::gateway
