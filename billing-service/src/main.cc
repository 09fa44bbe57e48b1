// billing-service: payments through the provider interface (the sandbox provider), invoices and
// credit notes. Flags, wiring and signals only.
#include <cstdio>
#include <cstdlib>
#include <set>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "billing-service/src/billing_metrics.h"
#include "billing-service/src/billing_service.h"
#include "billing-service/src/billing_store.h"
#include "billing-service/src/sandbox_provider.h"
#include "billing-service/src/schema.h"
#include "common/config.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/service_host.h"
#include "common/signals.h"

ABSL_FLAG(std::string, listen_host, "127.0.0.1", "Address the gRPC and metrics servers bind");
ABSL_FLAG(int, port, 50053, "gRPC port (0 picks a free one)");
ABSL_FLAG(int, metrics_port, 9464, "Prometheus /metrics port (0 picks a free one)");
ABSL_FLAG(std::string, database_url, "", "libpq URI of the oms_billing database");
ABSL_FLAG(int, db_pool_size, 8, "Database connections, and so worker threads");
ABSL_FLAG(int, drain_seconds, 10, "How long calls in flight may finish after SIGTERM");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error");
ABSL_FLAG(std::string, ready_file, "", "Where to write the bound ports once serving");

namespace {

// OMS_FAILPOINTS=billing.capture.before_commit=crash,...: the process exits at that point, after
// the provider answered and before billing commits (fault tests of the whole suite).
oms::billing::PgBillingStore::Failpoint CrashFailpoints() {
  const char* spec = std::getenv("OMS_FAILPOINTS");
  std::set<std::string> crash;
  if (spec != nullptr) {
    for (absl::string_view entry : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
      std::pair<std::string, std::string> parts = absl::StrSplit(entry, absl::MaxSplits('=', 1));
      if (parts.second == "crash") crash.insert(parts.first);
    }
  }
  if (crash.empty()) return nullptr;
  return [crash](const std::string& name, const std::string& request_id) {
    if (crash.count(name) > 0) {
      oms::log::Error(request_id, "failpoint: crashing", {{"failpoint", name}});
      std::_Exit(137);
    }
    return absl::OkStatus();
  };
}

}  // namespace

int main(int argc, char** argv) {
  oms::BlockTerminationSignals();
  absl::Status parsed = oms::ParseFlagsWithEnv(
      argc, argv,
      {{"listen_host", "OMS_LISTEN_HOST"},
       {"port", "OMS_BILLING_PORT"},
       {"metrics_port", "OMS_BILLING_METRICS_PORT"},
       {"database_url", "OMS_BILLING_DATABASE_URL"},
       {"db_pool_size", "OMS_BILLING_DB_POOL_SIZE"},
       {"drain_seconds", "OMS_DRAIN_SECONDS"},
       {"log_level", "OMS_LOG_LEVEL"},
       {"ready_file", "OMS_READY_FILE"}});
  oms::HostConfig config;
  config.service_name = "billing-service";
  if (parsed.ok() && !oms::log::ParseLevel(absl::GetFlag(FLAGS_log_level), &config.log_level)) {
    parsed = absl::InvalidArgumentError("--log_level must be debug, info, warn or error");
  }
  if (parsed.ok() && absl::GetFlag(FLAGS_db_pool_size) < 1) {
    parsed = absl::InvalidArgumentError("--db_pool_size must be at least 1");
  }
  if (!parsed.ok()) {
    std::fprintf(stderr, "billing-service: %s\n", parsed.ToString().c_str());
    return 2;
  }
  config.listen_host = absl::GetFlag(FLAGS_listen_host);
  config.port = absl::GetFlag(FLAGS_port);
  config.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  config.database_url = absl::GetFlag(FLAGS_database_url);
  config.db_pool_size = static_cast<std::size_t>(absl::GetFlag(FLAGS_db_pool_size));
  config.drain_timeout = std::chrono::seconds(absl::GetFlag(FLAGS_drain_seconds));
  config.ready_file = absl::GetFlag(FLAGS_ready_file);
  config.statements = oms::billing::PgBillingStore::Statements();
  config.migrations = oms::billing::Migrations();

  auto host = oms::ServiceHost::Create(config);
  if (!host.ok()) {
    std::fprintf(stderr, "billing-service: cannot start: %s\n", host.status().ToString().c_str());
    return 1;
  }
  // The sandbox provider gets a pool of its own, as a remote provider would be a connection of
  // its own: a billing transaction waiting on the provider can never starve it of connections.
  auto provider_pool = oms::PgPool::Create(
      {config.database_url, config.db_pool_size, std::chrono::milliseconds(2000),
       oms::billing::SandboxProvider::Statements()},
      nullptr);
  if (!provider_pool.ok()) {
    std::fprintf(stderr, "billing-service: cannot start the sandbox provider: %s\n",
                 provider_pool.status().ToString().c_str());
    return 1;
  }
  oms::billing::SandboxProvider sandbox(**provider_pool);
  oms::billing::BillingMetrics metrics((*host)->metrics().registry());
  oms::billing::InstrumentedProvider provider(sandbox, metrics);
  oms::billing::PgBillingStore store((*host)->pool(), provider, {CrashFailpoints(), &metrics});
  oms::billing::BillingServiceImpl service(store, (*host)->executor());
  absl::Status serving = (*host)->Serve(
      {{&service, oms::billing::v1::BillingService::service_full_name()}});
  if (!serving.ok()) {
    std::fprintf(stderr, "billing-service: cannot serve: %s\n", serving.ToString().c_str());
    return 1;
  }
  return (*host)->RunUntilSignal();
}
