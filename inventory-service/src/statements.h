// Every statement inventory-service prepares on each connection of its pool: all its stores' and
// the request-id ones (common/idempotency.h).
#pragma once

#include <vector>

namespace oms {
struct PreparedStatement;
}

namespace oms::inventory {

const std::vector<PreparedStatement>& InventoryStatements();

}  // namespace oms::inventory
