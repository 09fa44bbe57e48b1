#include "common/metrics.h"

#include <fstream>
#include <sstream>
#include <vector>

#include <dirent.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace oms {

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                               0.5,   1,    2.5,   5,    10};
  return kBuckets;
}

// Reads /proc at scrape time, so the values are always current and cost nothing in between.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page_size = static_cast<double>(sysconf(_SC_PAGESIZE));
    double cpu_seconds = 0, start_time = 0, resident_bytes = 0;

    std::ifstream stat_file("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    // Fields after the parenthesised command name: state is field 3; utime 14, stime 15,
    // starttime 22 (1-based, as proc(5) numbers them).
    auto close_paren = stat.rfind(')');
    if (close_paren != std::string::npos) {
      std::istringstream rest(stat.substr(close_paren + 2));
      std::vector<std::string> fields;
      for (std::string field; rest >> field;) fields.push_back(field);
      if (fields.size() > 19) {
        cpu_seconds = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
        start_time = BootTime() + std::stod(fields[19]) / ticks;
      }
    }
    std::ifstream statm("/proc/self/statm");
    double size_pages = 0, resident_pages = 0;
    if (statm >> size_pages >> resident_pages) resident_bytes = resident_pages * page_size;

    return {
        Family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               prometheus::MetricType::Counter, cpu_seconds),
        Family("process_resident_memory_bytes", "Resident memory size in bytes.",
               prometheus::MetricType::Gauge, resident_bytes),
        Family("process_open_fds", "Number of open file descriptors.",
               prometheus::MetricType::Gauge, OpenFds()),
        Family("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.",
               prometheus::MetricType::Gauge, start_time),
    };
  }

 private:
  static prometheus::MetricFamily Family(const std::string& name, const std::string& help,
                                         prometheus::MetricType type, double value) {
    prometheus::MetricFamily family;
    family.name = name;
    family.help = help;
    family.type = type;
    prometheus::ClientMetric metric;
    if (type == prometheus::MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    family.metric.push_back(metric);
    return family;
  }

  static double BootTime() {
    std::ifstream stat("/proc/stat");
    for (std::string key; stat >> key;) {
      if (key == "btime") {
        double btime = 0;
        stat >> btime;
        return btime;
      }
    }
    return 0;
  }

  static double OpenFds() {
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) return 0;
    double count = 0;
    while (readdir(dir) != nullptr) ++count;
    closedir(dir);
    return count - 3;  // ".", ".." and the descriptor of this very listing
  }
};

Metrics::Metrics(absl::string_view service, absl::string_view version)
    : registry_(std::make_shared<prometheus::Registry>()),
      process_(std::make_shared<ProcessCollector>()) {
  prometheus::BuildGauge()
      .Name("oms_build_info")
      .Help("Always 1; the labels say which service and version run.")
      .Register(*registry_)
      .Add({{"service", std::string(service)}, {"version", std::string(version)}})
      .Set(1);
}

Metrics::~Metrics() = default;

absl::Status Metrics::Serve(absl::string_view host, int port) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(absl::StrCat(host, ":", port), 2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", host, ":", port, ": ", e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(process_);
  return absl::OkStatus();
}

int Metrics::port() const {
  if (!exposer_) return 0;
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

std::string Metrics::Render() const {
  auto families = registry_->Collect();
  auto process = process_->Collect();
  families.insert(families.end(), process.begin(), process.end());
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace oms
