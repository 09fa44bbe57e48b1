#include "common/service_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, listen_host, "127.0.0.1", "Address the gRPC and metrics servers bind");
ABSL_FLAG(int, port, -1, "gRPC port (0 picks a free one; -1: the service's default)");
ABSL_FLAG(int, metrics_port, -1,
          "Prometheus /metrics port (0 picks a free one; -1: the service's default)");
ABSL_FLAG(std::string, database_url, "", "libpq URI of the service's database");
ABSL_FLAG(int, db_pool_size, 8, "Database connections, and so worker threads");
ABSL_FLAG(int, drain_seconds, 10, "How long calls in flight may finish after SIGTERM");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error");
ABSL_FLAG(std::string, ready_file, "", "Where to write the bound ports once serving");

namespace oms {

absl::StatusOr<HostConfig> HostConfigFromFlags(int argc, char** argv,
                                               const ServiceIdentity& identity,
                                               const std::vector<EnvFallback>& extra) {
  std::vector<EnvFallback> fallbacks = {{"listen_host", "OMS_LISTEN_HOST"},
                                        {"port", identity.env_prefix + "_PORT"},
                                        {"metrics_port", identity.env_prefix + "_METRICS_PORT"},
                                        {"database_url", identity.env_prefix + "_DATABASE_URL"},
                                        {"db_pool_size", identity.env_prefix + "_DB_POOL_SIZE"},
                                        {"drain_seconds", "OMS_DRAIN_SECONDS"},
                                        {"log_level", "OMS_LOG_LEVEL"},
                                        {"ready_file", "OMS_READY_FILE"}};
  fallbacks.insert(fallbacks.end(), extra.begin(), extra.end());
  absl::Status parsed = ParseFlagsWithEnv(argc, argv, fallbacks);
  if (!parsed.ok()) return parsed;

  HostConfig config;
  config.service_name = identity.name;
  if (!log::ParseLevel(absl::GetFlag(FLAGS_log_level), &config.log_level)) {
    return absl::InvalidArgumentError("--log_level must be debug, info, warn or error");
  }
  const int pool_size = absl::GetFlag(FLAGS_db_pool_size);
  if (pool_size < 1 || pool_size > 256) {
    return absl::InvalidArgumentError("--db_pool_size must be 1 to 256");
  }
  const int drain = absl::GetFlag(FLAGS_drain_seconds);
  if (drain < 0 || drain > 3600) {
    return absl::InvalidArgumentError("--drain_seconds must be 0 to 3600");
  }
  for (auto [value, name] : {std::pair{absl::GetFlag(FLAGS_port), "--port"},
                             std::pair{absl::GetFlag(FLAGS_metrics_port), "--metrics_port"}}) {
    if (value < -1 || value > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(name, " must be 0 to 65535"));
    }
  }
  config.listen_host = absl::GetFlag(FLAGS_listen_host);
  config.port = absl::GetFlag(FLAGS_port) < 0 ? identity.default_port : absl::GetFlag(FLAGS_port);
  config.metrics_port = absl::GetFlag(FLAGS_metrics_port) < 0 ? identity.default_metrics_port
                                                              : absl::GetFlag(FLAGS_metrics_port);
  config.database_url = absl::GetFlag(FLAGS_database_url);
  if (config.database_url.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no database: set --database_url or ", identity.env_prefix, "_DATABASE_URL"));
  }
  config.db_pool_size = static_cast<std::size_t>(pool_size);
  config.drain_timeout = std::chrono::seconds(drain);
  config.ready_file = absl::GetFlag(FLAGS_ready_file);
  config.failpoints = Failpoints::FromEnvironment();
  return config;
}

}  // namespace oms
