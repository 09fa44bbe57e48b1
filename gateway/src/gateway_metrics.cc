#include "gateway/src/gateway_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/metrics.h"

namespace oms::gateway {
namespace {

// Clients choose the method: only the standard ones name a series, so that no client can add
// series (a label value per made-up method) to every scrape.
absl::string_view MethodLabel(absl::string_view method) {
  for (absl::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "OTHER";
}

}  // namespace

GatewayMetrics::GatewayMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("http_server_requests_total")
                    .Help("HTTP requests answered by the gateway, by method, route template and "
                          "status code.")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("http_server_request_duration_seconds")
                    .Help("Time from a request's arrival to its answer, by method and route "
                          "template.")
                    .Register(registry)),
      in_flight_(prometheus::BuildGauge()
                     .Name("http_server_requests_in_flight")
                     .Help("HTTP requests being handled now.")
                     .Register(registry)
                     .Add({})),
      rate_limited_(prometheus::BuildCounter()
                        .Name("oms_gateway_rate_limited_total")
                        .Help("Requests refused with 429 by the per-credential rate limit.")
                        .Register(registry)
                        .Add({})),
      overloaded_(prometheus::BuildCounter()
                      .Name("oms_gateway_overloaded_total")
                      .Help("Requests refused with 503 because the in-flight cap was reached.")
                      .Register(registry)
                      .Add({})),
      connections_refused_(prometheus::BuildCounter()
                               .Name("oms_gateway_connections_refused_total")
                               .Help("Connections closed as they were accepted because the "
                                     "gateway's or their address's connection cap was reached.")
                               .Register(registry)
                               .Add({})),
      auth_rejected_(prometheus::BuildCounter()
                         .Name("oms_gateway_auth_rejected_total")
                         .Help("Requests refused by authentication (missing or invalid "
                               "credentials, 401), authorization (forbidden, 403), or because "
                               "their address failed to authenticate too often (throttled, 429).")
                         .Register(registry)),
      idempotency_(prometheus::BuildCounter()
                       .Name("oms_gateway_idempotency_keys_total")
                       .Help("POST requests with an Idempotency-Key, by what the key's record "
                             "said: claimed (ran), replayed, in_use (409), mismatch (422), "
                             "unavailable (503).")
                       .Register(registry)),
      open_streams_(prometheus::BuildGauge()
                        .Name("oms_gateway_open_streams")
                        .Help("Server-sent event streams open now.")
                        .Register(registry)
                        .Add({})) {
  for (const char* reason : {"missing", "invalid", "forbidden", "throttled"}) {
    auth_series_[reason] = &auth_rejected_.Add({{"reason", reason}});
  }
  for (const char* outcome : {"claimed", "replayed", "in_use", "mismatch", "unavailable"}) {
    idempotency_series_[outcome] = &idempotency_.Add({{"outcome", outcome}});
  }
}

void GatewayMetrics::ObserveRequest(absl::string_view method, absl::string_view route, int status,
                                    double seconds) {
  method = MethodLabel(method);
  prometheus::Counter* counter = nullptr;
  prometheus::Histogram* histogram = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto key = std::make_tuple(std::string(method), std::string(route), status);
    auto it = request_series_.find(key);
    if (it == request_series_.end()) {
      it = request_series_
               .emplace(key, &requests_.Add({{"method", std::string(method)},
                                             {"route", std::string(route)},
                                             {"code", std::to_string(status)}}))
               .first;
    }
    counter = it->second;
    auto duration_key = std::make_pair(std::string(method), std::string(route));
    auto hit = duration_series_.find(duration_key);
    if (hit == duration_series_.end()) {
      hit = duration_series_
                .emplace(
                    duration_key,
                    &duration_.Add({{"method", std::string(method)}, {"route", std::string(route)}},
                                   prometheus::Histogram::BucketBoundaries(LatencyBuckets().begin(),
                                                                           LatencyBuckets().end())))
                .first;
    }
    histogram = hit->second;
  }
  counter->Increment();
  histogram->Observe(seconds);
}

void GatewayMetrics::AddInFlight(double delta) { in_flight_.Increment(delta); }

void GatewayMetrics::RateLimited() { rate_limited_.Increment(); }

void GatewayMetrics::Overloaded() { overloaded_.Increment(); }

void GatewayMetrics::ConnectionRefused() { connections_refused_.Increment(); }

void GatewayMetrics::AuthRejected(absl::string_view reason) {
  auto it = auth_series_.find(std::string(reason));
  if (it != auth_series_.end()) it->second->Increment();
}

void GatewayMetrics::Idempotency(absl::string_view outcome) {
  auto it = idempotency_series_.find(std::string(outcome));
  if (it != idempotency_series_.end()) it->second->Increment();
}

void GatewayMetrics::SetOpenStreams(double streams) { open_streams_.Set(streams); }

}  // namespace oms::gateway
