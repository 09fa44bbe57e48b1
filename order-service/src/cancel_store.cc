#include "order-service/src/cancel_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "order-service/src/cancellation.h"
#include "order-service/src/order_rows.h"

namespace oms::order {
namespace {

constexpr char kSagasInsertCancel[] = "sagas_insert_cancel";
constexpr char kSagasFindCancel[] = "sagas_find_cancel";
constexpr char kSagasEditRunning[] = "sagas_edit_running";

}  // namespace

const std::vector<PreparedStatement>& PgCancelStore::Statements() {
  // An order has at most one cancellation saga (subject 'cancel').
  static const std::vector<PreparedStatement> kStatements = {
      {kSagasInsertCancel,
       "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
       "VALUES ($1::uuid, 'RUNNING', 'CANCEL', 'cancel', decode($2, 'hex')) "
       "ON CONFLICT (order_id, kind, subject) DO NOTHING RETURNING id"},
      {kSagasFindCancel, "SELECT id FROM sagas WHERE order_id = $1::uuid AND kind = 'CANCEL'"},
      // An edit on its way changes the shipments a cancellation would take.
      {kSagasEditRunning,
       "SELECT 1 FROM sagas WHERE order_id = $1::uuid AND kind = 'EDIT' "
       "AND phase IN ('RUNNING', 'COMPENSATING') LIMIT 1"},
  };
  return kStatements;
}

absl::StatusOr<StartedCancel> PgCancelStore::StartCancel(const std::string& order_id,
                                                         const std::string& reason) {
  StartedCancel started;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kOrdersLock, order_id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("order ", order_id, " does not exist"));
    }
    if (!tx.exec_prepared(kSagasEditRunning, order_id).empty()) {
      return WithReason(
          absl::StatusCode::kAborted, "EDIT_IN_PROGRESS",
          absl::StrCat("order ", order_id, " is being edited; retry once the edit has finished"));
    }
    v1::Order order;
    ReadOrder(rows[0], &order);
    auto plan = PlanCancel(order.status(), order.shipments(), reason);
    if (!plan.ok()) return plan.status();
    // Before "nothing to cancel" too: the fill's shipment is something to cancel.
    if (absl::Status listed = FillShipmentsListed(order); !listed.ok()) return listed;
    // Units still queued for stock are cancelled too (the saga's first step).
    if (!plan->candidates().empty() || order.backordered_units() > 0) {
      pqxx::result inserted = tx.exec_prepared(kSagasInsertCancel, order_id, Hex(*plan));
      if (!inserted.empty()) {
        started = {inserted[0]["id"].as<std::string>(), true};
        return absl::OkStatus();
      }
    }
    pqxx::result existing = tx.exec_prepared(kSagasFindCancel, order_id);
    if (!existing.empty()) {
      started = {existing[0]["id"].as<std::string>(), false};
      return absl::OkStatus();
    }
    return NothingToCancel(order_id, order.status());
  });
  if (!status.ok()) return status;
  return started;
}

}  // namespace oms::order
