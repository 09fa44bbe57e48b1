#include "order-service/src/audit_store.h"

#include <map>
#include <string>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"

namespace oms::order {
namespace {

constexpr char kOrders[] = "orders_audit_page";
constexpr char kSagas[] = "sagas_audit_page";

// No order has the nil UUID (gen_random_uuid makes version 4 ids), so "after it" is every order.
constexpr char kBeforeEveryOrder[] = "00000000-0000-0000-0000-000000000000";

// An I6 finding on the first order (by id) of a group that shares what must be unique.
void AddDuplicate(const pqxx::row& row, const char* count_column, const char* first_column,
                  const std::string& what, v1::AuditOrdersResponse* out) {
  const int64_t count = row[count_column].as<int64_t>();
  if (count < 2 || !row[first_column].as<bool>()) return;
  auto* finding = out->add_findings();
  finding->set_invariant("I6");
  finding->set_order_id(row["id"].as<std::string>());
  finding->set_detail(absl::StrCat(count, " orders for ", what));
}

}  // namespace

const std::vector<PreparedStatement>& PgAuditStore::Statements() {
  static const std::vector<PreparedStatement> kStatements = {
      // Each order after $1, with how many orders share its (client, key) and its (channel,
      // external id), and whether it is the first of them.
      {kOrders,
       "SELECT o.id::text AS id, o.status, o.total_minor, o.client_id, o.idempotency_key, "
       "  o.channel, o.external_order_id, "
       "  floor(extract(epoch FROM now() - o.created_at))::bigint AS age_seconds, "
       "  floor(extract(epoch FROM now() - o.updated_at))::bigint AS idle_seconds, "
       "  (SELECT count(*) FROM orders k WHERE k.client_id = o.client_id "
       "     AND k.idempotency_key = o.idempotency_key) AS same_key, "
       "  NOT EXISTS (SELECT 1 FROM orders k WHERE k.client_id = o.client_id "
       "     AND k.idempotency_key = o.idempotency_key AND k.id < o.id) AS first_of_key, "
       "  (SELECT count(*) FROM orders e WHERE e.external_order_id IS NOT NULL AND e.channel = "
       "o.channel "
       "     AND e.external_order_id = o.external_order_id) AS same_external, "
       "  NOT EXISTS (SELECT 1 FROM orders e WHERE e.external_order_id IS NOT NULL AND e.channel = "
       "o.channel "
       "     AND e.external_order_id = o.external_order_id AND e.id < o.id) AS first_of_external "
       "FROM orders o WHERE o.id > $1::uuid ORDER BY o.id LIMIT $2"},
      // The sagas of the orders in (after, last].
      {kSagas,
       "SELECT id::text AS id, order_id::text AS order_id, kind, subject, phase, "
       "  floor(extract(epoch FROM now() - created_at))::bigint AS age_seconds "
       "FROM sagas WHERE order_id > $1::uuid AND order_id <= $2::uuid "
       "ORDER BY order_id, created_at, id"},
  };
  return kStatements;
}

absl::Status PgAuditStore::AuditOrders(const AuditPage& page, v1::AuditOrdersResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    out->Clear();  // a retry after a broken connection starts over
    const std::string after = page.after.empty() ? kBeforeEveryOrder : page.after;
    std::map<std::string, v1::AuditedOrder*> by_id;
    for (const auto& row : tx.exec_prepared(kOrders, after, page.size)) {
      auto* order = out->add_orders();
      order->set_id(row["id"].as<std::string>());
      order->set_status(row["status"].as<std::string>());
      order->set_total_minor(row["total_minor"].as<int64_t>());
      order->set_age_seconds(row["age_seconds"].as<int64_t>());
      order->set_idle_seconds(row["idle_seconds"].as<int64_t>());
      by_id[order->id()] = order;
      AddDuplicate(row, "same_key", "first_of_key",
                   absl::StrCat("client ", row["client_id"].as<std::string>(),
                                " and idempotency key ", row["idempotency_key"].as<std::string>()),
                   out);
      if (!row["external_order_id"].is_null()) {
        AddDuplicate(row, "same_external", "first_of_external",
                     absl::StrCat("channel ", row["channel"].as<std::string>(), " and external id ",
                                  row["external_order_id"].as<std::string>()),
                     out);
      }
    }
    const AuditRange range =
        AuditRangeOf({{out->orders_size(),
                       out->orders().empty() ? "" : out->orders(out->orders_size() - 1).id()}},
                     page.size);
    SetAuditPageResponse(range, out->mutable_page());
    if (range.last_order_id.empty()) return absl::OkStatus();
    for (const auto& row : tx.exec_prepared(kSagas, after, range.last_order_id)) {
      auto* saga = by_id.at(row["order_id"].as<std::string>())->add_sagas();
      saga->set_id(row["id"].as<std::string>());
      saga->set_kind(row["kind"].as<std::string>());
      saga->set_subject(row["subject"].as<std::string>());
      saga->set_phase(row["phase"].as<std::string>());
      saga->set_age_seconds(row["age_seconds"].as<int64_t>());
    }
    return absl::OkStatus();
  });
}

}  // namespace oms::order
