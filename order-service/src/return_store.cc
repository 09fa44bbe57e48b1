#include "order-service/src/return_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/returns.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kReturnsFind[] = "returns_find";
constexpr char kReturnsByOrder[] = "returns_by_order";
constexpr char kReturnsInsert[] = "returns_insert";
constexpr char kReturnsLock[] = "returns_lock";
constexpr char kReturnsGet[] = "returns_get";
constexpr char kReturnsUpdate[] = "returns_update";
constexpr char kSagasInsertFor[] = "sagas_insert_for";

// The saga kinds (sagas.kind) that carry out a return and its receipt.
constexpr char kReturnSaga[] = "RETURN";
constexpr char kReceiveSaga[] = "RECEIVE";

// The columns ReadReturn reads, by these names. The body is the oms.order.v1.Return.
#define OMS_RETURN_COLUMNS                        \
  "id, status, encode(body, 'hex') AS body_hex, " \
  "(extract(epoch FROM created_at) * 1000000)::bigint AS created_micros"

constexpr char kStatusPrefix[] = "RETURN_STATUS_";

std::string ReturnStatusName(v1::ReturnStatus status) {
  return v1::ReturnStatus_Name(status).substr(sizeof kStatusPrefix - 1);
}

v1::Return ReadReturn(const pqxx::row& row) {
  v1::Return ret;
  FromHex(row["body_hex"], &ret);
  ret.set_id(row["id"].as<std::string>());
  v1::ReturnStatus status = v1::RETURN_STATUS_UNSPECIFIED;
  v1::ReturnStatus_Parse(kStatusPrefix + row["status"].as<std::string>(), &status);
  ret.set_status(status);
  *ret.mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(row["created_micros"].as<int64_t>());
  return ret;
}

// Starts the saga of `kind` for the return; answers its id.
std::string InsertSaga(pqxx::transaction_base& tx, const char* kind, const v1::Return& ret) {
  return tx.exec_prepared1(kSagasInsertFor, ret.order_id(), kind, ret.id(), Hex(ret))["id"]
      .as<std::string>();
}

}  // namespace

const std::vector<PreparedStatement>& PgReturnStore::Statements() {
  static const std::vector<PreparedStatement> kStatements = {
      // same_request: the key was first used for this very request (order, lines and reason);
      // returns made before fingerprints were kept ('') match any.
      {kReturnsFind,
       "SELECT " OMS_RETURN_COLUMNS ", request_hash IN ('', encode(sha256(decode($2, 'hex')), "
       "'hex')) AS same_request FROM returns WHERE request_id = $1"},
      {kReturnsByOrder, "SELECT " OMS_RETURN_COLUMNS " FROM returns "
                        "WHERE order_id = $1::uuid ORDER BY created_at, id"},
      {kReturnsInsert,
       "INSERT INTO returns (order_id, request_id, status, body, request_hash) "
       "VALUES ($1::uuid, $2, $3, decode($4, 'hex'), encode(sha256(decode($5, 'hex')), 'hex')) "
       "RETURNING " OMS_RETURN_COLUMNS},
      {kReturnsLock, "SELECT " OMS_RETURN_COLUMNS " FROM returns WHERE id = $1::uuid FOR UPDATE"},
      {kReturnsGet, "SELECT " OMS_RETURN_COLUMNS " FROM returns WHERE id = $1::uuid"},
      {kReturnsUpdate,
       "UPDATE returns SET status = $2, body = decode($3, 'hex'), updated_at = now() "
       "WHERE id = $1::uuid"},
      {kSagasInsertFor,
       "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
       "VALUES ($1::uuid, 'RUNNING', $2, $3, decode($4, 'hex')) "
       "ON CONFLICT (order_id, kind, subject) DO NOTHING RETURNING id"},
  };
  return kStatements;
}

absl::Status PgReturnStore::GetReturn(const std::string& id, v1::Return* out) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    pqxx::result rows = statement.exec_prepared(kReturnsGet, id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("return ", id, " does not exist"));
    *out = ReadReturn(rows[0]);
    return absl::OkStatus();
  });
}

absl::Status PgReturnStore::ListReturns(const std::string& order_id, v1::ListReturnsResponse* out) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    out->clear_returns();
    for (auto& ret : ReturnsOf(statement, order_id)) *out->add_returns() = std::move(ret);
    return absl::OkStatus();
  });
}

std::vector<v1::Return> ReturnsOf(pqxx::transaction_base& tx, const std::string& order_id) {
  std::vector<v1::Return> returns;
  for (const auto& row : tx.exec_prepared(kReturnsByOrder, order_id)) {
    returns.push_back(ReadReturn(row));
  }
  return returns;
}

void UpdateReturn(pqxx::transaction_base& tx, const v1::Return& ret) {
  tx.exec_prepared(kReturnsUpdate, ret.id(), ReturnStatusName(ret.status()), Hex(ret));
}

absl::StatusOr<StartedReturn> PgReturnStore::StartReturn(const v1::CreateReturnRequest& request) {
  StartedReturn started;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    const std::string fingerprint = DeterministicHex(request);
    pqxx::result existing = tx.exec_prepared(kReturnsFind, request.request_id(), fingerprint);
    if (!existing.empty()) {
      if (!existing[0]["same_request"].as<bool>()) {
        return WithReason(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
                          "request_id: this key was used for a different return request");
      }
      started = {ReadReturn(existing[0]), "", false};
      return absl::OkStatus();
    }
    pqxx::result rows = tx.exec_prepared(kOrdersLock, request.order_id());
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("order ", request.order_id(), " does not exist"));
    }
    v1::Order order;
    ReadOrder(rows[0], &order);
    if (absl::Status returnable = CheckReturnable(order); !returnable.ok()) return returnable;
    auto ret = NewReturn(order, ReturnsOf(tx, order.id()), request);
    if (!ret.ok()) return ret.status();
    v1::Return inserted =
        ReadReturn(tx.exec_prepared1(kReturnsInsert, order.id(), request.request_id(),
                                     ReturnStatusName(ret->status()), Hex(*ret), fingerprint));
    started = {inserted, InsertSaga(tx, kReturnSaga, inserted), true};
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return started;
}

absl::StatusOr<StartedReturn> PgReturnStore::StartReceive(const v1::ReceiveReturnRequest& request) {
  StartedReturn started;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kReturnsLock, request.return_id());
    const auto missing = [&request] {
      return absl::NotFoundError(absl::StrCat("return ", request.return_id(), " does not exist"));
    };
    if (rows.empty()) return missing();
    const v1::Return ret = ReadReturn(rows[0]);
    // A caller bound to a warehouse learns nothing of returns headed to another.
    if (!request.acting_warehouse_id().empty() &&
        ret.warehouse_id() != request.acting_warehouse_id()) {
      return missing();
    }
    if (ret.status() != v1::RETURN_STATUS_REQUESTED) {
      started = {ret, "", false};  // received already: the same answer
      return absl::OkStatus();
    }
    if (absl::Status receivable = CheckReceipt(ret, request.lines()); !receivable.ok()) {
      return receivable;
    }
    v1::Order order;
    ReadOrder(tx.exec_prepared1(kOrdersLock, ret.order_id()), &order);
    // The receipt's time is taken once, here, and kept with the return: the saga's steps send it.
    const v1::Return received = ReceivedReturn(ret, order, ReturnsOf(tx, ret.order_id()), request,
                                               google::protobuf::util::TimeUtil::GetCurrentTime());
    UpdateReturn(tx, received);
    started = {received, InsertSaga(tx, kReceiveSaga, received), true};
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return started;
}

}  // namespace oms::order
