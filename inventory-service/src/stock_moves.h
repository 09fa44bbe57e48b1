// What moves a stock level, and why: the ledger kinds and what each one moves. Pure logic: the
// ledger (stock_ledger.h) writes these moves, the invariant check (invariant_store.cc) verifies
// that every movement of a kind moved only its own quantity.
#pragma once

#include <cstdint>
#include <string>

#include "oms/inventory/v1/inventory.pb.h"

namespace oms::inventory {

enum class MovementKind {
  kReceipt,     // on hand up: goods arrived
  kCorrection,  // on hand up or down: a count found a difference
  kReserve,     // reserved up: held for an order
  kRelease,     // reserved down: a hold given back
  kExpire,      // reserved down: a hold that ran out
  kCommit,      // on hand and reserved down: held stock shipped
  kRestock,     // on hand up: a resellable return
  kDamaged,     // nothing moves: a damaged return, recorded with its quantity
};
inline constexpr int kMovementKinds = 8;

// As stored in stock_movements.kind, and the `kind` label of the movement metric.
const char* MovementKindText(MovementKind kind);

// RECEIPT for a receipt, CORRECTION for anything else.
MovementKind AdjustmentKind(v1::AdjustmentReason reason);

struct Move {
  std::string sku;
  std::string warehouse_id;
  int64_t on_hand_delta = 0;
  int64_t reserved_delta = 0;
  bool operator==(const Move&) const = default;
};

// The move of `quantity` units of a kind: a receipt, correction or restock adds `quantity` (which
// may be negative for a correction) to on hand; a reserve adds it to reserved; a release or an
// expiry takes it from reserved; a commit takes it from both; damaged moves nothing.
Move MoveOf(MovementKind kind, const std::string& sku, const std::string& warehouse_id,
            int64_t quantity);

// What the ledger rows say about why the levels moved.
struct LedgerContext {
  MovementKind kind = MovementKind::kCorrection;
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

}  // namespace oms::inventory
