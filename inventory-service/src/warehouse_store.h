// Warehouses in PostgreSQL: the statements and the row mapping, in the caller's transaction.
#pragma once

#include <string>
#include <vector>

#include <pqxx/transaction>

#include "absl/status/status.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::inventory {

const std::vector<PreparedStatement>& WarehouseStatements();

// ALREADY_EXISTS WAREHOUSE_EXISTS when the code is taken.
[[nodiscard]] absl::Status InsertWarehouse(pqxx::work& tx, const v1::Warehouse& warehouse,
                                           v1::Warehouse* out);
// Up to `limit` warehouses with a code after `after`, in code order.
std::vector<v1::Warehouse> ListWarehouses(pqxx::work& tx, const std::string& after, int limit);

}  // namespace oms::inventory
