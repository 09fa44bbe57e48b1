// Moving stock levels, the one way every path changes them: lock the rows in (SKU, warehouse)
// order, apply the deltas only where on_hand >= reserved >= 0 still holds, and append one
// ledger row per level moved, all in the caller's transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "inventory-service/src/stock_moves.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::inventory {

const std::vector<PreparedStatement>& StockLedgerStatements();

// The code of the warehouse, once both the product and the warehouse are known to exist;
// NOT_FOUND naming `sku` or `warehouse_id` otherwise.
[[nodiscard]] absl::StatusOr<std::string> CheckTarget(pqxx::work& tx, const std::string& sku,
                                                      const std::string& warehouse_id);

// Creates the (SKU, warehouse) level at zero if it does not exist yet.
void EnsureLevel(pqxx::work& tx, const std::string& sku, const std::string& warehouse_id);

// All moves or none: if any level would break its bounds (or does not exist), answers
// FAILED_PRECONDITION with `refusal_reason` and the caller's transaction must not commit.
// Each (SKU, warehouse) may appear once.
[[nodiscard]] absl::StatusOr<std::vector<Moved>> ApplyMoves(
    pqxx::work& tx, const std::vector<Move>& moves, const LedgerContext& ledger,
    absl::string_view refusal_reason = "STOCK_LEVEL_CONFLICT");

// Appends a ledger row of `ledger` that moves nothing and records `quantity` damaged units, at
// the level's current values; returns the rows written (0 when the level does not exist).
int RecordDamaged(pqxx::work& tx, const std::string& sku, const std::string& warehouse_id,
                  int64_t quantity, const LedgerContext& ledger);

}  // namespace oms::inventory
