// The check of RELIABILITY.md's I1 to I3 on inventory's own database: levels, ledger and
// reservations. One read-only statement; each violation is a row.
#pragma once

#include <chrono>
#include <vector>

#include <pqxx/transaction>

#include "oms/inventory/v1/inventory.pb.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::inventory {

const std::vector<PreparedStatement>& InvariantStatements();

// Adds every violation to `out`. `expiry_grace`: how far past its expiry a held reservation may
// be before it counts (the sweeper runs every so often, so two of its intervals).
void ReadViolations(pqxx::work& tx, std::chrono::seconds expiry_grace,
                    v1::CheckInvariantsResponse* out);

}  // namespace oms::inventory
