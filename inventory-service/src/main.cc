// inventory-service: catalog, warehouses and stock. Flags, wiring and signals only.
#include <cstdio>

#include "absl/flags/flag.h"
#include "common/config.h"
#include "common/service_host.h"
#include "common/signals.h"
#include "inventory-service/src/inventory_service.h"
#include "inventory-service/src/inventory_store.h"
#include "inventory-service/src/schema.h"

ABSL_FLAG(std::string, listen_host, "127.0.0.1", "Address the gRPC and metrics servers bind");
ABSL_FLAG(int, port, 50052, "gRPC port (0 picks a free one)");
ABSL_FLAG(int, metrics_port, 9463, "Prometheus /metrics port (0 picks a free one)");
ABSL_FLAG(std::string, database_url, "", "libpq URI of the oms_inventory database");
ABSL_FLAG(int, db_pool_size, 8, "Database connections, and so worker threads");
ABSL_FLAG(int, drain_seconds, 10, "How long calls in flight may finish after SIGTERM");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error");
ABSL_FLAG(std::string, ready_file, "", "Where to write the bound ports once serving");

int main(int argc, char** argv) {
  oms::BlockTerminationSignals();
  absl::Status parsed = oms::ParseFlagsWithEnv(
      argc, argv,
      {{"listen_host", "OMS_LISTEN_HOST"},
       {"port", "OMS_INVENTORY_PORT"},
       {"metrics_port", "OMS_INVENTORY_METRICS_PORT"},
       {"database_url", "OMS_INVENTORY_DATABASE_URL"},
       {"db_pool_size", "OMS_INVENTORY_DB_POOL_SIZE"},
       {"drain_seconds", "OMS_DRAIN_SECONDS"},
       {"log_level", "OMS_LOG_LEVEL"},
       {"ready_file", "OMS_READY_FILE"}});
  oms::HostConfig config;
  config.service_name = "inventory-service";
  if (parsed.ok() && !oms::log::ParseLevel(absl::GetFlag(FLAGS_log_level), &config.log_level)) {
    parsed = absl::InvalidArgumentError("--log_level must be debug, info, warn or error");
  }
  if (parsed.ok() && absl::GetFlag(FLAGS_db_pool_size) < 1) {
    parsed = absl::InvalidArgumentError("--db_pool_size must be at least 1");
  }
  if (!parsed.ok()) {
    std::fprintf(stderr, "inventory-service: %s\n", parsed.ToString().c_str());
    return 2;
  }
  config.listen_host = absl::GetFlag(FLAGS_listen_host);
  config.port = absl::GetFlag(FLAGS_port);
  config.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  config.database_url = absl::GetFlag(FLAGS_database_url);
  config.db_pool_size = static_cast<std::size_t>(absl::GetFlag(FLAGS_db_pool_size));
  config.drain_timeout = std::chrono::seconds(absl::GetFlag(FLAGS_drain_seconds));
  config.ready_file = absl::GetFlag(FLAGS_ready_file);
  config.statements = oms::inventory::PgInventoryStore::Statements();
  config.migrations = oms::inventory::Migrations();

  auto host = oms::ServiceHost::Create(std::move(config));
  if (!host.ok()) {
    std::fprintf(stderr, "inventory-service: cannot start: %s\n", host.status().ToString().c_str());
    return 1;
  }
  oms::inventory::PgInventoryStore store((*host)->pool());
  oms::inventory::InventoryServiceImpl service(store, (*host)->executor());
  absl::Status serving = (*host)->Serve(
      {{&service, oms::inventory::v1::InventoryService::service_full_name()}});
  if (!serving.ok()) {
    std::fprintf(stderr, "inventory-service: cannot serve: %s\n", serving.ToString().c_str());
    return 1;
  }
  return (*host)->RunUntilSignal();
}
