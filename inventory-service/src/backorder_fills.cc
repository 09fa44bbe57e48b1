#include "inventory-service/src/backorder_fills.h"

#include <algorithm>
#include <string>
#include <utility>

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "common/pg_arrays.h"
#include "common/pg_pool.h"

namespace oms::inventory {
namespace {

constexpr char kAppend[] = "backorder_fills_append";
constexpr char kList[] = "backorder_fills_list";
constexpr char kHead[] = "backorder_fill_counter_read";

}  // namespace

const std::vector<PreparedStatement>& BackorderFillStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // Numbers the fills after the counter ($5 of them; $4 says which fill each row is a line
      // of, from 1), whose row lock is then held to commit, and stores their lines.
      {kAppend,
       "WITH next AS ("
       "  UPDATE backorder_fill_counter SET last = last + $5::bigint WHERE id = 1 "
       "  RETURNING last - $5::bigint AS base) "
       "INSERT INTO backorder_fills (sequence, sku, order_id, warehouse_id, quantity) "
       "SELECT next.base + f.n, f.sku, f.order_id, f.warehouse_id, f.quantity "
       "FROM next, unnest($1::text[], $2::uuid[], $3::text[], $4::bigint[], $6::bigint[]) "
       "  AS f (order_id, warehouse_id, sku, n, quantity)"},
      // Dense sequences: the fills after $1 are exactly those up to $1 + $2, a range of the
      // primary key, however many lines each has.
      {kList,
       "SELECT f.sequence, f.order_id, f.warehouse_id::text AS warehouse_id, w.code, f.sku, "
       "  f.quantity, (extract(epoch FROM f.created_at) * 1000000)::bigint AS created_micros "
       "FROM backorder_fills f JOIN warehouses w ON w.id = f.warehouse_id "
       "WHERE f.sequence > $1::bigint AND f.sequence <= $1::bigint + $2::bigint ORDER BY "
       "f.sequence, f.sku"},
      // The counter's committed value is the head: a plain read never waits for the writer that
      // holds its row lock.
      {kHead, "SELECT last FROM backorder_fill_counter WHERE id = 1"},
  };
  return kStatements;
}

void RecordFills(pqxx::work& tx, const std::vector<FilledUnits>& filled) {
  if (filled.empty()) return;
  std::vector<std::pair<std::string, std::string>> fills;  // (order, warehouse), numbered from 1
  std::vector<std::string> order_ids, warehouse_ids, skus;
  std::vector<int64_t> numbers, quantities;
  for (const auto& units : filled) {
    const std::pair<std::string, std::string> key{units.order_id, units.warehouse_id};
    auto it = std::find(fills.begin(), fills.end(), key);
    if (it == fills.end()) it = fills.insert(fills.end(), key);
    order_ids.push_back(units.order_id);
    warehouse_ids.push_back(units.warehouse_id);
    skus.push_back(units.sku);
    numbers.push_back(static_cast<int64_t>(it - fills.begin()) + 1);
    quantities.push_back(units.quantity);
  }
  tx.exec_prepared(kAppend, PgTextArray(order_ids), PgTextArray(warehouse_ids), PgTextArray(skus),
                   PgIntArray(numbers), static_cast<int64_t>(fills.size()), PgIntArray(quantities));
}

void ReadFills(pqxx::work& tx, int64_t after_sequence, int limit,
               v1::ListBackorderFillsResponse* out) {
  out->Clear();
  for (const auto& row : tx.exec_prepared(kList, after_sequence, limit)) {
    const int64_t sequence = row["sequence"].as<int64_t>();
    if (out->fills().empty() || out->fills(out->fills_size() - 1).sequence() != sequence) {
      v1::BackorderFill* fill = out->add_fills();
      fill->set_sequence(sequence);
      fill->set_order_id(row["order_id"].as<std::string>());
      fill->set_warehouse_id(row["warehouse_id"].as<std::string>());
      fill->set_warehouse_code(row["code"].as<std::string>());
      *fill->mutable_fill_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          row["created_micros"].as<int64_t>());
    }
    v1::OrderLine* line = out->mutable_fills(out->fills_size() - 1)->add_lines();
    line->set_sku(row["sku"].as<std::string>());
    line->set_quantity(row["quantity"].as<int64_t>());
  }
  // Read after the fills (its own snapshot, read committed): the head is never below them.
  out->set_head_sequence(tx.exec_prepared1(kHead)["last"].as<int64_t>());
}

}  // namespace oms::inventory
