// The backorder queue in PostgreSQL: the units orders wait for, per SKU and first come first
// served, and the fill that holds arriving units for them, each a step of the caller's
// transaction.
//
// Locks follow the order every reservation path takes: reservation rows, then backorder rows,
// then stock levels, then (last, backorder_fills.h) the fill counter. A transaction that makes
// units of a SKU available calls LockBackorderQueues before it moves the level, then
// FillBackorders for each (warehouse, SKU) it made available, and RecordFills last. The lines of
// an order's reservation change only while its row is locked, as everywhere (reservation_store.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "absl/status/statusor.h"
#include "inventory-service/src/allocation.h"
#include "inventory-service/src/outcome.h"
#include "inventory-service/src/reservation_rules.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::inventory {

const std::vector<PreparedStatement>& BackorderStatements();

// Units a fill held for one order at one warehouse (warehouse id in lower case).
struct FilledUnits {
  std::string order_id;
  std::string warehouse_id;
  std::string sku;
  int64_t quantity = 0;
};

// Queues `lines` (one row per SKU, in their order) for the order, behind every open row.
void Enqueue(pqxx::work& tx, const std::string& order_id, const std::vector<Line>& lines);

// Locks the products `skus` (by SKU), the reservations of every order waiting for one of them
// (by reservation id), then their open rows (by SKU and queue position): what FillBackorders
// will touch, taken before the caller locks the stock levels, so that a fill never waits for a
// reservation while holding a level that reservation's commit or release waits for. The
// product lock makes the fills of a SKU take turns: two receipts of one SKU at two warehouses
// would otherwise lock the orders queued behind them in different orders and deadlock. A
// deadlock left (a reservation queued after these locks were taken, whose own commit runs at
// the same moment) is answered ABORTED and retried.
void LockBackorderQueues(pqxx::work& tx, const std::vector<std::string>& skus);

// Holds the units of `sku` available at `warehouse_id` (on hand minus reserved, read under the
// level's lock; an inactive warehouse fills nothing) for the open rows of the SKU in queue
// order, each row min(available, what it still waits for): its order's reservation gets them on
// its line of (warehouse, SKU), the level's reserved goes up with a RESERVE ledger row of
// `request_id`, and the row counts them filled. Rows whose order's reservation is not HELD are
// passed over. Appends what it held per order to `filled`; returns the ledger rows written.
[[nodiscard]] absl::StatusOr<int> FillBackorders(pqxx::work& tx, const std::string& warehouse_id,
                                                 const std::string& sku,
                                                 const std::string& request_id,
                                                 std::vector<FilledUnits>* filled);

// FillBackorders at each (warehouse, SKU) of `made_available` (the quantities do not matter:
// the level says what is available), adding the ledger rows and units to `outcome`.
[[nodiscard]] absl::Status FillEach(pqxx::work& tx, const std::vector<LineQuantity>& made_available,
                                    const std::string& request_id, Outcome* outcome,
                                    std::vector<FilledUnits>* filled);

// Takes every open row of the order off the queue; returns the units cancelled per SKU, in SKU
// order. The caller holds the order's reservation lock.
std::vector<Line> CancelQueued(pqxx::work& tx, const std::string& order_id);

// Units still queued for the order / of the SKU (open rows' remainders).
int64_t QueuedUnitsOfOrder(pqxx::work& tx, const std::string& order_id);
int64_t QueuedUnitsOfSku(pqxx::work& tx, const std::string& sku);

// Ends a HELD reservation that holds nothing and waits for nothing (SettledState): while units
// of the order are queued, it stays HELD, so that their fill has a reservation to hold them in.
void Settle(pqxx::work& tx, const std::string& reservation_id, const std::string& order_id);

}  // namespace oms::inventory
