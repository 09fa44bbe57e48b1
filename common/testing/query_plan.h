// What PostgreSQL would run for prepared statements, for tests that prove a query is served by
// an index and so costs the same whatever the history.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <pqxx/transaction>

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::testing {

// The generic plan (the one a prepared statement settles on after a few executions) of `sql`
// with `arguments` (SQL text, e.g. "'', 100"), with sequential scans priced out: a "Seq Scan"
// left in it means no index can serve the query.
std::string GenericPlanWithoutSeqScans(pqxx::work& tx, const std::string& sql,
                                       const std::string& arguments);

// Fails the current test for each (statement name, arguments) whose statement, as `statements`
// defines it, still needs a sequential scan on a connection of `pool`.
void ExpectServedByIndexes(PgPool& pool, const std::vector<PreparedStatement>& statements,
                           const std::vector<std::pair<std::string, std::string>>& executions);

}  // namespace oms::testing
