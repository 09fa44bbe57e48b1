#include "billing-service/src/reconciler.h"

#include <optional>
#include <vector>

#include <pqxx/pqxx>

#include "billing-service/src/authorization_decisions.h"
#include "billing-service/src/authorization_intents_store.h"
#include "billing-service/src/authorization_settlement.h"
#include "billing-service/src/billing_metrics.h"
#include "common/log.h"
#include "common/pg_pool.h"

namespace oms::billing {
namespace {

// The request id of the transactions the reconciler records on a tombstone.
constexpr char kReconcilerRequestId[] = "billing-reconciler";

// Settles one intent and counts what it did in `report`.
absl::Status Reconcile(PgPool& pool, PaymentProvider& provider, AuthorizationSettlement& settlement,
                       const AuthorizationIntent& intent, ReconcileReport& report) {
  auto found = provider.FindAuthorization(intent.idempotency_key);
  if (!found.ok()) return found.status();
  switch (PlanReconcile(intent.state, *found)) {
    case ReconcileAction::kAdopt: {
      auto adopted = settlement.Adopt(intent, **found);
      if (!adopted.ok()) return adopted.status();
      report.adopted += *adopted ? 1 : 0;
      return absl::OkStatus();
    }
    case ReconcileAction::kRelease: {
      auto released = settlement.Release(intent, **found, kReconcilerRequestId);
      if (!released.ok()) return released.status();
      const bool approved = (*found)->outcome == ProviderOutcome::kApproved;
      report.released += *released && approved ? 1 : 0;
      report.closed += *released && !approved ? 1 : 0;
      return absl::OkStatus();
    }
    case ReconcileAction::kClose: {
      auto closed = settlement.Close(intent);
      if (!closed.ok()) return closed.status();
      report.closed += *closed ? 1 : 0;
      return absl::OkStatus();
    }
    case ReconcileAction::kWait:
      ++report.waiting;
      return pool.InTransaction([&](pqxx::work& tx) {
        AuthorizationIntentsStore(tx).Touch(intent.order_id);
        return absl::OkStatus();
      });
  }
  return absl::OkStatus();
}

}  // namespace

AuthorizationReconciler::AuthorizationReconciler(PgPool& pool, PaymentProvider& provider,
                                                 Options options)
    : pool_(pool),
      provider_(provider),
      options_(options),
      loop_([this]() -> std::optional<std::chrono::milliseconds> {
        Pass();
        return options_.interval;
      }) {}

void AuthorizationReconciler::Start() { loop_.Start(); }

void AuthorizationReconciler::Stop() { loop_.Stop(); }

absl::StatusOr<ReconcileReport> AuthorizationReconciler::ReconcileNow() {
  std::vector<AuthorizationIntent> due;
  absl::Status listed = pool_.InTransaction([&](pqxx::work& tx) {
    due = AuthorizationIntentsStore(tx).ListUnsettled(options_.settle_after, options_.batch);
    return absl::OkStatus();
  });
  if (!listed.ok()) return listed;

  ReconcileReport report;
  AuthorizationSettlement settlement(pool_, provider_);
  for (const AuthorizationIntent& intent : due) {
    absl::Status settled = Reconcile(pool_, provider_, settlement, intent, report);
    if (!settled.ok()) {
      ++report.failed;
      log::Warn("", "cannot reconcile an authorization",
                {{"order_id", intent.order_id}, {"error", settled.ToString()}});
    }
  }
  absl::Status counted = pool_.InTransaction([&](pqxx::work& tx) {
    report.in_flight = AuthorizationIntentsStore(tx).CountUnsettled();
    return absl::OkStatus();
  });
  if (options_.metrics != nullptr) {
    options_.metrics->Reconciled(report.released, report.adopted);
    if (counted.ok()) options_.metrics->AuthorizationsInFlight(report.in_flight);
  }
  return report;
}

void AuthorizationReconciler::Pass() {
  auto report = ReconcileNow();
  if (!report.ok()) {
    // The database may be restarting; the next interval tries again.
    log::Warn("", "authorization reconciliation failed", {{"error", report.status().ToString()}});
  } else if (report->released + report->adopted + report->closed > 0) {
    log::Info("", "authorizations reconciled",
              {{"released", std::to_string(report->released)},
               {"adopted", std::to_string(report->adopted)},
               {"closed", std::to_string(report->closed)}});
  }
}

}  // namespace oms::billing
