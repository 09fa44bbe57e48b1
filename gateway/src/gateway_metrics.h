// The gateway's HTTP metrics, labelled by route TEMPLATE ("/v1/products/{sku}"), never by the
// raw path, so label cardinality is bounded by the route table.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "absl/strings/string_view.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace oms::gateway {

// The route label of requests that matched no route.
inline constexpr char kUnmatchedRoute[] = "unmatched";

class GatewayMetrics {
 public:
  explicit GatewayMetrics(prometheus::Registry& registry);

  // http_server_requests_total{method,route,code} and
  // http_server_request_duration_seconds{method,route}.
  void ObserveRequest(absl::string_view method, absl::string_view route, int status,
                      double seconds);
  void AddInFlight(double delta);
  void RateLimited();
  void Overloaded();
  void ConnectionRefused();
  // reason: "missing", "invalid" (401), "forbidden" (403) or "throttled" (429: too many failed
  // authentications from the client's address).
  void AuthRejected(absl::string_view reason);
  // outcome: "claimed" (the request ran), "replayed", "in_use" (409), "mismatch" (422) or
  // "unavailable" (the records could not be reached: 503).
  void Idempotency(absl::string_view outcome);
  void SetOpenStreams(double streams);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Gauge& in_flight_;
  prometheus::Counter& rate_limited_;
  prometheus::Counter& overloaded_;
  prometheus::Counter& connections_refused_;
  prometheus::Family<prometheus::Counter>& auth_rejected_;
  prometheus::Family<prometheus::Counter>& idempotency_;
  prometheus::Gauge& open_streams_;
  std::mutex mu_;
  // Each series is added once and its reference kept.
  std::map<std::tuple<std::string, std::string, int>, prometheus::Counter*> request_series_;
  std::map<std::pair<std::string, std::string>, prometheus::Histogram*> duration_series_;
  std::map<std::string, prometheus::Counter*> auth_series_;
  std::map<std::string, prometheus::Counter*> idempotency_series_;
};

}  // namespace oms::gateway
