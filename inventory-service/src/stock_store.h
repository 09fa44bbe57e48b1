// Reading stock levels in PostgreSQL: the planner's candidates, one level, a SKU's availability.
// Levels change only through the ledger (stock_ledger.h).
#pragma once

#include <string>
#include <vector>

#include <pqxx/transaction>

#include "inventory-service/src/allocation.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::inventory {

const std::vector<PreparedStatement>& StockStatements();

// Every active warehouse that stocks one of `skus`, with what it has available of each (active
// products only), in warehouse id order. `lock` locks those stock rows in (SKU, warehouse) order
// until the transaction ends, so that a plan made on them still holds when it is written and
// concurrent reservations cannot deadlock.
std::vector<Candidate> ReadCandidates(pqxx::work& tx, const std::vector<std::string>& skus,
                                      bool lock);

// Locks the stock rows of `skus` in every warehouse, active or not, in (SKU, warehouse) order
// until the transaction ends. A short pick moves stock at the warehouse that could not pick,
// which ReadCandidates may leave out (an inactive warehouse or product): taking all the rows in
// one ordered pass keeps it from deadlocking with reservations, commits and releases.
void LockLevels(pqxx::work& tx, const std::vector<std::string>& skus);

// The level of an existing (SKU, warehouse), labelled with the warehouse's code.
v1::StockLevel ReadStockLevel(pqxx::work& tx, const std::string& sku,
                              const std::string& warehouse_id, const std::string& warehouse_code);

// The SKU's level in every active warehouse (zeros where it never was), by warehouse code, and
// their total available.
void ReadAvailability(pqxx::work& tx, const std::string& sku, v1::GetAvailabilityResponse* out);

}  // namespace oms::inventory
