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
#include "gateway/src/idempotency.h"
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
  // Failed authentications (401 for credentials not accepted) per client address: a bucket of
  // `auth_failure_burst` refilled at `auth_failure_rate_per_second`. While it is empty, every
  // authenticated request from that address answers 429 before any credential is checked, so
  // keys cannot be guessed through the gateway.
  double auth_failure_rate_per_second = 0.1;
  double auth_failure_burst = 10;
  // Where the client's address comes from: "" the TCP peer; a header such as X-Forwarded-For
  // (its right-most entry, the address the proxy in front saw) when the gateway is reachable
  // only through a proxy that sets it. Otherwise every client behind the proxy is one address.
  std::string client_address_header;
  // An Idempotency-Key claim holds for the route's deadline plus this, then another request
  // (through any gateway) may take it over: its gateway died while running it.
  std::chrono::milliseconds idempotency_lease_margin{10000};
};

class Gateway {
 public:
  // `metrics` may be null (tests); it must outlive the gateway otherwise. `idempotency` null:
  // Idempotency-Keys are checked but no records are kept (tests without backends).
  Gateway(GatewayOptions options, std::unique_ptr<Authenticator> authenticator,
          GatewayMetrics* metrics, std::unique_ptr<IdempotencyStore> idempotency = nullptr);
  ~Gateway();

  // Fails on a malformed or duplicate route. A POST route takes an Idempotency-Key (kOptional
  // unless it says kRequired).
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

  // The pipeline after authentication: scopes, rate limit, parameters, headers, the
  // Idempotency-Key's claim, the handler.
  void Proceed(const RouteSpec& route, Request request, PathParams params,
               const std::string& query_text, Finisher finish, Principal principal);
  // Claims the request's Idempotency-Key, then runs the handler, replays or refuses.
  void ClaimThenRun(const RouteSpec& route, Request request, PathParams params, QueryParams query,
                    Principal principal, const std::string& key, Finisher finish);
  // The address failed authentications are counted by (GatewayOptions::client_address_header).
  std::string ClientAddress(const Request& request) const;
  // Runs the route's handler; `done` gets its answer.
  void Run(const RouteSpec& route, Request request, PathParams params, QueryParams query,
           Principal principal, const std::string& request_id, std::function<void(Response)> done);

  GatewayOptions options_;
  std::unique_ptr<Authenticator> authenticator_;
  GatewayMetrics* metrics_;
  CorsPolicy cors_;
  TokenBucketLimiter limiter_;
  TokenBucketLimiter auth_failures_;  // by client address
  std::unique_ptr<IdempotencyStore> idempotency_;
  Router router_;
  std::vector<std::unique_ptr<RouteSpec>> routes_;
  std::atomic<std::size_t> in_flight_{0};
};

// The request id of a request: its X-Request-Id when that is 1 to 128 printable ASCII
// characters without spaces, else a fresh one.
std::string RequestIdFor(const Request& request);

}  // namespace oms::gateway
