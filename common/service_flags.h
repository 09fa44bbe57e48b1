// The flags every service binary takes, each with its environment variable (a flag given on the
// command line wins), turned into a validated HostConfig. Services add flags of their own in
// their main() and pass their variables as `extra`.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config.h"
#include "common/service_host.h"

namespace oms {

struct ServiceIdentity {
  std::string name;        // e.g. "inventory-service"
  std::string env_prefix;  // e.g. "OMS_INVENTORY": OMS_INVENTORY_PORT, _METRICS_PORT, ...
  int default_port = 0;
  int default_metrics_port = 0;
};

// Parses argv and the environment. The shared flags: --listen_host (OMS_LISTEN_HOST), --port
// (<prefix>_PORT), --metrics_port (<prefix>_METRICS_PORT), --database_url
// (<prefix>_DATABASE_URL), --db_pool_size (<prefix>_DB_POOL_SIZE), --drain_seconds
// (OMS_DRAIN_SECONDS), --log_level (OMS_LOG_LEVEL), --ready_file (OMS_READY_FILE); the
// liveness limits --db_statement_timeout_ms (OMS_DB_STATEMENT_TIMEOUT_MS), --db_lock_timeout_ms
// (OMS_DB_LOCK_TIMEOUT_MS), --db_keepalive_idle_seconds, --db_keepalive_interval_seconds,
// --db_keepalive_count (OMS_DB_KEEPALIVE_IDLE_SECONDS, ..._INTERVAL_SECONDS, ..._COUNT),
// --grpc_keepalive_ms, --grpc_keepalive_timeout_ms, --grpc_min_ping_interval_ms
// (OMS_GRPC_KEEPALIVE_MS, OMS_GRPC_KEEPALIVE_TIMEOUT_MS, OMS_GRPC_MIN_PING_INTERVAL_MS);
// --grpc_reflection (OMS_GRPC_REFLECTION); the transport security flags of
// common/transport_flags.h (no certificates and no --insecure_plaintext: an error); and
// OMS_FAILPOINTS into HostConfig::failpoints. Each is checked against its bounds
// (INVALID_ARGUMENT naming the flag).
[[nodiscard]] absl::StatusOr<HostConfig> HostConfigFromFlags(
    int argc, char** argv, const ServiceIdentity& identity,
    const std::vector<EnvFallback>& extra = {});

}  // namespace oms
