// inventory-service: catalog, warehouses and stock. Flags, wiring and signals only.
#include <cstdio>

#include "absl/flags/flag.h"
#include "common/config.h"
#include "common/service_host.h"
#include "common/signals.h"
#include "common/metrics.h"
#include "inventory-service/src/expiry_sweeper.h"
#include "inventory-service/src/inventory_service.h"
#include "inventory-service/src/reservation_validation.h"
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
ABSL_FLAG(int, reservation_ttl_seconds, 900, "Expiry of a reservation that asks for no TTL");
ABSL_FLAG(int, sweep_interval_seconds, 5, "How often held reservations past expiry are freed");

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
       {"ready_file", "OMS_READY_FILE"},
       {"reservation_ttl_seconds", "OMS_INVENTORY_RESERVATION_TTL_SECONDS"},
       {"sweep_interval_seconds", "OMS_INVENTORY_SWEEP_INTERVAL_SECONDS"}});
  oms::HostConfig config;
  config.service_name = "inventory-service";
  if (parsed.ok() && !oms::log::ParseLevel(absl::GetFlag(FLAGS_log_level), &config.log_level)) {
    parsed = absl::InvalidArgumentError("--log_level must be debug, info, warn or error");
  }
  if (parsed.ok() && absl::GetFlag(FLAGS_db_pool_size) < 1) {
    parsed = absl::InvalidArgumentError("--db_pool_size must be at least 1");
  }
  const int ttl = absl::GetFlag(FLAGS_reservation_ttl_seconds);
  if (parsed.ok() && (ttl < 1 || ttl > oms::inventory::kMaxTtlSeconds)) {
    parsed = absl::InvalidArgumentError("--reservation_ttl_seconds must be 1 to 2592000");
  }
  const int sweep_seconds = absl::GetFlag(FLAGS_sweep_interval_seconds);
  if (parsed.ok() && (sweep_seconds < 1 || sweep_seconds > 3600)) {
    parsed = absl::InvalidArgumentError("--sweep_interval_seconds must be 1 to 3600");
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
  const auto& reservation_statements = oms::inventory::PgReservationStore::Statements();
  config.statements.insert(config.statements.end(), reservation_statements.begin(),
                           reservation_statements.end());
  config.migrations = oms::inventory::Migrations();

  auto host = oms::ServiceHost::Create(std::move(config));
  if (!host.ok()) {
    std::fprintf(stderr, "inventory-service: cannot start: %s\n", host.status().ToString().c_str());
    return 1;
  }
  oms::inventory::PgInventoryStore store((*host)->pool());
  oms::inventory::PgReservationStore reservations((*host)->pool());
  oms::inventory::InventoryMetrics metrics((*host)->metrics().registry());
  oms::inventory::InventoryServiceImpl service(
      store, reservations, metrics, (*host)->executor(),
      {ttl, std::chrono::seconds(2 * sweep_seconds)});
  oms::inventory::ExpirySweeper sweeper(reservations, metrics,
                                        std::chrono::seconds(sweep_seconds));
  absl::Status serving = (*host)->Serve(
      {{&service, oms::inventory::v1::InventoryService::service_full_name()}});
  if (!serving.ok()) {
    std::fprintf(stderr, "inventory-service: cannot serve: %s\n", serving.ToString().c_str());
    return 1;
  }
  sweeper.Start();
  const int exit_code = (*host)->RunUntilSignal();
  sweeper.Stop();
  return exit_code;
}
