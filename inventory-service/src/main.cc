// inventory-service: catalog, warehouses, stock and reservations. Flags, wiring and signals only.
#include <cstdio>

#include "absl/flags/flag.h"
#include "common/metrics.h"
#include "common/process_setup.h"
#include "common/service_flags.h"
#include "common/service_host.h"
#include "common/signals.h"
#include "inventory-service/src/expiry_sweeper.h"
#include "inventory-service/src/inventory_peers.h"
#include "inventory-service/src/inventory_service.h"
#include "inventory-service/src/inventory_use_cases.h"
#include "inventory-service/src/reservation_use_cases.h"
#include "inventory-service/src/reservation_validation.h"
#include "inventory-service/src/schema.h"
#include "inventory-service/src/statements.h"

ABSL_FLAG(int, reservation_ttl_seconds, 900, "Expiry of a reservation that asks for no TTL");
ABSL_FLAG(int, sweep_interval_seconds, 5, "How often held reservations past expiry are freed");

int main(int argc, char** argv) {
  oms::PrepareProcess();
  oms::BlockTerminationSignals();
  auto config = oms::HostConfigFromFlags(
      argc, argv, {"inventory-service", "OMS_INVENTORY", 50052, 9463},
      {{"reservation_ttl_seconds", "OMS_INVENTORY_RESERVATION_TTL_SECONDS"},
       {"sweep_interval_seconds", "OMS_INVENTORY_SWEEP_INTERVAL_SECONDS"}});
  const int ttl = absl::GetFlag(FLAGS_reservation_ttl_seconds);
  const int sweep_seconds = absl::GetFlag(FLAGS_sweep_interval_seconds);
  if (config.ok() && (ttl < 1 || ttl > oms::inventory::kMaxTtlSeconds)) {
    config = absl::InvalidArgumentError("--reservation_ttl_seconds must be 1 to 2592000");
  }
  if (config.ok() && (sweep_seconds < 1 || sweep_seconds > 3600)) {
    config = absl::InvalidArgumentError("--sweep_interval_seconds must be 1 to 3600");
  }
  if (!config.ok()) {
    std::fprintf(stderr, "inventory-service: %s\n", config.status().ToString().c_str());
    return 2;
  }
  config->statements = oms::inventory::InventoryStatements();
  config->migrations = oms::inventory::Migrations();

  auto host = oms::ServiceHost::Create(std::move(*config));
  if (!host.ok()) {
    std::fprintf(stderr, "inventory-service: cannot start: %s\n", host.status().ToString().c_str());
    return 1;
  }
  oms::inventory::PgInventoryUseCases inventory((*host)->pool());
  oms::inventory::PgReservationUseCases reservations((*host)->pool());
  oms::inventory::InventoryMetrics metrics((*host)->metrics().registry());
  oms::inventory::InventoryServiceImpl service(inventory, reservations, metrics,
                                               (*host)->executor(),
                                               {ttl, std::chrono::seconds(2 * sweep_seconds)});
  oms::inventory::ExpirySweeper sweeper(reservations, metrics, std::chrono::seconds(sweep_seconds));
  absl::Status serving =
      (*host)->Serve({{&service, oms::inventory::v1::InventoryService::service_full_name(),
                       oms::inventory::InventoryServicePeers()}});
  if (!serving.ok()) {
    std::fprintf(stderr, "inventory-service: cannot serve: %s\n", serving.ToString().c_str());
    return 1;
  }
  sweeper.Start();
  const int exit_code = (*host)->RunUntilSignal();
  sweeper.Stop();
  return exit_code;
}
