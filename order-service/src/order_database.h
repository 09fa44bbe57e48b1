// The order database: every store of order-service shares one pool, whose connections prepare
// the statements of all of them.
#pragma once

#include <vector>

namespace oms {
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

// Orders, customers, returns, cancellations, sagas, the shipment event cursor, the gateway's API
// keys and idempotency records.
const std::vector<PreparedStatement>& OrderDatabaseStatements();

}  // namespace oms::order
