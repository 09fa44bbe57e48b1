// RELIABILITY.md's invariants, checked by queries over the four services' databases after a fault
// test (not by reading logs). Each violation comes back as one line of text, "<id>: <what>", so
// a test can print them all and assert there are none.
//
// Run it at rest: after the test has waited for every order it placed to be final. It reports
// sagas still running or parked (I4) as violations.
//
// What it checks:
// - I1 I2 I3 inside oms_inventory: inventory's own invariant query (stock conservation, holds
//   match, no oversell), run through inventory's store code.
// - I2 across: no HELD reservation for an order that is final (REJECTED, CANCELLED, COMPLETED).
// - I3 across: per (order, warehouse, SKU), the committed quantity is what shipping shipped.
// - I4: no saga RUNNING, COMPENSATING or NEEDS_ATTENTION; no order PENDING.
// - I5: per payment, captured = the sum of its invoices; every invoice is for a shipped outbound
//   shipment of the same order, with exactly that shipment's lines; every shipped shipment whose
//   saga completed has its invoice; a SHIPPED, DELIVERED or COMPLETED order captured its total;
//   refunded <= captured; at most one approved provider authorization per order, and each one
//   is either recorded by billing or voided at the provider; no open authorization (authorized
//   - captured - voided > 0), in billing or at the provider, on a REJECTED or CANCELLED order; a
//   REJECTED order keeps no shipment that is not cancelled.
// - I6: at most one order per (client, idempotency key) and per (channel, external id); every
//   order has its ORDER saga.
// - I7: no reservation, payment or shipment whose order oms_order does not know.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace oms::testing {

// libpq URLs of the four databases (ServiceUnderTest::database_url()).
struct SuiteDatabases {
  std::string order;
  std::string inventory;
  std::string billing;
  std::string shipping;
};

// Every violation found; an error only when a database cannot be read.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> CheckSuiteInvariants(
    const SuiteDatabases& databases);

}  // namespace oms::testing
