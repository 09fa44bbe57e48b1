#include "inventory-service/src/stock_store.h"

#include <map>

#include <pqxx/pqxx>

#include "common/pg_arrays.h"
#include "common/pg_pool.h"
#include "inventory-service/src/stock_ledger.h"

namespace oms::inventory {
namespace {

constexpr char kCandidates[] = "stock_levels_candidates";
constexpr char kCandidatesLock[] = "stock_levels_candidates_lock";
constexpr char kLockSkus[] = "stock_levels_lock_skus";
constexpr char kGet[] = "stock_levels_get";
constexpr char kAvailability[] = "stock_levels_availability";

#define OMS_CANDIDATES_SQL                                                    \
  "SELECT s.sku, s.warehouse_id, s.on_hand, s.reserved, w.code, w.latitude, " \
  "w.longitude, w.priority, w.address_country, w.address_region "             \
  "FROM stock_levels s JOIN warehouses w ON w.id = s.warehouse_id "           \
  "JOIN products p ON p.sku = s.sku "                                         \
  "WHERE s.sku = ANY($1::text[]) AND w.active AND p.active ORDER BY s.sku, s.warehouse_id"

// What can be taken from a level now.
int64_t AvailableOf(const pqxx::row& row) {
  return row["on_hand"].as<int64_t>() - row["reserved"].as<int64_t>();
}

v1::StockLevel LevelOf(const pqxx::row& row, const std::string& sku,
                       const std::string& warehouse_id, const std::string& warehouse_code) {
  v1::StockLevel level;
  level.set_warehouse_id(warehouse_id);
  level.set_warehouse_code(warehouse_code);
  level.set_sku(sku);
  level.set_on_hand(row["on_hand"].as<int64_t>());
  level.set_reserved(row["reserved"].as<int64_t>());
  level.set_available(AvailableOf(row));
  return level;
}

}  // namespace

const std::vector<PreparedStatement>& StockStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kCandidates, OMS_CANDIDATES_SQL},
      {kCandidatesLock, OMS_CANDIDATES_SQL " FOR UPDATE OF s"},
      {kLockSkus,
       "SELECT sku FROM stock_levels WHERE sku = ANY($1::text[]) ORDER BY sku, warehouse_id "
       "FOR UPDATE"},
      {kGet,
       "SELECT on_hand, reserved FROM stock_levels WHERE sku = $1 AND warehouse_id = $2::uuid"},
      // Every active warehouse, with zeros where the SKU has never been.
      {kAvailability,
       "SELECT w.id, w.code, COALESCE(s.on_hand, 0) AS on_hand, "
       "COALESCE(s.reserved, 0) AS reserved "
       "FROM warehouses w LEFT JOIN stock_levels s ON s.warehouse_id = w.id AND s.sku = $1 "
       "WHERE w.active ORDER BY w.code"},
  };
  return kStatements;
}

std::vector<Candidate> ReadCandidates(pqxx::work& tx, const std::vector<std::string>& skus,
                                      bool lock) {
  std::map<std::string, Candidate> by_warehouse;
  for (const auto& row :
       tx.exec_prepared(lock ? kCandidatesLock : kCandidates, PgTextArray(skus))) {
    const std::string warehouse_id = row["warehouse_id"].as<std::string>();
    Candidate& candidate = by_warehouse[warehouse_id];
    if (candidate.warehouse_id.empty()) {
      candidate.warehouse_id = warehouse_id;
      candidate.code = row["code"].as<std::string>();
      candidate.place = {row["address_country"].as<std::string>(),
                         row["address_region"].as<std::string>(), row["latitude"].as<double>(),
                         row["longitude"].as<double>()};
      candidate.priority = row["priority"].as<int>();
    }
    candidate.available[row["sku"].as<std::string>()] = AvailableOf(row);
  }
  std::vector<Candidate> candidates;
  for (auto& [id, candidate] : by_warehouse) candidates.push_back(std::move(candidate));
  return candidates;
}

void LockLevels(pqxx::work& tx, const std::vector<std::string>& skus) {
  tx.exec_prepared(kLockSkus, PgTextArray(skus));
}

v1::StockLevel ReadStockLevel(pqxx::work& tx, const std::string& sku,
                              const std::string& warehouse_id, const std::string& warehouse_code) {
  return LevelOf(tx.exec_prepared1(kGet, sku, warehouse_id), sku, warehouse_id, warehouse_code);
}

void ReadAvailability(pqxx::work& tx, const std::string& sku, v1::GetAvailabilityResponse* out) {
  out->set_sku(sku);
  int64_t total = 0;
  for (const auto& row : tx.exec_prepared(kAvailability, sku)) {
    *out->add_levels() =
        LevelOf(row, sku, row["id"].as<std::string>(), row["code"].as<std::string>());
    total += out->levels(out->levels_size() - 1).available();
  }
  out->set_total_available(total);
}

}  // namespace oms::inventory
