#include "order-service/src/pg_saga_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/order_status.h"
#include "order-service/src/pg_saga_writes.h"
#include "order-service/src/sagas/registry.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kSagasClaim[] = "sagas_claim";
constexpr char kSagasSave[] = "sagas_save";
constexpr char kSagasSaveWithProgress[] = "sagas_save_with_progress";
constexpr char kSagasRelease[] = "sagas_release";
constexpr char kSagasRenew[] = "sagas_renew";
constexpr char kJournalInsert[] = "saga_journal_insert";
constexpr char kSagasCountOpen[] = "sagas_count_open";
constexpr char kSagasStuck[] = "sagas_list_stuck";
constexpr char kSagasLockOne[] = "sagas_lock_one";
constexpr char kSagasOperate[] = "sagas_operate";

// The save of a step (kSagasSave): the order locked, the saga's row fenced and written
// (`saved`), the journal row.
#define OMS_SAGA_SAVE_CTES                                                                 \
  "its_order AS (SELECT id FROM orders WHERE id = $12::uuid FOR UPDATE), "                 \
  "saved AS (UPDATE sagas SET phase = $4, step = $5, attempts = $6, failure_reason = $7, " \
  "  parked_from = $9, failing_since = CASE WHEN $13::bigint = 0 THEN NULL "               \
  "    ELSE to_timestamp($13::bigint / 1000000.0) END, "                                   \
  "  next_attempt_at = now() + make_interval(secs => $10::double precision / 1000), "      \
  "  lease_expires_at = CASE WHEN $8 THEN '-infinity'::timestamptz "                       \
  "    ELSE now() + make_interval(secs => $11) END, updated_at = now() "                   \
  "WHERE id = $1::uuid AND lease_owner = $2 AND lease_epoch = $3 "                         \
  "  AND EXISTS (SELECT 1 FROM its_order) RETURNING id), "                                 \
  "journal AS (INSERT INTO saga_journal "                                                  \
  "  (saga_id, step, action, request_id, outcome, detail, epoch) "                         \
  "  SELECT id, $14, $15, $16, $17, $18, $19 FROM saved) "

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // Due, not leased (or lease expired): take the lease with a new epoch; with the order the
      // saga works on.
      {kSagasClaim,
       "UPDATE sagas s SET lease_owner = $1, lease_epoch = s.lease_epoch + 1, "
       "  lease_expires_at = now() + make_interval(secs => $2), updated_at = now() "
       "FROM (SELECT id FROM sagas WHERE phase IN ('RUNNING', 'COMPENSATING') "
       "      AND next_attempt_at <= now() AND lease_expires_at < now() "
       "      AND ($4 = '' OR id = $4::uuid) "
       "      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) due, orders o "
       "WHERE s.id = due.id AND o.id = s.order_id "
       "RETURNING " OMS_CLAIMED_SAGA_COLUMNS},
      // Fenced by owner and epoch; $8 true releases the lease. The saga's order is locked before
      // its row is written, the order every writer of both keeps (the shipment feed locks the
      // order, then inserts sagas, which waits on a transaction writing a saga of that order):
      // the lock CTE runs when the WHERE clause first asks for it, before the row is updated.
      // The step's journal row ($14..$19) goes in with the save, in the same round trip, and
      // only if the save took place.
      {kSagasSave, "WITH " OMS_SAGA_SAVE_CTES "SELECT id FROM saved"},
      // The same, with the order's progress ($20: status, $21: rejection reason, $22: allocation
      // hex, $23: payment id) when it is all the step writes (LoneProgress): one statement, its
      // own transaction.
      {kSagasSaveWithProgress, "WITH " OMS_SAGA_SAVE_CTES ", " OMS_ORDER_PROGRESS_CTES(
                                   "$12", "$20", "$21", "$22", "''", "$23", "$20",
                                   "EXISTS (SELECT 1 FROM saved)") "SELECT id FROM saved"},
      // Fenced like a save, and never reviving a lease that ran out or was given up. The ids
      // and epochs come as two arrays of the same length, one row per lease; by primary key.
      {kSagasRenew,
       "UPDATE sagas s SET lease_expires_at = now() + make_interval(secs => $4) "
       "FROM unnest($2::uuid[], $3::bigint[]) AS held(id, epoch) "
       "WHERE s.id = held.id AND s.lease_owner = $1 AND s.lease_epoch = held.epoch "
       "  AND s.lease_expires_at > now()"},
      // Fenced like a save: only the holder gives the lease up.
      {kSagasRelease,
       "UPDATE sagas SET lease_expires_at = '-infinity'::timestamptz, updated_at = now() "
       "WHERE id = $1::uuid AND lease_owner = $2 AND lease_epoch = $3 RETURNING id"},
      {kJournalInsert,
       "INSERT INTO saga_journal (saga_id, step, action, request_id, outcome, detail, epoch) "
       "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7)"},
      {kSagasCountOpen,
       "SELECT kind, step, phase, count(*) AS sagas, "
       "  COALESCE(extract(epoch FROM now() - min(created_at)), 0)::double precision "
       "    AS oldest_seconds "
       "FROM sagas WHERE phase IN ('RUNNING', 'COMPENSATING', 'NEEDS_ATTENTION') "
       "GROUP BY kind, step, phase"},
      {kSagasStuck, "SELECT " OMS_SAGA_COLUMNS " FROM sagas s WHERE s.phase = 'NEEDS_ATTENTION' "
                    "ORDER BY s.updated_at LIMIT $1"},
      {kSagasLockOne, "SELECT " OMS_SAGA_COLUMNS ", encode(s.payload, 'hex') AS payload "
                      "FROM sagas s WHERE s.id = $1::uuid FOR UPDATE"},
      {kSagasOperate,
       "UPDATE sagas SET phase = $2, attempts = 0, retries = $3, failing_since = NULL, "
       "  next_attempt_at = now(), "
       "  lease_expires_at = '-infinity', lease_epoch = lease_epoch + 1, updated_at = now() "
       "WHERE id = $1::uuid AND phase = 'NEEDS_ATTENTION' RETURNING lease_epoch"},
  };
  return kStatements;
}

SagaPhase PhaseOf(const pqxx::field& field) {
  SagaPhase phase = SagaPhase::kRunning;
  ParsePhase(field.as<std::string>(), &phase);
  return phase;
}

// 0 for the epoch (not failing), which the save stores as NULL.
int64_t MicrosSinceEpoch(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

SagaState ReadState(const pqxx::row& row) {
  SagaState state;
  state.phase = PhaseOf(row["phase"]);
  state.step = row["step"].as<int>();
  state.attempts = row["attempts"].as<int>();
  state.failure_reason = row["failure_reason"].as<std::string>();
  state.parked_from = PhaseOf(row["parked_from"]);
  state.retries = row["retries"].as<int>();
  if (!row["failing_since_micros"].is_null()) {
    state.failing_since = std::chrono::system_clock::time_point(
        std::chrono::microseconds(row["failing_since_micros"].as<int64_t>()));
  }
  return state;
}

void ReadSaga(const pqxx::row& row, v1::Saga* saga) {
  saga->set_id(row["id"].as<std::string>());
  saga->set_order_id(row["order_id"].as<std::string>());
  saga->set_phase(row["phase"].as<std::string>());
  saga->set_step(std::to_string(row["step"].as<int>()));
  saga->set_attempts(row["attempts"].as<int>());
  saga->set_failure_reason(row["failure_reason"].as<std::string>());
  *saga->mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(row["updated_micros"].as<int64_t>());
}

}  // namespace

ClaimedSaga ReadClaimedSaga(const pqxx::row& row, const std::string& owner) {
  ClaimedSaga saga;
  saga.owner = owner;
  saga.saga_id = row["id"].as<std::string>();
  saga.order_id = row["order_id"].as<std::string>();
  saga.kind = row["kind"].as<std::string>();
  saga.state = ReadState(row);
  saga.epoch = row["lease_epoch"].as<int64_t>();
  if (!row["payload"].is_null()) {
    saga.payload = absl::HexStringToBytes(row["payload"].as<std::string>());
  }
  FromHex(row["snapshot"], &saga.order);
  saga.order.set_id(saga.order_id);
  saga.payment_token = row["payment_token"].as<std::string>();
  FromHex(row["allocation"], saga.order.mutable_allocation());
  v1::Order shipments;
  FromHex(row["shipments"], &shipments);
  *saga.order.mutable_shipments() = shipments.shipments();
  const std::string payment_id = row["payment_id"].as<std::string>();
  if (!payment_id.empty()) saga.order.mutable_payment()->set_payment_id(payment_id);
  // As it stands now, not as placed: a step may depend on a cancellation or a fill since.
  saga.order.set_status(ParseStatus(row["status"].as<std::string>()));
  ReadBackorders(row["backorders"], &saga.order);
  saga.order.set_version(row["version"].as<int64_t>());
  return saga;
}

const std::vector<PreparedStatement>& PgSagaStore::Statements() { return OwnStatements(); }

absl::StatusOr<std::vector<ClaimedSaga>> PgSagaStore::Claim(const std::string& owner,
                                                            std::chrono::seconds lease, int limit,
                                                            const std::string& saga_id) {
  std::vector<ClaimedSaga> claimed;
  // One statement: a claim whose answer is lost leaves leases that simply run out.
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    claimed.clear();
    for (const auto& row : statement.exec_prepared(
             kSagasClaim, owner, static_cast<int64_t>(lease.count()), limit, saga_id)) {
      claimed.push_back(ReadClaimedSaga(row, owner));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return claimed;
}

absl::Status PgSagaStore::SaveStep(const ClaimedSaga& saga, const SagaState& next,
                                   const JournalEntry& entry, std::chrono::milliseconds retry_after,
                                   std::chrono::seconds lease,
                                   const std::function<void(SagaWrites&)>& writes) {
  const bool active = next.phase == SagaPhase::kRunning || next.phase == SagaPhase::kCompensating;
  const bool release = !active || retry_after.count() > 0;
  auto lease_lost = [&saga] {
    return WithReason(absl::StatusCode::kAborted, "LEASE_LOST",
                      absl::StrCat("saga ", saga.saga_id, " is held by another replica now"));
  };
  auto save = [&](pqxx::transaction_base& tx, const char* statement, auto&&... progress) {
    return tx.exec_prepared(statement, saga.saga_id, saga.owner, saga.epoch, PhaseName(next.phase),
                            next.step, next.attempts, next.failure_reason, release,
                            PhaseName(next.parked_from), static_cast<int64_t>(retry_after.count()),
                            static_cast<int64_t>(lease.count()), saga.order_id,
                            MicrosSinceEpoch(next.failing_since), entry.step, entry.action,
                            entry.request_id, entry.outcome, entry.detail, saga.epoch, progress...);
  };
  // Most steps before the pivot write the order's progress alone: one statement, without a
  // BEGIN and a COMMIT round trip around it.
  ProgressRow row;
  if (LoneProgress(writes, &row)) {
    return pool_.Autocommit([&](pqxx::transaction_base& statement) -> absl::Status {
      if (save(statement, kSagasSaveWithProgress, row.status, row.rejection_reason,
               row.allocation_hex, row.payment_id)
              .empty()) {
        return lease_lost();
      }
      return absl::OkStatus();
    });
  }
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    if (save(tx, kSagasSave).empty()) return lease_lost();
    PgSagaWrites order_writes(tx);
    writes(order_writes);
    return absl::OkStatus();
  });
}

absl::Status PgSagaStore::ReleaseLease(const ClaimedSaga& saga) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_prepared(kSagasRelease, saga.saga_id, saga.owner, saga.epoch).empty()) {
      return WithReason(absl::StatusCode::kAborted, "LEASE_LOST",
                        absl::StrCat("saga ", saga.saga_id, " is held by another replica now"));
    }
    return absl::OkStatus();
  });
}

absl::Status PgSagaStore::RenewLeases(const std::string& owner, const std::vector<HeldLease>& held,
                                      std::chrono::seconds lease) {
  if (held.empty()) return absl::OkStatus();
  // Array literals: saga ids are uuids and epochs integers, neither needs quoting.
  std::string ids = "{", epochs = "{";
  for (std::size_t i = 0; i < held.size(); ++i) {
    const char* separator = i == 0 ? "" : ",";
    absl::StrAppend(&ids, separator, held[i].saga_id);
    absl::StrAppend(&epochs, separator, held[i].epoch);
  }
  ids += "}";
  epochs += "}";
  return pool_.InTransaction([&](pqxx::work& tx) {
    tx.exec_prepared(kSagasRenew, owner, ids, epochs, static_cast<int64_t>(lease.count()));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<SagaCount>> PgSagaStore::CountOpenSagas() {
  std::vector<SagaCount> counts;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    counts.clear();
    for (const auto& row : tx.exec_prepared(kSagasCountOpen)) {
      SagaCount count;
      count.kind = row["kind"].as<std::string>();
      count.step = row["step"].as<int>();
      count.phase = PhaseOf(row["phase"]);
      count.count = row["sagas"].as<int64_t>();
      count.oldest_seconds = row["oldest_seconds"].as<double>();
      counts.push_back(count);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return counts;
}

absl::Status PgSagaStore::ListStuckSagas(int limit, v1::ListStuckSagasResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    out->clear_sagas();
    for (const auto& row : tx.exec_prepared(kSagasStuck, limit)) ReadSaga(row, out->add_sagas());
    return absl::OkStatus();
  });
}

absl::Status PgSagaStore::OperateSaga(const std::string& saga_id, bool resolve,
                                      const std::string& note, v1::Saga* out) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kSagasLockOne, saga_id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("saga ", saga_id, " does not exist"));
    const SagaState state = ReadState(rows[0]);
    if (state.phase != SagaPhase::kNeedsAttention) {
      return WithReason(
          absl::StatusCode::kFailedPrecondition, "SAGA_NOT_PARKED",
          absl::StrCat("saga ", saga_id, " is ", PhaseName(state.phase), ", not NEEDS_ATTENTION"));
    }
    const SagaState next = resolve ? Resolve(state) : Retry(state);
    const int64_t epoch = tx.exec_prepared1(kSagasOperate, saga_id, PhaseName(next.phase),
                                            next.retries)["lease_epoch"]
                              .as<int64_t>();
    tx.exec_prepared(kJournalInsert, saga_id, std::to_string(state.step), "OPERATOR",
                     resolve ? "resolve" : "retry", resolve ? "RESOLVED" : "RETRIED", note, epoch);
    // What the new state means for the order is the kind's to say, as after any step: a retried
    // saga is running again, a resolved one ended where it was going (a resolved capture may
    // complete a delivered order). The attention flag stays while another saga is parked.
    ClaimedSaga operated;
    operated.kind = rows[0]["kind"].as<std::string>();
    operated.saga_id = saga_id;
    operated.order_id = rows[0]["order_id"].as<std::string>();
    operated.state = next;
    if (!rows[0]["payload"].is_null()) {
      operated.payload = absl::HexStringToBytes(rows[0]["payload"].as<std::string>());
    }
    const SagaKindDef* kind = FindSagaKind(operated.kind);
    if (kind == nullptr) {
      return WithReason(absl::StatusCode::kFailedPrecondition, "UNKNOWN_SAGA_KIND",
                        absl::StrCat("saga ", saga_id, " is of kind ", operated.kind,
                                     ", which this release does not know"));
    }
    PgSagaWrites writes(tx);
    if (kind->on_step_saved) kind->on_step_saved(operated, StepResult{}, writes);
    writes.RecountOrderAttention(operated.order_id);
    ReadSaga(tx.exec_prepared1(kSagasLockOne, saga_id), out);
    return absl::OkStatus();
  });
}

}  // namespace oms::order
