// The request pipeline, independent of the HTTP server: request id, CORS, routing, the in-flight
// cap, body limit, authentication, scopes, rate limit, parameters, then the route's handler; and
// on the way out the X-Request-Id and CORS headers, metrics and the access log.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/src/auth.h"
#include "gateway/src/client_address.h"
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
  // `auth_failure_burst` refilled at `auth_failure_rate_per_second`. While it is empty, the
  // address's credentials are still checked (a valid one is never refused: behind a NAT one
  // guesser must not lock out its neighbours), but one that is refused answers 429 with
  // Retry-After instead of 401. API key secrets are 256 random bits: the throttle slows noise and
  // tells clients to back off; it is not what makes keys unguessable.
  double auth_failure_rate_per_second = 0.1;
  double auth_failure_burst = 10;
  // Where the client's address comes from (client_address.h): the TCP peer, or the entry of a
  // header such as X-Forwarded-For that the trusted proxies in front appended.
  ClientAddressPolicy client_addresses;
  // An Idempotency-Key claim holds for the route's deadline plus this, then another request
  // (through any gateway) may take it over: its gateway died while running it.
  std::chrono::milliseconds idempotency_lease_margin{10000};
};

class Gateway {
 public:
  // `authenticator` must not be null. `metrics` may be null (tests); it must outlive the gateway
  // otherwise. `idempotency` null:
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

  // Reads the request's body, at most `limit` bytes, and hands it (or why it could not: reason
  // BODY_TOO_LARGE, MALFORMED_REQUEST) to the callback, from any thread.
  using BodyReader = std::function<void(
      std::size_t limit, std::function<void(absl::StatusOr<std::string> body)> read)>;

  // Answers the request whose head (method, target, headers, peer) is `head` through `done`,
  // exactly once, from any thread (the handler's backend callbacks call it from gRPC's threads).
  // Everything the head decides (route, in-flight cap, authentication, scope, rate limit,
  // parameters, headers) is decided before `read_body` is called, with the route's limit: a
  // request refused on its head never has its body read, and a route without a body reads none.
  void Handle(Request head, BodyReader read_body, std::function<void(Response)> done);
  // The same for a request read whole (tests, fuzzers): its body is held to the same limits.
  void Handle(Request request, std::function<void(Response)> done);

  // The most a route's body may hold: 0 for a route that takes none.
  std::size_t BodyLimit(const RouteSpec& route) const;

  // The answer to a request the server refused before it was whole (body over the limit, bad
  // framing): same headers, metrics and logs as any other answer.
  Response Refuse(const Request& request, const absl::Status& status, int http_status);

  // The one the pipeline authenticates with; open streams verify their credential again
  // through it (same API key cache, same JWT checks).
  const Authenticator& authenticator() const { return *authenticator_; }
  std::size_t in_flight() const { return in_flight_.load(); }
  std::size_t max_body_bytes() const { return options_.max_body_bytes; }
  const ClientAddressPolicy& client_addresses() const { return options_.client_addresses; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Finisher;

  // The pipeline after authentication: scopes, rate limit, parameters, headers, the
  // Idempotency-Key's claim, the handler.
  void Proceed(const RouteSpec& route, Request request, BodyReader read_body, PathParams params,
               const std::string& query_text, Finisher finish, Principal principal);
  // Claims the request's Idempotency-Key, then runs the handler, replays or refuses.
  void ClaimThenRun(const RouteSpec& route, Request request, PathParams params, QueryParams query,
                    Principal principal, const std::string& key, Finisher finish);
  // Runs the handler of a route whose backend keeps the Idempotency-Key's record
  // (IdempotencyRecord::kBackend), and counts what the backend said of the key.
  void RunKeyKeptByBackend(const RouteSpec& route, Request request, PathParams params,
                           QueryParams query, Principal principal, Finisher finish);
  // The address failed authentications are counted by (GatewayOptions::client_addresses); nullopt
  // when the request names none that can be believed.
  std::optional<std::string> ClientAddress(const Request& request) const;
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
  std::atomic<std::uint64_t> answered_{0};  // counts requests for the access log's sample
};

// Why a body is refused, with reason BODY_TOO_LARGE (answered 413): over `limit` bytes, or any
// body at all for a route that takes none (limit 0).
absl::Status BodyTooLarge(std::size_t limit);

// A fresh random id: 32 hex digits.
std::string NewRandomId();

// The request id of a request: its X-Request-Id when that is 1 to 128 printable ASCII
// characters without spaces, else a fresh one (NewRandomId).
std::string RequestIdFor(const Request& request);

}  // namespace oms::gateway
