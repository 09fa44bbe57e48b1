// The Prometheus side of a process: one registry, an exposer on its own port, process metrics
// and oms_build_info. Domain code adds its own families to registry().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace oms {

// Buckets for latencies in seconds (the go client's defaults, which dashboards assume).
const std::vector<double>& LatencyBuckets();

class Metrics {
 public:
  // Creates the registry with process metrics and oms_build_info{service,version}.
  Metrics(absl::string_view service, absl::string_view version);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  prometheus::Registry& registry() { return *registry_; }

  // Serves /metrics on host:port (port 0 picks a free one); fails if the port is taken.
  [[nodiscard]] absl::Status Serve(absl::string_view host, int port);
  // The bound port once Serve succeeded, else 0.
  int port() const;

  // The text exposition, as a scrape would get it.
  std::string Render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<class ProcessCollector> process_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace oms
