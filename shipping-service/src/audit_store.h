// The shipments of a page of orders for the cross-service invariant check (AuditOrderFacts):
// statements and row mapping, in the caller's transaction. Keyset pages by order id in byte
// order over shipments_by_order_bytes (common/audit_page.h), so a call costs one page whatever
// the history.
#pragma once

#include <vector>

#include <pqxx/transaction>

#include "common/audit_page.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::shipping {

const std::vector<PreparedStatement>& AuditStatements();

// Every shipment, outbound and return, of the orders of `page`, with its lines.
void ReadAuditPage(pqxx::work& tx, const AuditPage& page, v1::AuditOrderFactsResponse* out);

}  // namespace oms::shipping
