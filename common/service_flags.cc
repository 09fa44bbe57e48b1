#include "common/service_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/transport_flags.h"

ABSL_FLAG(std::string, listen_host, "127.0.0.1", "Address the gRPC and metrics servers bind");
ABSL_FLAG(int, port, -1, "gRPC port (0 picks a free one; -1: the service's default)");
ABSL_FLAG(int, metrics_port, -1,
          "Prometheus /metrics port (0 picks a free one; -1: the service's default)");
ABSL_FLAG(std::string, database_url, "", "libpq URI of the service's database");
ABSL_FLAG(int, db_pool_size, 8, "Database connections, and so worker threads");
ABSL_FLAG(int, drain_seconds, 10, "How long calls in flight may finish after SIGTERM");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error");
ABSL_FLAG(std::string, ready_file, "", "Where to write the bound ports once serving");
ABSL_FLAG(int, db_statement_timeout_ms, 30000,
          "A pooled connection's statement running longer is cancelled (0: the server's setting)");
ABSL_FLAG(int, db_lock_timeout_ms, 10000,
          "A pooled connection's wait for a lock longer than this fails (0: the server's setting)");
ABSL_FLAG(int, db_keepalive_idle_seconds, 30,
          "TCP keepalive: a silent database connection is probed after this long");
ABSL_FLAG(int, db_keepalive_interval_seconds, 10, "TCP keepalive: seconds between probes");
ABSL_FLAG(int, db_keepalive_count, 3, "TCP keepalive: unanswered probes that end a connection");
ABSL_FLAG(int, grpc_keepalive_ms, 20000,
          "gRPC: ping a peer after this long without a frame from it");
ABSL_FLAG(int, grpc_keepalive_timeout_ms, 10000,
          "gRPC: a ping unanswered for this long ends the connection");
ABSL_FLAG(int, grpc_min_ping_interval_ms, 10000,
          "gRPC server: clients may ping this often (at most every client's --grpc_keepalive_ms)");
ABSL_FLAG(bool, grpc_reflection, false,
          "Serve gRPC reflection (grpc.reflection.v1alpha) to operators (the omsctl identity)");

namespace oms {
namespace {

absl::Status InRange(int value, int low, int high, const char* flag) {
  if (value >= low && value <= high) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", flag, " must be ", low, " to ", high));
}

// The database's session limits and keepalives, and gRPC's keepalive, into `config`.
absl::Status ReadLivenessFlags(HostConfig* config) {
  const int statement_ms = absl::GetFlag(FLAGS_db_statement_timeout_ms);
  const int lock_ms = absl::GetFlag(FLAGS_db_lock_timeout_ms);
  const int idle = absl::GetFlag(FLAGS_db_keepalive_idle_seconds);
  const int interval = absl::GetFlag(FLAGS_db_keepalive_interval_seconds);
  const int count = absl::GetFlag(FLAGS_db_keepalive_count);
  const int ping_ms = absl::GetFlag(FLAGS_grpc_keepalive_ms);
  const int ping_timeout_ms = absl::GetFlag(FLAGS_grpc_keepalive_timeout_ms);
  const int min_ping_ms = absl::GetFlag(FLAGS_grpc_min_ping_interval_ms);
  for (absl::Status status :
       {InRange(statement_ms, 0, 3600000, "db_statement_timeout_ms"),
        InRange(lock_ms, 0, 3600000, "db_lock_timeout_ms"),
        InRange(idle, 1, 7200, "db_keepalive_idle_seconds"),
        InRange(interval, 1, 600, "db_keepalive_interval_seconds"),
        InRange(count, 1, 100, "db_keepalive_count"),
        InRange(ping_ms, 1000, 7200000, "grpc_keepalive_ms"),
        InRange(ping_timeout_ms, 1000, 600000, "grpc_keepalive_timeout_ms"),
        // Our own clients ping every --grpc_keepalive_ms: the server must accept that.
        InRange(min_ping_ms, 1000, ping_ms, "grpc_min_ping_interval_ms")}) {
    if (!status.ok()) return status;
  }
  config->statement_timeout = std::chrono::milliseconds(statement_ms);
  config->lock_timeout = std::chrono::milliseconds(lock_ms);
  config->db_keepalive = {std::chrono::seconds(idle), std::chrono::seconds(interval), count};
  config->grpc_keepalive = {std::chrono::milliseconds(ping_ms),
                            std::chrono::milliseconds(ping_timeout_ms),
                            std::chrono::milliseconds(min_ping_ms)};
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HostConfig> HostConfigFromFlags(int argc, char** argv,
                                               const ServiceIdentity& identity,
                                               const std::vector<EnvFallback>& extra) {
  std::vector<EnvFallback> fallbacks = {
      {"listen_host", "OMS_LISTEN_HOST"},
      {"port", identity.env_prefix + "_PORT"},
      {"metrics_port", identity.env_prefix + "_METRICS_PORT"},
      {"database_url", identity.env_prefix + "_DATABASE_URL"},
      {"db_pool_size", identity.env_prefix + "_DB_POOL_SIZE"},
      {"drain_seconds", "OMS_DRAIN_SECONDS"},
      {"log_level", "OMS_LOG_LEVEL"},
      {"ready_file", "OMS_READY_FILE"},
      {"db_statement_timeout_ms", "OMS_DB_STATEMENT_TIMEOUT_MS"},
      {"db_lock_timeout_ms", "OMS_DB_LOCK_TIMEOUT_MS"},
      {"db_keepalive_idle_seconds", "OMS_DB_KEEPALIVE_IDLE_SECONDS"},
      {"db_keepalive_interval_seconds", "OMS_DB_KEEPALIVE_INTERVAL_SECONDS"},
      {"db_keepalive_count", "OMS_DB_KEEPALIVE_COUNT"},
      {"grpc_keepalive_ms", "OMS_GRPC_KEEPALIVE_MS"},
      {"grpc_keepalive_timeout_ms", "OMS_GRPC_KEEPALIVE_TIMEOUT_MS"},
      {"grpc_min_ping_interval_ms", "OMS_GRPC_MIN_PING_INTERVAL_MS"},
      {"grpc_reflection", "OMS_GRPC_REFLECTION"}};
  for (EnvFallback& fallback : TransportSecurityEnv()) fallbacks.push_back(std::move(fallback));
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
  absl::Status liveness = ReadLivenessFlags(&config);
  if (!liveness.ok()) return liveness;
  auto security = TransportSecurityFromFlags();
  if (!security.ok()) return security.status();
  config.security = std::move(*security);
  config.grpc_reflection = absl::GetFlag(FLAGS_grpc_reflection);
  return config;
}

}  // namespace oms
