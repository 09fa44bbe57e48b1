#include "order-service/src/edit_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "order-service/src/order_edit.h"
#include "order-service/src/order_rows.h"

namespace oms::order {
namespace {

constexpr char kSagasFindEdit[] = "sagas_find_edit";
constexpr char kSagasOpenBlockingEdit[] = "sagas_open_blocking_edit";
constexpr char kSagasInsertEdit[] = "sagas_insert_edit";

}  // namespace

const std::vector<PreparedStatement>& PgEditStore::Statements() {
  // An edit's saga is the order's EDIT saga whose subject is the edit's request id. All three
  // are served by sagas_subject (order_id, kind, subject).
  static const std::vector<PreparedStatement> kStatements = {
      {kSagasFindEdit,
       "SELECT id FROM sagas WHERE order_id = $1::uuid AND kind = 'EDIT' AND subject = $2"},
      // What keeps an edit from starting: another edit not finished (running, compensating or
      // parked), or a cancellation of the order.
      {kSagasOpenBlockingEdit,
       "SELECT kind FROM sagas WHERE order_id = $1::uuid AND ((kind = 'EDIT' AND phase NOT IN "
       "('COMPLETED', 'COMPENSATED')) OR kind = 'CANCEL') LIMIT 1"},
      {kSagasInsertEdit,
       "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
       "VALUES ($1::uuid, 'RUNNING', 'EDIT', $2, decode($3, 'hex')) "
       "ON CONFLICT (order_id, kind, subject) DO NOTHING RETURNING id"},
  };
  return kStatements;
}

absl::StatusOr<StartedEdit> PgEditStore::FindEdit(const std::string& order_id,
                                                  const std::string& request_id) {
  StartedEdit found;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kSagasFindEdit, order_id, request_id);
    if (!rows.empty()) found.saga_id = rows[0]["id"].as<std::string>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<StartedEdit> PgEditStore::StartEdit(const std::string& order_id,
                                                   const v1::EditPlan& plan) {
  StartedEdit started;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kOrdersLock, order_id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("order ", order_id, " does not exist"));
    }
    pqxx::result existing = tx.exec_prepared(kSagasFindEdit, order_id, plan.request_id());
    if (!existing.empty()) {
      started = {existing[0]["id"].as<std::string>(), false};
      return absl::OkStatus();
    }
    v1::Order order;
    ReadOrder(rows[0], &order);
    if (absl::Status editable = CheckEditable(order, plan.from_version()); !editable.ok()) {
      return editable;
    }
    pqxx::result blocking = tx.exec_prepared(kSagasOpenBlockingEdit, order_id);
    if (!blocking.empty() && blocking[0]["kind"].as<std::string>() == "CANCEL") {
      return WithReason(absl::StatusCode::kFailedPrecondition, "ORDER_NOT_EDITABLE",
                        absl::StrCat("order ", order_id, " is being cancelled"));
    }
    if (!blocking.empty()) {
      return WithReason(
          absl::StatusCode::kAborted, "EDIT_IN_PROGRESS",
          absl::StrCat("another edit of order ", order_id, " has not finished; retry once it has"));
    }
    pqxx::result inserted =
        tx.exec_prepared(kSagasInsertEdit, order_id, plan.request_id(), Hex(plan));
    started = {inserted[0]["id"].as<std::string>(), true};
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return started;
}

}  // namespace oms::order
