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

namespace oms {
struct PreparedStatement;
}

namespace oms::inventory {

struct Move {
  std::string sku;
  std::string warehouse_id;
  int64_t on_hand_delta = 0;
  int64_t reserved_delta = 0;
};

// What the ledger rows say about why the levels moved.
struct LedgerContext {
  std::string kind;  // RECEIPT, CORRECTION, RESERVE, RELEASE, EXPIRE, COMMIT, RESTOCK
  std::string reason;
  std::string request_id;
  std::string reservation_id;  // may be empty
  std::string order_id;        // may be empty
};

struct Moved {
  int64_t movement_id = 0;
  std::string sku;
  std::string warehouse_id;
  int64_t on_hand = 0;  // after the move
  int64_t reserved = 0;
};

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

// Array literals for $n::text[] / $n::uuid[] / $n::bigint[] parameters. Elements are SKUs, uuids
// or numbers, validated to hold no quotes or backslashes.
std::string TextArray(const std::vector<std::string>& values);
std::string NumberArray(const std::vector<int64_t>& values);

}  // namespace oms::inventory
