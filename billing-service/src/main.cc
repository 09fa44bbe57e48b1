// billing-service: payments through the provider interface (the sandbox provider), invoices and
// credit notes. Flags, wiring and signals only.
#include <cstdio>

#include "absl/flags/flag.h"
#include "billing-service/src/billing_metrics.h"
#include "billing-service/src/billing_peers.h"
#include "billing-service/src/billing_service.h"
#include "billing-service/src/billing_use_cases.h"
#include "billing-service/src/reconciler.h"
#include "billing-service/src/sandbox_provider.h"
#include "billing-service/src/schema.h"
#include "common/failpoints.h"
#include "common/metrics.h"
#include "common/process_setup.h"
#include "common/service_flags.h"
#include "common/service_host.h"
#include "common/signals.h"

ABSL_FLAG(int, reconcile_interval_seconds, 30,
          "How often the reconciler settles authorizations whose caller may have died mid-call");
ABSL_FLAG(int, reconcile_after_seconds, 300,
          "How long an authorization may be in flight before the reconciler settles it");

int main(int argc, char** argv) {
  oms::PrepareProcess();
  oms::BlockTerminationSignals();
  auto parsed = oms::HostConfigFromFlags(
      argc, argv, {"billing-service", "OMS_BILLING", 50053, 9464},
      {{"reconcile_interval_seconds", "OMS_BILLING_RECONCILE_INTERVAL_SECONDS"},
       {"reconcile_after_seconds", "OMS_BILLING_RECONCILE_AFTER_SECONDS"}});
  const int reconcile_interval = absl::GetFlag(FLAGS_reconcile_interval_seconds);
  const int reconcile_after = absl::GetFlag(FLAGS_reconcile_after_seconds);
  if (parsed.ok() && (reconcile_interval < 1 || reconcile_interval > 3600)) {
    parsed = absl::InvalidArgumentError("--reconcile_interval_seconds must be 1 to 3600");
  }
  if (parsed.ok() && (reconcile_after < 1 || reconcile_after > 86400)) {
    parsed = absl::InvalidArgumentError("--reconcile_after_seconds must be 1 to 86400");
  }
  if (!parsed.ok()) {
    std::fprintf(stderr, "billing-service: %s\n", parsed.status().ToString().c_str());
    return 2;
  }
  oms::HostConfig config = std::move(*parsed);
  config.statements = oms::billing::PgBillingUseCases::Statements();
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
  // OMS_FAILPOINTS=billing.capture.before_commit=crash,...: exit after the provider answered and
  // before billing commits (fault tests of the whole suite).
  const oms::Failpoints failpoints = oms::Failpoints::FromEnvironment();
  oms::billing::PgBillingUseCases::Failpoint failpoint = nullptr;
  if (!failpoints.empty()) {
    failpoint = [&failpoints](const std::string& name, const std::string& request_id) {
      return failpoints.Hit(name, request_id).AsStatus(name);
    };
  }
  oms::billing::PgBillingUseCases billing((*host)->pool(), provider, {failpoint, &metrics});
  oms::billing::BillingServiceImpl service(billing, (*host)->executor());
  oms::billing::AuthorizationReconciler reconciler(
      (*host)->pool(), provider,
      {std::chrono::seconds(reconcile_after), std::chrono::seconds(reconcile_interval), 100,
       &metrics});
  absl::Status serving =
      (*host)->Serve({{&service, oms::billing::v1::BillingService::service_full_name(),
                       oms::billing::BillingServicePeers()}});
  if (!serving.ok()) {
    std::fprintf(stderr, "billing-service: cannot serve: %s\n", serving.ToString().c_str());
    return 1;
  }
  reconciler.Start();
  const int exit_code = (*host)->RunUntilSignal();
  reconciler.Stop();
  return exit_code;
}
