#include "inventory-service/src/statements.h"

#include "common/idempotency.h"
#include "common/pg_pool.h"
#include "inventory-service/src/audit_store.h"
#include "inventory-service/src/backorder_fills.h"
#include "inventory-service/src/backorder_queue.h"
#include "inventory-service/src/catalog_store.h"
#include "inventory-service/src/invariant_store.h"
#include "inventory-service/src/reservation_store.h"
#include "inventory-service/src/stock_ledger.h"
#include "inventory-service/src/stock_store.h"
#include "inventory-service/src/warehouse_store.h"

namespace oms::inventory {

const std::vector<PreparedStatement>& InventoryStatements() {
  static const std::vector<PreparedStatement> kAll = [] {
    std::vector<PreparedStatement> all;
    for (const auto* some : {&CatalogStatements(), &WarehouseStatements(), &StockStatements(),
                             &StockLedgerStatements(), &ReservationStatements(),
                             &InvariantStatements(), &AuditStatements(), &BackorderStatements(),
                             &BackorderFillStatements(), &IdempotencyStatements()}) {
      all.insert(all.end(), some->begin(), some->end());
    }
    return all;
  }();
  return kAll;
}

}  // namespace oms::inventory
