// The payments, invoices and provider authorizations of a page of orders for the cross-service
// invariant check (AuditOrderFacts): statements and row mapping, in the caller's transaction.
// Keyset pages by order id in byte order over the *_by_order_bytes indexes (common/audit_page.h),
// so a call costs one page whatever the history.
//
// The provider's side is read from the sandbox provider's ledger (sandbox_provider.h), which
// stands for the settlement report a real acquirer offers: the only place billing's code reads
// it, so that an authorization billing lost track of still shows.
#pragma once

#include <vector>

#include <pqxx/transaction>

#include "common/audit_page.h"
#include "oms/billing/v1/billing.pb.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::billing {

const std::vector<PreparedStatement>& AuditStatements();

// Every payment, invoice (with its lines) and approved provider authorization (its amount with
// its approved increments, and what was captured and voided on it) of the orders of `page`.
void ReadAuditPage(pqxx::work& tx, const AuditPage& page, v1::AuditOrderFactsResponse* out);

}  // namespace oms::billing
