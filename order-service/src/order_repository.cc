#include "order-service/src/order_repository.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/pagination.h"
#include "common/pg_arrays.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/pg_saga_store.h"
#include "order-service/src/sagas/order_saga.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kOrdersFind[] = "orders_find_existing";
constexpr char kOrdersInsert[] = "orders_insert";
// Newest first; the page token is the last (created_at, id) seen. Not prepared: each filter
// that is left out is folded away when the statement is planned with its values, so that the
// index of the filters given (by customer, by channel, by time) serves it, which one generic
// plan for every combination could not. With an SKU ($10), the orders come from order_skus'
// key, newest first, however many orders have the SKU.
// `time` and `id` are the columns the list is ordered and paged by: the order's own, or those of
// its order_skus row (equal to them), whose key then serves the order.
#define OMS_ORDERS_LIST(source, time, id)                                    \
  "SELECT " OMS_ORDER_COLUMNS " FROM " source                                \
  " WHERE ($1 = '' OR customer_id = $1::uuid) AND ($2 = '' OR status = $2) " \
  "  AND ($3 = '' OR channel = $3) AND ($4 = '' OR external_order_id = $4) " \
  "  AND ($5::bigint = 0 OR " time                                           \
  " >= to_timestamp($5::bigint / 1000000.0)) "                               \
  "  AND ($6::bigint = 0 OR " time                                           \
  " < to_timestamp($6::bigint / 1000000.0)) "                                \
  "  AND ($7::bigint = 0 OR (" time ", " id                                  \
  ") < "                                                                     \
  "       (to_timestamp($7::bigint / 1000000.0), $8::uuid)) "                \
  "ORDER BY " time " DESC, " id " DESC LIMIT $9"
constexpr char kOrdersList[] = OMS_ORDERS_LIST("orders", "created_at", "id");
constexpr char kOrdersListBySku[] = OMS_ORDERS_LIST(
    "(SELECT o.*, k.created_at AS sku_created_at, k.order_id AS sku_order_id "
    "  FROM order_skus k JOIN orders o ON o.id = k.order_id WHERE k.sku = $10) AS orders",
    "sku_created_at", "sku_order_id");
constexpr char kOrdersToIndex[] = "orders_skus_to_index";
constexpr char kOrderSkusInsert[] = "order_skus_insert";
constexpr char kOrderEvents[] = "order_events_list";

// The SKUs of the order's lines, each once.
std::vector<std::string> SkusOf(const v1::Order& order) {
  std::vector<std::string> skus;
  for (const auto& line : order.lines()) skus.push_back(line.sku());
  return skus;
}

}  // namespace

const std::vector<PreparedStatement>& PgOrderRepository::Statements() {
  static const std::vector<PreparedStatement> kStatements = {
      // The order an idempotency key or an external id already names (the key first), and
      // whether the first request of the key may still be waiting for its answer.
      // One row: whether the customer ($6) exists, and the order found, if any (its columns
      // NULL otherwise). The customer is read here, in the same round trip, rather than left to
      // the insert's foreign key: an unknown one is refused before any peer prices the order.
      {kOrdersFind,
       "SELECT EXISTS (SELECT 1 FROM customers WHERE id = $6::uuid) AS customer_exists, f.* "
       "FROM (SELECT 1) AS one LEFT JOIN LATERAL ("
       "  SELECT o.id AS order_id, s.id AS saga_id, "
       "    o.request_hash = encode(sha256(decode($3, 'hex')), 'hex') AS same_body, "
       "    (o.client_id = $1 AND o.idempotency_key = $2) AS same_key, "
       "    o.client_id = $1 AS same_client, "
       "    (o.status = 'PENDING' AND o.first_answer_by > now()) AS first_unanswered "
       "  FROM orders o JOIN sagas s ON s.order_id = o.id AND s.kind = 'ORDER' "
       "  WHERE (o.client_id = $1 AND o.idempotency_key = $2) "
       "     OR ($4 <> '' AND o.channel = $5 AND o.external_order_id = $4) "
       "  ORDER BY same_key DESC LIMIT 1) AS f ON true"},
      // Order ($13: its status; $15: milliseconds until its first answer; $16: the SKUs of its
      // lines), saga (leased to $17 for $18 seconds, unless $17 is empty), the first history row
      // and the SKU rows in one statement.
      {kOrdersInsert,
       "WITH o AS ("
       "  INSERT INTO orders (customer_id, client_id, idempotency_key, request_hash, channel, "
       "    external_order_id, currency, status, subtotal_minor, tax_minor, total_minor, "
       "    snapshot, payment_token, first_answer_by, skus_indexed) "
       "  VALUES ($1::uuid, $2, $3, encode(sha256(decode($4, 'hex')), 'hex'), $5, "
       "    NULLIF($6, ''), $7, $13, $8, $9, $10, "
       "    decode($11, 'hex'), $12, now() + $15::bigint * interval '1 millisecond', true) "
       "  RETURNING *), "
       "h AS (INSERT INTO order_status_history (order_id, status) SELECT id, $13 FROM o), "
       "k AS (INSERT INTO order_skus (sku, created_at, order_id) "
       "  SELECT DISTINCT sku, o.created_at, o.id FROM o, unnest($16::text[]) AS sku), "
       "s AS (INSERT INTO sagas (order_id, phase, payload, lease_owner, lease_epoch, "
       "    lease_expires_at) "
       "  SELECT id, 'RUNNING', decode($14, 'hex'), $17, CASE WHEN $17 = '' THEN 0 ELSE 1 END, "
       "    CASE WHEN $17 = '' THEN '-infinity'::timestamptz "
       "      ELSE now() + make_interval(secs => $18) END "
       "  FROM o RETURNING *) "
       "SELECT " OMS_CLAIMED_SAGA_COLUMNS " FROM s, o"},
      // A batch of orders placed before order_skus existed, locked so that two replicas
      // backfilling at once take different ones.
      {kOrdersToIndex,
       "SELECT id, created_at, encode(snapshot, 'hex') AS snapshot_hex FROM orders "
       "WHERE NOT skus_indexed LIMIT $1 FOR UPDATE SKIP LOCKED"},
      {kOrderSkusInsert,
       "WITH k AS (INSERT INTO order_skus (sku, created_at, order_id) "
       "  SELECT DISTINCT t.sku, o.created_at, t.order_id "
       "  FROM unnest($1::text[], $2::uuid[]) AS t (sku, order_id) "
       "  JOIN orders o ON o.id = t.order_id ON CONFLICT DO NOTHING) "
       "UPDATE orders SET skus_indexed = true WHERE id = ANY($3::uuid[])"},
      {kOrderEvents,
       "SELECT e.*, pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xact_floor FROM ("
       "  SELECT " OMS_STATUS_EVENT_COLUMNS
       "FROM order_status_history h WHERE h.order_id = $1::uuid "
       "  UNION ALL "
       "  SELECT " OMS_SAGA_EVENT_COLUMNS
       "  FROM saga_journal j JOIN sagas s ON s.id = j.saga_id WHERE s.order_id = $1::uuid) e "
       "ORDER BY at_micros, source, kind, detail, subject"},
  };
  return kStatements;
}

absl::StatusOr<std::optional<InsertedOrder>> PgOrderRepository::FindExisting(
    const v1::CreateOrderRequest& request, const std::string& request_hash) {
  std::optional<InsertedOrder> found;
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const pqxx::row row = statement.exec_prepared1(
        kOrdersFind, request.client_id(), request.request_id(), request_hash,
        request.external_order_id(), request.channel(), request.customer_id());
    if (row["order_id"].is_null()) {
      if (!row["customer_exists"].as<bool>()) {
        return absl::NotFoundError(
            absl::StrCat("customer_id: customer ", request.customer_id(), " does not exist"));
      }
    } else {
      // Same key: a replay, unless the body changed. Same external id: that order, whatever
      // key the channel used this time, but only to the client that placed it; another one
      // learns that the id is taken and nothing of the order.
      const bool same_key = row["same_key"].as<bool>();
      if (!same_key && !row["same_client"].as<bool>()) {
        return WithReason(
            absl::StatusCode::kAlreadyExists, "EXTERNAL_ORDER_ID_IN_USE",
            absl::StrCat("external_order_id: channel ", request.channel(), " already has an order ",
                         request.external_order_id(), " placed by another client"));
      }
      found = InsertedOrder{row["order_id"].as<std::string>(),
                            row["saga_id"].as<std::string>(),
                            false,
                            !same_key || row["same_body"].as<bool>(),
                            same_key && row["first_unanswered"].as<bool>(),
                            std::nullopt};
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<InsertedOrder> PgOrderRepository::InsertOrder(
    const v1::Order& order, const v1::CreateOrderRequest& request, const std::string& request_hash,
    std::chrono::milliseconds answer_within, const SagaLease& lease) {
  InsertedOrder inserted;
  // One statement: its own transaction, without a BEGIN and a COMMIT round trip around it.
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    pqxx::row row = statement.exec_prepared1(
        kOrdersInsert, order.customer_id(), request.client_id(), request.request_id(), request_hash,
        order.channel(), order.external_order_id(), order.currency(),
        order.subtotal().amount_minor(), order.tax().amount_minor(), order.total().amount_minor(),
        Hex(order), request.payment().token(), StatusName(v1::ORDER_STATUS_PENDING),
        absl::BytesToHexString(kHoldFromReserve), static_cast<int64_t>(answer_within.count()),
        PgTextArray(SkusOf(order)), lease.owner, static_cast<int64_t>(lease.duration.count()));
    inserted = {row["order_id"].as<std::string>(),
                row["id"].as<std::string>(),
                true,
                true,
                false,
                std::nullopt};
    // Read as a claim reads it, from the same columns.
    if (!lease.owner.empty()) inserted.claimed = ReadClaimedSaga(row, lease.owner);
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

absl::Status PgOrderRepository::GetOrder(const std::string& id, v1::Order* out) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    pqxx::result rows = statement.exec_prepared(kOrdersGet, id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("order ", id, " does not exist"));
    ReadOrder(rows[0], out);
    return absl::OkStatus();
  });
}

absl::Status PgOrderRepository::ListOrders(const OrderFilter& filter, v1::ListOrdersResponse* out) {
  auto after = ParseTimeIdPayload(filter.after);
  if (!after.ok()) return after.status();
  const int64_t after_micros = after->micros;
  const std::string& after_id = after->id;
  const std::string status =
      filter.status == v1::ORDER_STATUS_UNSPECIFIED ? "" : StatusName(filter.status);
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const bool by_sku = !filter.sku.empty();
    pqxx::result rows =
        by_sku ? statement.exec_params(kOrdersListBySku, filter.customer_id, status, filter.channel,
                                       filter.external_order_id, filter.created_after_micros,
                                       filter.created_before_micros, after_micros, after_id,
                                       filter.page_size + 1, filter.sku)
               : statement.exec_params(kOrdersList, filter.customer_id, status, filter.channel,
                                       filter.external_order_id, filter.created_after_micros,
                                       filter.created_before_micros, after_micros, after_id,
                                       filter.page_size + 1);
    for (const auto& row : rows) {
      if (out->orders_size() == filter.page_size) {
        const v1::Order& last = out->orders(filter.page_size - 1);
        out->set_next_page_token(EncodePageToken(
            TimeIdPayload(TimeUtil::TimestampToMicroseconds(last.create_time()), last.id())));
        break;
      }
      ReadOrder(row, out->add_orders());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<int> PgOrderRepository::IndexOrderSkus(int batch) {
  int indexed = 0;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    std::vector<std::string> skus, sku_orders, orders;
    for (const auto& row : tx.exec_prepared(kOrdersToIndex, batch)) {
      v1::Order order;
      FromHex(row["snapshot_hex"], &order);
      const std::string id = row["id"].as<std::string>();
      for (const std::string& sku : SkusOf(order)) {
        skus.push_back(sku);
        sku_orders.push_back(id);
      }
      orders.push_back(id);
    }
    indexed = static_cast<int>(orders.size());
    if (orders.empty()) return absl::OkStatus();
    tx.exec_prepared(kOrderSkusInsert, PgTextArray(skus), PgTextArray(sku_orders),
                     PgTextArray(orders));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return indexed;
}

absl::Status PgOrderRepository::OrderEvents(const std::string& order_id, v1::OrderTimeline* out,
                                            SourcePositions* positions) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& row : tx.exec_prepared(kOrderEvents, order_id)) {
      positions->floor = row["xact_floor"].as<int64_t>();
      positions->xacts.push_back(row["xact"].as<int64_t>());
      ReadTimelineEvent(row, out->add_events());
    }
    return absl::OkStatus();
  });
}

}  // namespace oms::order
