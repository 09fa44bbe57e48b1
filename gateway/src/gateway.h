// The request pipeline, independent of the HTTP server: request id, CORS, routing, the in-flight
// cap, body limit, authentication, scopes, rate limit, parameters, then the route's handler; and
// on the way out the X-Request-Id and CORS headers, metrics and the access log.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gateway/src/auth.h"
#include "gateway/src/cors.h"
#include "gateway/src/http_types.h"
#include "gateway/src/route.h"
#include "gateway/src/router.h"
#include "gateway/src/token_bucket.h"

namespace oms::gateway {

class GatewayMetrics;

struct GatewayOptions {
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_in_flight = 1024;
  double rate_per_second = 50;
  double rate_burst = 100;
  std::vector<std::string> cors_origins;
};

class Gateway {
 public:
  // `metrics` may be null (tests); it must outlive the gateway otherwise.
  Gateway(GatewayOptions options, std::unique_ptr<Authenticator> authenticator,
          GatewayMetrics* metrics);
  ~Gateway();

  // Fails on a malformed or duplicate route.
  [[nodiscard]] absl::Status AddRoute(RouteSpec route);
  // In the order added; the OpenAPI document is made from these.
  std::vector<const RouteSpec*> routes() const;
  const Router& router() const { return router_; }

  // Answers `request` through `done`, exactly once, from any thread (the handler's backend
  // callbacks call it from gRPC's threads).
  void Handle(Request request, std::function<void(Response)> done);

  // The answer to a request the server refused before it was whole (body over the limit, bad
  // framing): same headers, metrics and logs as any other answer.
  Response Refuse(const Request& request, const absl::Status& status, int http_status);

  std::size_t in_flight() const { return in_flight_.load(); }
  std::size_t max_body_bytes() const { return options_.max_body_bytes; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Finisher;

  // The pipeline after authentication: scopes, rate limit, parameters, headers, the handler.
  void Proceed(const RouteSpec& route, Request request, PathParams params,
               const std::string& query_text, Finisher finish, Principal principal);

  GatewayOptions options_;
  std::unique_ptr<Authenticator> authenticator_;
  GatewayMetrics* metrics_;
  CorsPolicy cors_;
  TokenBucketLimiter limiter_;
  Router router_;
  std::vector<std::unique_ptr<RouteSpec>> routes_;
  std::atomic<std::size_t> in_flight_{0};
};

// The request id of a request: its X-Request-Id when that is 1 to 128 printable ASCII
// characters without spaces, else a fresh one.
std::string RequestIdFor(const Request& request);

}  // namespace oms::gateway
