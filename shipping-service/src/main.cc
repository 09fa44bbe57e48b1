// shipping-service: shipments, their journal, returns and the shipment event outbox. Flags,
// wiring and signals only.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/metrics.h"
#include "common/pg_pool.h"
#include "common/process_setup.h"
#include "common/service_flags.h"
#include "common/service_host.h"
#include "common/signals.h"
#include "shipping-service/src/disk_proof_store.h"
#include "shipping-service/src/event_hub.h"
#include "shipping-service/src/outbox_listener.h"
#include "shipping-service/src/schema.h"
#include "shipping-service/src/shipping_metrics.h"
#include "shipping-service/src/shipping_peers.h"
#include "shipping-service/src/shipping_service.h"
#include "shipping-service/src/shipping_use_cases.h"

ABSL_FLAG(int, max_streams, 256, "Open StreamEvents calls allowed at once");
ABSL_FLAG(int, stream_heartbeat_ms, 5000,
          "A stream quiet this long sends a heartbeat (order-service --stream_heartbeat_ms must "
          "match)");
ABSL_FLAG(std::string, proof_dir, "",
          "Directory of the photo proofs of delivery (created when missing); empty: uploads are "
          "refused with FAILED_PRECONDITION PROOF_STORE_NOT_CONFIGURED");

int main(int argc, char** argv) {
  oms::PrepareProcess();
  oms::BlockTerminationSignals();
  auto parsed =
      oms::HostConfigFromFlags(argc, argv, {"shipping-service", "OMS_SHIPPING", 50054, 9465},
                               {{"max_streams", "OMS_SHIPPING_MAX_STREAMS"},
                                {"stream_heartbeat_ms", "OMS_STREAM_HEARTBEAT_MS"},
                                {"proof_dir", "OMS_SHIPPING_PROOF_DIR"}});
  const int heartbeat_ms = absl::GetFlag(FLAGS_stream_heartbeat_ms);
  if (parsed.ok() && absl::GetFlag(FLAGS_max_streams) < 1) {
    parsed = absl::InvalidArgumentError("--max_streams must be at least 1");
  }
  if (parsed.ok() && (heartbeat_ms < 100 || heartbeat_ms > 600000)) {
    parsed = absl::InvalidArgumentError("--stream_heartbeat_ms must be 100 to 600000");
  }
  std::unique_ptr<oms::shipping::DiskProofStore> proofs;
  if (parsed.ok() && !absl::GetFlag(FLAGS_proof_dir).empty()) {
    auto opened = oms::shipping::DiskProofStore::Open(absl::GetFlag(FLAGS_proof_dir));
    if (opened.ok()) {
      proofs = std::make_unique<oms::shipping::DiskProofStore>(std::move(*opened));
    } else {
      parsed = absl::InvalidArgumentError(absl::StrCat("--proof_dir: ", opened.status().message()));
    }
  }
  if (!parsed.ok()) {
    std::fprintf(stderr, "shipping-service: %s\n", parsed.status().ToString().c_str());
    return 2;
  }
  oms::HostConfig config = std::move(*parsed);
  config.statements = oms::shipping::PgShippingUseCases::Statements();
  config.migrations = oms::shipping::Migrations();
  // The LISTEN connection idles by design: keepalives tell a dead one from a quiet one.
  const std::string database_url = oms::WithKeepalives(config.database_url, config.db_keepalive);

  auto host = oms::ServiceHost::Create(std::move(config));
  if (!host.ok()) {
    std::fprintf(stderr, "shipping-service: cannot start: %s\n", host.status().ToString().c_str());
    return 1;
  }
  oms::shipping::ShippingMetrics metrics((*host)->metrics().registry());
  oms::shipping::PgShippingUseCases use_cases((*host)->pool(), &metrics, proofs.get());
  oms::shipping::EventHub hub(static_cast<std::size_t>(absl::GetFlag(FLAGS_max_streams)),
                              std::chrono::milliseconds(heartbeat_ms));
  oms::shipping::OutboxListener listener({database_url}, hub, &metrics);
  listener.Start();
  oms::shipping::ShippingServiceImpl service(use_cases, (*host)->executor(), hub, &metrics);
  absl::Status serving =
      (*host)->Serve({{&service, oms::shipping::v1::ShippingService::service_full_name(),
                       oms::shipping::ShippingServicePeers()}});
  if (!serving.ok()) {
    std::fprintf(stderr, "shipping-service: cannot serve: %s\n", serving.ToString().c_str());
    return 1;
  }
  // Streams never end by themselves, so the drain would wait them out: first end every stream
  // with UNAVAILABLE (clients reconnect elsewhere with their cursor), then drain.
  return (*host)->RunUntilSignal([&hub, &listener] {
    hub.Close();
    listener.Stop();
  });
}
