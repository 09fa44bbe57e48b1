#include "order-service/src/order_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/pagination.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "order-service/src/api_keys.h"
#include "order-service/src/fulfilment.h"
#include "order-service/src/idempotency_records.h"
#include "order-service/src/returns.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kCustomersInsert[] = "customers_insert";
constexpr char kCustomersGet[] = "customers_get";
constexpr char kCustomersLock[] = "customers_lock";
constexpr char kCustomersUpdate[] = "customers_update";
constexpr char kCustomersList[] = "customers_list";
constexpr char kOrdersFind[] = "orders_find_existing";
constexpr char kOrdersInsert[] = "orders_insert";
constexpr char kOrdersGet[] = "orders_get";
constexpr char kOrdersList[] = "orders_list";
constexpr char kOrdersUpdate[] = "orders_update_from_saga";
constexpr char kHistoryInsert[] = "order_status_history_insert";
constexpr char kSagasClaim[] = "sagas_claim";
constexpr char kSagasSave[] = "sagas_save";
constexpr char kSagasStuck[] = "sagas_list_stuck";
constexpr char kSagasLockStuck[] = "sagas_lock_stuck";
constexpr char kSagasOperate[] = "sagas_operate";
constexpr char kJournalInsert[] = "saga_journal_insert";
constexpr char kCursorLock[] = "event_cursors_lock";
constexpr char kCursorSet[] = "event_cursors_set";
constexpr char kOrdersLockShipments[] = "orders_lock_shipments";
constexpr char kOrdersSetFulfilment[] = "orders_set_fulfilment";
constexpr char kOrdersCompleteIfDone[] = "orders_complete_if_done";
constexpr char kSagasInsertShipment[] = "sagas_insert_shipment";
constexpr char kSagasInsertCancel[] = "sagas_insert_cancel";
constexpr char kSagasSetPayload[] = "sagas_set_payload";
constexpr char kSagasFindCancel[] = "sagas_find_cancel";
constexpr char kOrderEvents[] = "order_events_list";
constexpr char kCursorRead[] = "event_cursors_read";
constexpr char kSagasCountOpen[] = "sagas_count_open";
constexpr char kOrdersLock[] = "orders_lock";
constexpr char kReturnsFind[] = "returns_find";
constexpr char kReturnsByOrder[] = "returns_by_order";
constexpr char kReturnsInsert[] = "returns_insert";
constexpr char kReturnsLock[] = "returns_lock";
constexpr char kReturnsUpdate[] = "returns_update";
constexpr char kOrdersSetReturnStatus[] = "orders_set_return_status";
constexpr char kSagasInsertFor[] = "sagas_insert_for";
constexpr char kOrdersSetStatus[] = "orders_set_status";

#define OMS_CUSTOMER_COLUMNS                             \
  "id, name, email, phone, encode(addresses, 'hex'), "   \
  "(extract(epoch FROM created_at) * 1000000)::bigint, " \
  "(extract(epoch FROM updated_at) * 1000000)::bigint"
#define OMS_ORDER_COLUMNS                                                              \
  "id, encode(snapshot, 'hex'), status, rejection_reason, encode(allocation, 'hex'), " \
  "encode(shipments, 'hex'), payment_id, "                                             \
  "(extract(epoch FROM created_at) * 1000000)::bigint, "                               \
  "(extract(epoch FROM updated_at) * 1000000)::bigint, return_status"
#define OMS_SAGA_COLUMNS                                                             \
  "s.id, s.order_id, s.phase, s.step, s.attempts, s.failure_reason, s.parked_from, " \
  "s.lease_epoch, (extract(epoch FROM s.updated_at) * 1000000)::bigint"

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kCustomersInsert,
       "INSERT INTO customers (name, email, phone, addresses) VALUES ($1, $2, $3, "
       "decode($4, 'hex')) RETURNING " OMS_CUSTOMER_COLUMNS},
      {kCustomersGet, "SELECT " OMS_CUSTOMER_COLUMNS " FROM customers WHERE id = $1::uuid"},
      {kCustomersLock,
       "SELECT " OMS_CUSTOMER_COLUMNS " FROM customers WHERE id = $1::uuid FOR UPDATE"},
      {kCustomersUpdate,
       "UPDATE customers SET name = $2, email = $3, phone = $4, addresses = decode($5, 'hex'), "
       "updated_at = now() WHERE id = $1::uuid RETURNING " OMS_CUSTOMER_COLUMNS},
      {kCustomersList,
       "SELECT " OMS_CUSTOMER_COLUMNS " FROM customers WHERE id::text > $1 ORDER BY id LIMIT $2"},
      // The order an idempotency key or an external id already names (the key first).
      {kOrdersFind,
       "SELECT o.id, s.id, o.request_hash = encode(sha256(decode($3, 'hex')), 'hex'), "
       "  o.client_id = $1 AND o.idempotency_key = $2 "
       "FROM orders o JOIN sagas s ON s.order_id = o.id AND s.kind = 'ORDER' "
       "WHERE (o.client_id = $1 AND o.idempotency_key = $2) "
       "   OR ($4 <> '' AND o.channel = $5 AND o.external_order_id = $4) "
       "ORDER BY (o.client_id = $1 AND o.idempotency_key = $2) DESC LIMIT 1"},
      // Order, saga and the first history row in one statement.
      {kOrdersInsert,
       "WITH o AS ("
       "  INSERT INTO orders (customer_id, client_id, idempotency_key, request_hash, channel, "
       "    external_order_id, currency, status, subtotal_minor, tax_minor, total_minor, "
       "    snapshot, payment_token) "
       "  VALUES ($1::uuid, $2, $3, encode(sha256(decode($4, 'hex')), 'hex'), $5, "
       "    NULLIF($6, ''), $7, 'PENDING', $8, $9, $10, "
       "    decode($11, 'hex'), $12) RETURNING id), "
       "h AS (INSERT INTO order_status_history (order_id, status) SELECT id, 'PENDING' FROM o) "
       "INSERT INTO sagas (order_id, phase) SELECT id, 'RUNNING' FROM o "
       "RETURNING order_id, id"},
      {kOrdersGet, "SELECT " OMS_ORDER_COLUMNS " FROM orders WHERE id = $1::uuid"},
      // Newest first; the page token is the last (created_at, id) seen.
      {kOrdersList, "SELECT " OMS_ORDER_COLUMNS " FROM orders "
                    "WHERE ($1 = '' OR customer_id = $1::uuid) AND ($2 = '' OR status = $2) "
                    "  AND ($3::bigint = 0 OR (created_at, id) < "
                    "       (to_timestamp($3::bigint / 1000000.0), $4::uuid)) "
                    "ORDER BY created_at DESC, id DESC LIMIT $5"},
      {kOrdersUpdate,
       "UPDATE orders SET status = $2, rejection_reason = $3, "
       "  allocation = COALESCE(decode(NULLIF($4, ''), 'hex'), allocation), "
       "  shipments = COALESCE(decode(NULLIF($5, ''), 'hex'), shipments), "
       "  payment_id = COALESCE(NULLIF($6, ''), payment_id), updated_at = now() "
       "WHERE id = $1::uuid"},
      {kHistoryInsert,
       "INSERT INTO order_status_history (order_id, status, reason) "
       "SELECT $1::uuid, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM order_status_history "
       "  WHERE order_id = $1::uuid AND id = (SELECT max(id) FROM order_status_history "
       "  WHERE order_id = $1::uuid) AND status = $2)"},
      // Due, not leased (or lease expired): take the lease with a new epoch.
      {kSagasClaim,
       "UPDATE sagas s SET lease_owner = $1, lease_epoch = s.lease_epoch + 1, "
       "  lease_expires_at = now() + make_interval(secs => $2), updated_at = now() "
       "FROM (SELECT id FROM sagas WHERE phase IN ('RUNNING', 'COMPENSATING') "
       "      AND next_attempt_at <= now() AND lease_expires_at < now() "
       "      AND ($4 = '' OR id = $4::uuid) "
       "      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) due "
       "WHERE s.id = due.id "
       "RETURNING " OMS_SAGA_COLUMNS ", (SELECT encode(snapshot, 'hex') FROM orders "
       "  WHERE id = s.order_id), (SELECT payment_token FROM orders WHERE id = s.order_id), "
       "  (SELECT encode(allocation, 'hex') FROM orders WHERE id = s.order_id), "
       "  (SELECT encode(shipments, 'hex') FROM orders WHERE id = s.order_id), "
       "  (SELECT payment_id FROM orders WHERE id = s.order_id), s.kind, "
       "  encode(s.payload, 'hex')"},
      // Fenced by owner and epoch; $8 true releases the lease.
      {kSagasSave,
       "UPDATE sagas SET phase = $4, step = $5, attempts = $6, failure_reason = $7, "
       "  parked_from = $9, "
       "  next_attempt_at = now() + make_interval(secs => $10::double precision / 1000), "
       "  lease_expires_at = CASE WHEN $8 THEN '-infinity'::timestamptz "
       "    ELSE now() + make_interval(secs => $11) END, updated_at = now() "
       "WHERE id = $1::uuid AND lease_owner = $2 AND lease_epoch = $3 RETURNING id"},
      {kSagasStuck, "SELECT " OMS_SAGA_COLUMNS " FROM sagas s WHERE s.phase = 'NEEDS_ATTENTION' "
                    "ORDER BY s.updated_at LIMIT $1"},
      {kSagasLockStuck,
       "SELECT " OMS_SAGA_COLUMNS " FROM sagas s WHERE s.id = $1::uuid FOR UPDATE"},
      {kSagasOperate,
       "UPDATE sagas SET phase = $2, attempts = 0, next_attempt_at = now(), "
       "  lease_expires_at = '-infinity', lease_epoch = lease_epoch + 1, updated_at = now() "
       "WHERE id = $1::uuid AND phase = 'NEEDS_ATTENTION' RETURNING lease_epoch"},
      {kCursorLock, "SELECT last_sequence FROM event_cursors WHERE stream = $1 FOR UPDATE"},
      // A plain read: a consumer stuck behind the lock must still be seen lagging.
      {kCursorRead, "SELECT last_sequence FROM event_cursors WHERE stream = $1"},
      // Taking in an event wakes the order's watchers (kOrderChangedChannel) on commit.
      {kCursorSet,
       "WITH moved AS (UPDATE event_cursors SET last_sequence = $2 WHERE stream = $1 "
       "RETURNING 1) SELECT pg_notify('oms_order_changed', $3) FROM moved"},
      {kOrdersLockShipments,
       "SELECT status, encode(shipments, 'hex') FROM orders WHERE id::text = $1 FOR UPDATE"},
      // Fulfilment moves only orders past confirmation; a final order stays final.
      {kOrdersSetFulfilment,
       "UPDATE orders SET shipments = decode($2, 'hex'), status = CASE WHEN status IN "
       "  ('CONFIRMED', 'PARTIALLY_SHIPPED', 'SHIPPED', 'PARTIALLY_DELIVERED', 'DELIVERED') "
       "  THEN $3 ELSE status END, updated_at = now() WHERE id = $1::uuid RETURNING status"},
      // Delivered and every shipment's saga done (stock committed, payment captured).
      {kOrdersCompleteIfDone,
       "UPDATE orders SET status = 'COMPLETED', updated_at = now() "
       "WHERE id = $1::uuid AND status = 'DELIVERED' AND NOT EXISTS (SELECT 1 FROM sagas "
       "  WHERE order_id = $1::uuid AND kind <> 'ORDER' AND phase <> 'COMPLETED') "
       "RETURNING status"},
      {kSagasInsertShipment,
       "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
       "VALUES ($1::uuid, 'RUNNING', 'SHIPMENT', $2, decode($3, 'hex')) "
       "ON CONFLICT (order_id, kind, subject) DO NOTHING RETURNING id"},
      {kSagasInsertCancel,
       "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
       "VALUES ($1::uuid, 'RUNNING', 'CANCEL', 'cancel', decode($2, 'hex')) "
       "ON CONFLICT (order_id, kind, subject) DO NOTHING RETURNING id"},
      {kSagasCountOpen,
       "SELECT kind, step, phase, count(*), "
       "  COALESCE(extract(epoch FROM now() - min(created_at)), 0)::double precision "
       "FROM sagas WHERE phase IN ('RUNNING', 'COMPENSATING', 'NEEDS_ATTENTION') "
       "GROUP BY kind, step, phase"},
      {kOrderEvents,
       "SELECT (extract(epoch FROM created_at) * 1000000)::bigint AS at, 'order', "
       "  'STATUS_' || status, reason, '' FROM order_status_history WHERE order_id = $1::uuid "
       "UNION ALL "
       "SELECT (extract(epoch FROM j.created_at) * 1000000)::bigint, 'saga', "
       "  j.step || ' ' || j.action || ' ' || j.outcome, j.detail, "
       "  s.kind || CASE WHEN s.subject <> '' THEN ':' || s.subject ELSE '' END "
       "FROM saga_journal j JOIN sagas s ON s.id = j.saga_id WHERE s.order_id = $1::uuid "
       "ORDER BY 1, 2, 3, 4, 5"},
      {kOrdersLock, "SELECT " OMS_ORDER_COLUMNS " FROM orders WHERE id = $1::uuid FOR UPDATE"},
      {kReturnsFind,
       "SELECT id, status, encode(body, 'hex'), "
       "(extract(epoch FROM created_at) * 1000000)::bigint FROM returns WHERE request_id = $1"},
      {kReturnsByOrder,
       "SELECT id, status, encode(body, 'hex'), "
       "(extract(epoch FROM created_at) * 1000000)::bigint FROM returns "
       "WHERE order_id = $1::uuid ORDER BY created_at, id"},
      {kReturnsInsert,
       "INSERT INTO returns (order_id, request_id, status, body) "
       "VALUES ($1::uuid, $2, 'REQUESTED', decode($3, 'hex')) "
       "RETURNING id, status, encode(body, 'hex'), "
       "(extract(epoch FROM created_at) * 1000000)::bigint"},
      {kReturnsLock,
       "SELECT id, status, encode(body, 'hex'), "
       "(extract(epoch FROM created_at) * 1000000)::bigint, order_id "
       "FROM returns WHERE id = $1::uuid FOR UPDATE"},
      {kReturnsUpdate,
       "UPDATE returns SET status = $2, body = decode($3, 'hex'), updated_at = now() "
       "WHERE id = $1::uuid"},
      {kOrdersSetReturnStatus,
       "UPDATE orders SET return_status = $2, updated_at = now() WHERE id = $1::uuid"},
      {kSagasInsertFor,
       "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
       "VALUES ($1::uuid, 'RUNNING', $2, $3, decode($4, 'hex')) "
       "ON CONFLICT (order_id, kind, subject) DO NOTHING RETURNING id"},
      {kSagasFindCancel, "SELECT id FROM sagas WHERE order_id = $1::uuid AND kind = 'CANCEL'"},
      {kSagasSetPayload, "UPDATE sagas SET payload = decode($2, 'hex') WHERE id = $1::uuid"},
      {kOrdersSetStatus, "UPDATE orders SET status = $2, updated_at = now() WHERE id = $1::uuid"},
      {kJournalInsert,
       "INSERT INTO saga_journal (saga_id, step, action, request_id, outcome, detail, epoch) "
       "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7)"},
  };
  return kStatements;
}

std::string Hex(const google::protobuf::Message& message) {
  return absl::BytesToHexString(message.SerializeAsString());
}

template <class Message>
void FromHex(const pqxx::field& field, Message* message) {
  if (!field.is_null()) message->ParseFromString(absl::HexStringToBytes(field.as<std::string>()));
}

void ReadCustomer(const pqxx::row& row, v1::Customer* customer) {
  v1::Customer addresses;
  FromHex(row[4], &addresses);
  customer->Clear();
  customer->set_id(row[0].as<std::string>());
  customer->set_name(row[1].as<std::string>());
  customer->set_email(row[2].as<std::string>());
  customer->set_phone(row[3].as<std::string>());
  *customer->mutable_addresses() = addresses.addresses();
  *customer->mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[5].as<int64_t>());
  *customer->mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(row[6].as<int64_t>());
}

v1::OrderStatus ParseStatus(const std::string& name) {
  v1::OrderStatus status = v1::ORDER_STATUS_UNSPECIFIED;
  v1::OrderStatus_Parse("ORDER_STATUS_" + name, &status);
  return status;
}

std::string StatusName(v1::OrderStatus status) {
  return v1::OrderStatus_Name(status).substr(std::string("ORDER_STATUS_").size());
}

void ReadOrder(const pqxx::row& row, v1::Order* order) {
  order->Clear();
  FromHex(row[1], order);
  order->set_id(row[0].as<std::string>());
  order->set_status(ParseStatus(row[2].as<std::string>()));
  order->set_rejection_reason(row[3].as<std::string>());
  FromHex(row[4], order->mutable_allocation());
  v1::Order shipments;
  FromHex(row[5], &shipments);
  *order->mutable_shipments() = shipments.shipments();
  if (!row[6].as<std::string>().empty()) {
    order->mutable_payment()->set_payment_id(row[6].as<std::string>());
  }
  *order->mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[7].as<int64_t>());
  *order->mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(row[8].as<int64_t>());
  order->set_return_status(row[9].as<std::string>());
}

SagaState ReadSagaState(const pqxx::row& row) {
  SagaState state;
  ParsePhase(row[2].as<std::string>(), &state.phase);
  state.step = row[3].as<int>();
  state.attempts = row[4].as<int>();
  state.failure_reason = row[5].as<std::string>();
  ParsePhase(row[6].as<std::string>(), &state.parked_from);
  return state;
}

void ReadSaga(const pqxx::row& row, v1::Saga* saga) {
  saga->set_id(row[0].as<std::string>());
  saga->set_order_id(row[1].as<std::string>());
  saga->set_phase(row[2].as<std::string>());
  saga->set_step(std::to_string(row[3].as<int>()));
  saga->set_attempts(row[4].as<int>());
  saga->set_failure_reason(row[5].as<std::string>());
  *saga->mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(row[8].as<int64_t>());
}

SagaKind KindOf(const std::string& kind) {
  if (kind == "SHIPMENT") return SagaKind::kShipment;
  if (kind == "CANCEL") return SagaKind::kCancel;
  if (kind == "RETURN") return SagaKind::kReturn;
  if (kind == "RECEIVE") return SagaKind::kReceive;
  return SagaKind::kOrder;
}

std::string ReturnStatusName(v1::ReturnStatus status) {
  return v1::ReturnStatus_Name(status).substr(std::string("RETURN_STATUS_").size());
}

v1::Return ReadReturn(const pqxx::row& row) {
  v1::Return ret;
  FromHex(row[2], &ret);
  ret.set_id(row[0].as<std::string>());
  v1::ReturnStatus status = v1::RETURN_STATUS_UNSPECIFIED;
  v1::ReturnStatus_Parse("RETURN_STATUS_" + row[1].as<std::string>(), &status);
  ret.set_status(status);
  *ret.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[3].as<int64_t>());
  return ret;
}

std::vector<v1::Return> ReturnsOf(pqxx::work& tx, const std::string& order_id) {
  std::vector<v1::Return> returns;
  for (const auto& row : tx.exec_prepared(kReturnsByOrder, order_id)) {
    returns.push_back(ReadReturn(row));
  }
  return returns;
}

// The return is refunded; the order's return state follows every return it has.
void FinishReceipt(pqxx::work& tx, const ClaimedSaga& saga) {
  v1::Return done = saga.ret;
  done.set_status(v1::RETURN_STATUS_REFUNDED);
  tx.exec_prepared(kReturnsUpdate, done.id(), ReturnStatusName(done.status()), Hex(done));
  v1::Order order;
  ReadOrder(tx.exec_prepared1(kOrdersGet, saga.order_id), &order);
  const std::string status = ReturnStatus(order, ReturnsOf(tx, saga.order_id));
  tx.exec_prepared(kOrdersSetReturnStatus, saga.order_id, status);
  if (!status.empty()) tx.exec_prepared(kHistoryInsert, saga.order_id, status, "");
}

}  // namespace

v1::OrderStatus StatusOf(SagaPhase phase) {
  switch (phase) {
    case SagaPhase::kCompleted:
      return v1::ORDER_STATUS_CONFIRMED;
    case SagaPhase::kCompensated:
      return v1::ORDER_STATUS_REJECTED;
    case SagaPhase::kNeedsAttention:
      return v1::ORDER_STATUS_NEEDS_ATTENTION;
    default:
      return v1::ORDER_STATUS_PENDING;
  }
}

const std::vector<PreparedStatement>& PgOrderStore::Statements() {
  // The API keys' statements (api_keys.h) share this pool and its one statement list.
  static const std::vector<PreparedStatement> kAll = [] {
    std::vector<PreparedStatement> all = OwnStatements();
    const auto& keys = PgApiKeyStore::Statements();
    all.insert(all.end(), keys.begin(), keys.end());
    // So do the gateway's idempotency records (idempotency_records.h).
    const auto& records = PgIdempotencyStore::Statements();
    all.insert(all.end(), records.begin(), records.end());
    return all;
  }();
  return kAll;
}

absl::Status PgOrderStore::CreateCustomer(const v1::Customer& customer, v1::Customer* out) {
  v1::Customer addresses;
  *addresses.mutable_addresses() = customer.addresses();
  return pool_.InTransaction([&](pqxx::work& tx) {
    try {
      ReadCustomer(tx.exec_prepared1(kCustomersInsert, customer.name(), customer.email(),
                                     customer.phone(), Hex(addresses)),
                   out);
    } catch (const pqxx::unique_violation&) {
      return WithReason(absl::StatusCode::kAlreadyExists, "CUSTOMER_EXISTS",
                        "customer.email: a customer with this email exists");
    }
    return absl::OkStatus();
  });
}

absl::Status PgOrderStore::GetCustomer(const std::string& id, v1::Customer* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_prepared(kCustomersGet, id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("customer ", id, " does not exist"));
    ReadCustomer(rows[0], out);
    return absl::OkStatus();
  });
}

absl::Status PgOrderStore::UpdateCustomer(
    const std::string& id,
    const std::function<absl::StatusOr<v1::Customer>(const v1::Customer&)>& update,
    v1::Customer* out) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kCustomersLock, id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("customer ", id, " does not exist"));
    v1::Customer current;
    ReadCustomer(rows[0], &current);
    auto next = update(current);
    if (!next.ok()) return next.status();
    v1::Customer addresses;
    *addresses.mutable_addresses() = next->addresses();
    try {
      ReadCustomer(tx.exec_prepared1(kCustomersUpdate, id, next->name(), next->email(),
                                     next->phone(), Hex(addresses)),
                   out);
    } catch (const pqxx::unique_violation&) {
      return WithReason(absl::StatusCode::kAlreadyExists, "CUSTOMER_EXISTS",
                        "customer.email: a customer with this email exists");
    }
    return absl::OkStatus();
  });
}

absl::Status PgOrderStore::ListCustomers(const std::string& after, int page_size,
                                         CustomerPage* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_prepared(kCustomersList, after, page_size + 1);
    for (const auto& row : rows) {
      if (static_cast<int>(out->customers.size()) == page_size) {
        out->next_after = out->customers.back().id();
        break;
      }
      ReadCustomer(row, &out->customers.emplace_back());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<InsertedOrder>> PgOrderStore::FindExisting(
    const v1::CreateOrderRequest& request, const std::string& request_hash) {
  std::optional<InsertedOrder> found;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows =
        tx.exec_prepared(kOrdersFind, request.client_id(), request.request_id(), request_hash,
                         request.external_order_id(), request.channel());
    if (!rows.empty()) {
      // Same key: a replay, unless the body changed. Same external id: that order, whatever
      // key the channel used this time.
      const bool same_key = rows[0][3].as<bool>();
      found = InsertedOrder{rows[0][0].as<std::string>(), rows[0][1].as<std::string>(), false,
                            !same_key || rows[0][2].as<bool>()};
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<InsertedOrder> PgOrderStore::InsertOrder(const v1::Order& order,
                                                        const v1::CreateOrderRequest& request,
                                                        const std::string& request_hash) {
  InsertedOrder inserted;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::row row = tx.exec_prepared1(
        kOrdersInsert, order.customer_id(), request.client_id(), request.request_id(), request_hash,
        order.channel(), order.external_order_id(), order.currency(),
        order.subtotal().amount_minor(), order.tax().amount_minor(), order.total().amount_minor(),
        Hex(order), request.payment().token());
    inserted = {row[0].as<std::string>(), row[1].as<std::string>(), true, true};
    return absl::OkStatus();
  });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    // A concurrent duplicate committed first: answer its order.
    auto existing = FindExisting(request, request_hash);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) return **existing;
    return absl::AbortedError("a concurrent request with this key is still being captured");
  }
  if (status.code() == absl::StatusCode::kFailedPrecondition) {
    return absl::NotFoundError(
        absl::StrCat("customer_id: customer ", request.customer_id(), " does not exist"));
  }
  if (!status.ok()) return status;
  return inserted;
}

absl::Status PgOrderStore::GetOrder(const std::string& id, v1::Order* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_prepared(kOrdersGet, id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("order ", id, " does not exist"));
    ReadOrder(rows[0], out);
    return absl::OkStatus();
  });
}

absl::Status PgOrderStore::ListOrders(const OrderFilter& filter, v1::ListOrdersResponse* out) {
  // The token payload is "<created micros>:<id>".
  int64_t after_micros = 0;
  std::string after_id = "00000000-0000-0000-0000-000000000000";
  if (!filter.after.empty()) {
    std::pair<std::string, std::string> parts = absl::StrSplit(filter.after, ':');
    if (!absl::SimpleAtoi(parts.first, &after_micros) || parts.second.size() != 36) {
      return InvalidField("page_token", "is not a token this server issued");
    }
    after_id = parts.second;
  }
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_prepared(kOrdersList, filter.customer_id, filter.status,
                                         after_micros, after_id, filter.page_size + 1);
    for (const auto& row : rows) {
      if (out->orders_size() == filter.page_size) {
        const v1::Order& last = out->orders(filter.page_size - 1);
        out->set_next_page_token(EncodePageToken(
            absl::StrCat(TimeUtil::TimestampToMicroseconds(last.create_time()), ":", last.id())));
        break;
      }
      ReadOrder(row, out->add_orders());
    }
    return absl::OkStatus();
  });
}

absl::Status PgOrderStore::OrderEvents(const std::string& order_id, v1::OrderTimeline* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& row : tx.exec_prepared(kOrderEvents, order_id)) {
      auto* event = out->add_events();
      *event->mutable_time() = TimeUtil::MicrosecondsToTimestamp(row[0].as<int64_t>());
      event->set_source(row[1].as<std::string>());
      event->set_kind(row[2].as<std::string>());
      event->set_detail(row[3].as<std::string>());
      event->set_subject(row[4].as<std::string>());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ClaimedSaga>> PgOrderStore::Claim(const std::string& owner,
                                                             std::chrono::seconds lease, int limit,
                                                             const std::string& saga_id) {
  std::vector<ClaimedSaga> claimed;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    claimed.clear();
    for (const auto& row : tx.exec_prepared(kSagasClaim, owner, static_cast<int64_t>(lease.count()),
                                            limit, saga_id)) {
      ClaimedSaga saga;
      saga.owner = owner;
      saga.saga_id = row[0].as<std::string>();
      saga.order_id = row[1].as<std::string>();
      saga.state = ReadSagaState(row);
      saga.epoch = row[7].as<int64_t>();
      FromHex(row[9], &saga.order);
      saga.order.set_id(saga.order_id);
      saga.payment_token = row[10].as<std::string>();
      FromHex(row[11], saga.order.mutable_allocation());
      v1::Order shipments;
      FromHex(row[12], &shipments);
      *saga.order.mutable_shipments() = shipments.shipments();
      if (!row[13].as<std::string>().empty()) {
        saga.order.mutable_payment()->set_payment_id(row[13].as<std::string>());
      }
      saga.kind = KindOf(row[14].as<std::string>());
      if (saga.kind == SagaKind::kShipment) FromHex(row[15], &saga.event);
      if (saga.kind == SagaKind::kCancel) FromHex(row[15], &saga.plan);
      if (saga.kind == SagaKind::kReturn || saga.kind == SagaKind::kReceive) {
        FromHex(row[15], &saga.ret);
      }
      claimed.push_back(std::move(saga));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return claimed;
}

absl::Status PgOrderStore::SaveStep(ClaimedSaga& saga, const SagaState& next,
                                    const StepRecord& record, std::chrono::seconds lease) {
  const bool active = next.phase == SagaPhase::kRunning || next.phase == SagaPhase::kCompensating;
  const bool release = !active || record.retry_after.count() > 0;
  const bool order_saga = saga.kind == SagaKind::kOrder;
  const std::string status = StatusName(StatusOf(next.phase));
  const std::string reason =
      next.phase == SagaPhase::kCompensated ? RejectionReason(next.failure_reason) : "";
  std::string shipments_hex;
  if (record.shipments) {
    v1::Order shipments;
    for (const auto& shipment : *record.shipments) *shipments.add_shipments() = shipment;
    shipments_hex = Hex(shipments);
  }
  absl::Status saved = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_prepared(
              kSagasSave, saga.saga_id, saga.owner, saga.epoch, PhaseName(next.phase), next.step,
              next.attempts, next.failure_reason, release, PhaseName(next.parked_from),
              static_cast<int64_t>(record.retry_after.count()), static_cast<int64_t>(lease.count()))
            .empty()) {
      return WithReason(absl::StatusCode::kAborted, "LEASE_LOST",
                        absl::StrCat("saga ", saga.saga_id, " is held by another replica now"));
    }
    tx.exec_prepared(kJournalInsert, saga.saga_id, record.step, record.action, record.request_id,
                     record.outcome, record.detail, saga.epoch);
    if (order_saga || next.phase == SagaPhase::kNeedsAttention) {
      tx.exec_prepared(kOrdersUpdate, saga.order_id, status, reason,
                       record.allocation ? Hex(*record.allocation) : std::string(), shipments_hex,
                       record.payment_id.value_or(""));
      tx.exec_prepared(kHistoryInsert, saga.order_id, status, reason);
    } else if (next.phase == SagaPhase::kCompleted) {
      if (record.order_status) {
        tx.exec_prepared(kOrdersSetStatus, saga.order_id, *record.order_status);
        tx.exec_prepared(kHistoryInsert, saga.order_id, *record.order_status, "");
      } else {
        // The last delivery may be taken in at this very moment (ApplyShipmentEvent, which
        // locks the order first): without the lock each transaction would see the other's
        // change uncommitted, neither would complete the order, and it would stay DELIVERED.
        tx.exec_prepared(kOrdersLock, saga.order_id);
        if (!tx.exec_prepared(kOrdersCompleteIfDone, saga.order_id).empty()) {
          tx.exec_prepared(kHistoryInsert, saga.order_id, "COMPLETED", "");
        }
      }
    }
    if (record.plan) tx.exec_prepared(kSagasSetPayload, saga.saga_id, Hex(*record.plan));
    if (record.return_update) {
      tx.exec_prepared(kReturnsUpdate, record.return_update->id(),
                       ReturnStatusName(record.return_update->status()),
                       Hex(*record.return_update));
    }
    if (saga.kind == SagaKind::kReceive && next.phase == SagaPhase::kCompleted) {
      FinishReceipt(tx, saga);
    }
    return absl::OkStatus();
  });
  if (!saved.ok()) return saved;
  saga.state = next;
  if (order_saga) saga.order.set_status(StatusOf(next.phase));
  if (record.allocation) *saga.order.mutable_allocation() = *record.allocation;
  if (record.shipments) {
    saga.order.clear_shipments();
    for (const auto& shipment : *record.shipments) *saga.order.add_shipments() = shipment;
  }
  if (record.payment_id) saga.order.mutable_payment()->set_payment_id(*record.payment_id);
  if (record.plan) saga.plan = *record.plan;
  if (record.return_update) saga.ret = *record.return_update;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> PgOrderStore::ShippingCursor() {
  int64_t cursor = 0;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    cursor = tx.exec_prepared1(kCursorRead, "shipping")[0].as<int64_t>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return cursor;
}

absl::StatusOr<std::string> PgOrderStore::ApplyShipmentEvent(
    const shipping::v1::OutboxEvent& event) {
  std::string saga_id;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    saga_id.clear();
    if (tx.exec_prepared1(kCursorLock, "shipping")[0].as<int64_t>() >= event.sequence()) {
      return absl::OkStatus();  // taken already, by this replica or another
    }
    tx.exec_prepared(kCursorSet, "shipping", event.sequence(), event.order_id());
    if (event.kind() != shipping::v1::SHIPMENT_KIND_OUTBOUND) return absl::OkStatus();
    pqxx::result rows = tx.exec_prepared(kOrdersLockShipments, event.order_id());
    if (rows.empty()) return absl::OkStatus();  // not an order of ours
    v1::Order shipments;
    FromHex(rows[0][1], &shipments);
    for (auto& shipment : *shipments.mutable_shipments()) {
      if (shipment.shipment_id() == event.shipment_id()) {
        shipment.set_status(shipping::v1::ShipmentStatus_Name(event.status()));
      }
    }
    const std::string fulfilment = StatusName(FulfilmentStatus(shipments.shipments()));
    const std::string before = rows[0][0].as<std::string>();
    const std::string after =
        tx.exec_prepared1(kOrdersSetFulfilment, event.order_id(), Hex(shipments), fulfilment)[0]
            .as<std::string>();
    if (event.type() == shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED) {
      pqxx::result started =
          tx.exec_prepared(kSagasInsertShipment, event.order_id(), event.shipment_id(), Hex(event));
      if (!started.empty()) saga_id = started[0][0].as<std::string>();
    }
    std::string final_status = after;
    if (after == "DELIVERED") {
      pqxx::result completed = tx.exec_prepared(kOrdersCompleteIfDone, event.order_id());
      if (!completed.empty()) final_status = "COMPLETED";
    }
    if (final_status != before) {
      if (final_status == "COMPLETED")
        tx.exec_prepared(kHistoryInsert, event.order_id(), after, "");
      tx.exec_prepared(kHistoryInsert, event.order_id(), final_status, "");
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return saga_id;
}

absl::StatusOr<StartedCancel> PgOrderStore::StartCancel(const std::string& order_id,
                                                        const std::string& reason) {
  StartedCancel started;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kOrdersLockShipments, order_id);
    if (rows.empty())
      return absl::NotFoundError(absl::StrCat("order ", order_id, " does not exist"));
    const std::string order_status = rows[0][0].as<std::string>();
    if (order_status == "PENDING") {
      return WithReason(absl::StatusCode::kFailedPrecondition, "ORDER_NOT_CONFIRMED",
                        "the order is still being placed; cancel it once it is confirmed");
    }
    v1::Order shipments;
    FromHex(rows[0][1], &shipments);
    v1::CancelPlan plan;
    plan.set_reason(reason);
    const bool open = order_status == "CONFIRMED" || order_status == "PARTIALLY_SHIPPED";
    for (const auto& shipment : shipments.shipments()) {
      const std::string& s = shipment.status();
      if (open && (s == "SHIPMENT_STATUS_PENDING" || s == "SHIPMENT_STATUS_PICKED" ||
                   s == "SHIPMENT_STATUS_PACKED")) {
        *plan.add_candidates() = shipment;
      }
    }
    pqxx::result inserted = plan.candidates().empty()
                                ? pqxx::result()
                                : tx.exec_prepared(kSagasInsertCancel, order_id, Hex(plan));
    if (!inserted.empty()) {
      started = {inserted[0][0].as<std::string>(), true};
      return absl::OkStatus();
    }
    pqxx::result existing = tx.exec_prepared(kSagasFindCancel, order_id);
    if (!existing.empty()) {
      started = {existing[0][0].as<std::string>(), false};
      return absl::OkStatus();
    }
    return WithReason(absl::StatusCode::kFailedPrecondition, "NOTHING_TO_CANCEL",
                      absl::StrCat("order ", order_id, " is ", order_status,
                                   ": nothing of it can be cancelled any more"));
  });
  if (!status.ok()) return status;
  return started;
}

absl::StatusOr<StartedReturn> PgOrderStore::StartReturn(const v1::CreateReturnRequest& request) {
  StartedReturn started;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result existing = tx.exec_prepared(kReturnsFind, request.request_id());
    if (!existing.empty()) {
      started = {ReadReturn(existing[0]), "", false};
      return absl::OkStatus();
    }
    pqxx::result rows = tx.exec_prepared(kOrdersLock, request.order_id());
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("order ", request.order_id(), " does not exist"));
    }
    v1::Order order;
    ReadOrder(rows[0], &order);
    const v1::OrderStatus order_status = order.status();
    if (order_status != v1::ORDER_STATUS_PARTIALLY_DELIVERED &&
        order_status != v1::ORDER_STATUS_DELIVERED && order_status != v1::ORDER_STATUS_COMPLETED) {
      return WithReason(absl::StatusCode::kFailedPrecondition, "ORDER_NOT_DELIVERED",
                        absl::StrCat("order ", order.id(), " is ", StatusName(order_status),
                                     ": only delivered lines can be returned"));
    }
    auto warehouse = ReturnWarehouse(order, ReturnsOf(tx, order.id()), request.lines());
    if (!warehouse.ok()) return warehouse.status();
    v1::Return ret;
    ret.set_order_id(order.id());
    ret.set_status(v1::RETURN_STATUS_REQUESTED);
    *ret.mutable_lines() = request.lines();
    ret.set_reason(request.reason());
    ret.set_warehouse_id(*warehouse);
    v1::Return inserted =
        ReadReturn(tx.exec_prepared1(kReturnsInsert, order.id(), request.request_id(), Hex(ret)));
    pqxx::row saga =
        tx.exec_prepared1(kSagasInsertFor, order.id(), "RETURN", inserted.id(), Hex(inserted));
    started = {inserted, saga[0].as<std::string>(), true};
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return started;
}

absl::StatusOr<StartedReturn> PgOrderStore::StartReceive(const v1::ReceiveReturnRequest& request) {
  StartedReturn started;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kReturnsLock, request.return_id());
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("return ", request.return_id(), " does not exist"));
    }
    v1::Return ret = ReadReturn(rows[0]);
    if (ret.status() != v1::RETURN_STATUS_REQUESTED) {
      started = {ret, "", false};  // received already: the same answer
      return absl::OkStatus();
    }
    if (ret.return_shipment_id().empty()) {
      // The goods travel on the return shipment, which its saga is still creating.
      return WithReason(absl::StatusCode::kAborted, "RETURN_SHIPMENT_PENDING",
                        "the return shipment is still being created; retry shortly");
    }
    std::map<std::string, int64_t> left;
    for (const auto& line : ret.lines()) left[line.sku()] += line.quantity();
    for (int i = 0; i < request.lines_size(); ++i) {
      const auto& line = request.lines(i);
      if (line.quantity() > left[line.sku()]) {
        return WithReason(absl::StatusCode::kFailedPrecondition, "RECEIPT_EXCEEDS_RETURN",
                          absl::StrCat("lines[", i, "].quantity: more ", line.sku(),
                                       " than the return announced"));
      }
      left[line.sku()] -= line.quantity();
    }
    v1::Order order;
    ReadOrder(tx.exec_prepared1(kOrdersLock, ret.order_id()), &order);
    std::vector<v1::Return> earlier;
    for (auto& other : ReturnsOf(tx, ret.order_id())) {
      if (other.id() != ret.id()) earlier.push_back(std::move(other));
    }
    for (const auto& [shipment, skus] : RefundsByShipment(order, earlier, request.lines())) {
      auto* share = ret.add_refunds();
      share->set_shipment_id(shipment);
      for (const auto& [sku, units] : skus) {
        auto* line = share->add_lines();
        line->set_sku(sku);
        line->set_quantity(units);
      }
    }
    *ret.mutable_received() = request.lines();
    ret.set_warehouse_id(request.warehouse_id());
    ret.set_status(v1::RETURN_STATUS_RECEIVED);
    tx.exec_prepared(kReturnsUpdate, ret.id(), ReturnStatusName(ret.status()), Hex(ret));
    pqxx::row saga =
        tx.exec_prepared1(kSagasInsertFor, ret.order_id(), "RECEIVE", ret.id(), Hex(ret));
    started = {ret, saga[0].as<std::string>(), true};
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return started;
}

absl::StatusOr<std::vector<SagaCount>> PgOrderStore::CountOpenSagas() {
  std::vector<SagaCount> counts;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    counts.clear();
    for (const auto& row : tx.exec_prepared(kSagasCountOpen)) {
      SagaCount count;
      count.kind = KindOf(row[0].as<std::string>());
      count.step = row[1].as<int>();
      ParsePhase(row[2].as<std::string>(), &count.phase);
      count.count = row[3].as<int64_t>();
      count.oldest_seconds = row[4].as<double>();
      counts.push_back(count);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return counts;
}

absl::Status PgOrderStore::ListStuckSagas(int limit, v1::ListStuckSagasResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& row : tx.exec_prepared(kSagasStuck, limit)) ReadSaga(row, out->add_sagas());
    return absl::OkStatus();
  });
}

absl::Status PgOrderStore::OperateSaga(const std::string& saga_id, bool resolve,
                                       const std::string& note, v1::Saga* out) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kSagasLockStuck, saga_id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("saga ", saga_id, " does not exist"));
    SagaState state = ReadSagaState(rows[0]);
    if (state.phase != SagaPhase::kNeedsAttention) {
      return WithReason(
          absl::StatusCode::kFailedPrecondition, "SAGA_NOT_PARKED",
          absl::StrCat("saga ", saga_id, " is ", PhaseName(state.phase), ", not NEEDS_ATTENTION"));
    }
    // Resolving ends it where it was going: a compensation becomes COMPENSATED (the order
    // REJECTED), a forward step COMPLETED (CONFIRMED), after the operator did it by hand.
    SagaState next = resolve ? state : Retry(state);
    if (resolve) {
      next.phase = state.parked_from == SagaPhase::kCompensating ? SagaPhase::kCompensated
                                                                 : SagaPhase::kCompleted;
    }
    const int64_t epoch =
        tx.exec_prepared1(kSagasOperate, saga_id, PhaseName(next.phase))[0].as<int64_t>();
    const std::string order_id = rows[0][1].as<std::string>();
    tx.exec_prepared(kJournalInsert, saga_id, std::to_string(state.step), "OPERATOR",
                     resolve ? "resolve" : "retry", resolve ? "RESOLVED" : "RETRIED", note, epoch);
    const std::string status = StatusName(StatusOf(next.phase));
    const std::string reason =
        next.phase == SagaPhase::kCompensated ? RejectionReason(next.failure_reason) : "";
    tx.exec_prepared(kOrdersUpdate, order_id, status, reason, "", "", "");
    tx.exec_prepared(kHistoryInsert, order_id, status, reason);
    ReadSaga(tx.exec_prepared1(kSagasLockStuck, saga_id), out);
    return absl::OkStatus();
  });
}

std::string RejectionReason(const std::string& failure_reason) {
  for (const char* known : {"INSUFFICIENT_STOCK", "PAYMENT_DECLINED", "DESTINATION_NOT_SERVED"}) {
    if (failure_reason == known) return failure_reason;
  }
  return kDependencyUnavailable;
}

}  // namespace oms::order
