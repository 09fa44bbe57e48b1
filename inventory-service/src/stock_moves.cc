#include "inventory-service/src/stock_moves.h"

namespace oms::inventory {

const char* MovementKindText(MovementKind kind) {
  switch (kind) {
    case MovementKind::kReceipt:
      return "RECEIPT";
    case MovementKind::kCorrection:
      return "CORRECTION";
    case MovementKind::kReserve:
      return "RESERVE";
    case MovementKind::kRelease:
      return "RELEASE";
    case MovementKind::kExpire:
      return "EXPIRE";
    case MovementKind::kCommit:
      return "COMMIT";
    case MovementKind::kRestock:
      return "RESTOCK";
    case MovementKind::kDamaged:
      return "DAMAGED";
  }
  return "CORRECTION";
}

MovementKind AdjustmentKind(v1::AdjustmentReason reason) {
  return reason == v1::ADJUSTMENT_REASON_RECEIPT ? MovementKind::kReceipt
                                                 : MovementKind::kCorrection;
}

Move MoveOf(MovementKind kind, const std::string& sku, const std::string& warehouse_id,
            int64_t quantity) {
  Move move{sku, warehouse_id, 0, 0};
  switch (kind) {
    case MovementKind::kReceipt:
    case MovementKind::kCorrection:
    case MovementKind::kRestock:
      move.on_hand_delta = quantity;
      break;
    case MovementKind::kReserve:
      move.reserved_delta = quantity;
      break;
    case MovementKind::kRelease:
    case MovementKind::kExpire:
      move.reserved_delta = -quantity;
      break;
    case MovementKind::kCommit:
      move.on_hand_delta = -quantity;
      move.reserved_delta = -quantity;
      break;
    case MovementKind::kDamaged:
      break;
  }
  return move;
}

}  // namespace oms::inventory
