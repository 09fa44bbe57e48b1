#include "gateway/src/gateway_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/metrics.h"

namespace oms::gateway {

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
      auth_rejected_(prometheus::BuildCounter()
                         .Name("oms_gateway_auth_rejected_total")
                         .Help("Requests refused by authentication (missing or invalid "
                               "credentials, 401) or authorization (forbidden, 403).")
                         .Register(registry)) {
  for (const char* reason : {"missing", "invalid", "forbidden"}) {
    auth_series_[reason] = &auth_rejected_.Add({{"reason", reason}});
  }
}

void GatewayMetrics::ObserveRequest(absl::string_view method, absl::string_view route, int status,
                                    double seconds) {
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

void GatewayMetrics::AuthRejected(absl::string_view reason) {
  auto it = auth_series_.find(std::string(reason));
  if (it != auth_series_.end()) it->second->Increment();
}

}  // namespace oms::gateway
