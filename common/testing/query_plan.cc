#include "common/testing/query_plan.h"

#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/pg_pool.h"

namespace oms::testing {

std::string GenericPlanWithoutSeqScans(pqxx::work& tx, const std::string& sql,
                                       const std::string& arguments) {
  tx.exec("SET LOCAL enable_seqscan = off");
  tx.exec("SET LOCAL plan_cache_mode = force_generic_plan");
  // A session-level name of our own: the pool's connections prepare theirs on first use.
  tx.exec("PREPARE oms_plan_under_test AS " + sql);
  std::string plan;
  // A statement without parameters is executed without parentheses.
  const std::string execute = arguments.empty() ? "EXECUTE oms_plan_under_test"
                                                : "EXECUTE oms_plan_under_test(" + arguments + ")";
  for (const auto& row : tx.exec("EXPLAIN " + execute)) {
    plan += row[0].as<std::string>() + "\n";
  }
  tx.exec("DEALLOCATE oms_plan_under_test");
  return plan;
}

namespace {

// A scan of a whole index avoids "Seq Scan" but costs as much: every index scan node of `plan`
// must have an Index Cond among its own lines (those before the next node).
bool EveryIndexScanHasACondition(const std::string& plan) {
  bool in_index_scan = false;
  bool has_condition = false;
  std::istringstream lines(plan);
  for (std::string line; std::getline(lines, line);) {
    const bool node = line.find("->") != std::string::npos || line.find("  ") != 0;
    if (node) {
      if (in_index_scan && !has_condition) return false;
      in_index_scan = line.find("Index Scan") != std::string::npos ||
                      line.find("Index Only Scan") != std::string::npos;
      has_condition = false;
    } else if (line.find("Index Cond") != std::string::npos) {
      has_condition = true;
    }
  }
  return !in_index_scan || has_condition;
}

}  // namespace

void ExpectServedByIndexes(PgPool& pool, const std::vector<PreparedStatement>& statements,
                           const std::vector<std::pair<std::string, std::string>>& executions) {
  for (const auto& [name, arguments] : executions) {
    auto statement = std::find_if(statements.begin(), statements.end(),
                                  [&](const PreparedStatement& s) { return s.name == name; });
    ASSERT_NE(statement, statements.end()) << name << " is not in the list";
    std::string plan;
    absl::Status planned = pool.InTransaction([&](pqxx::work& tx) {
      plan = GenericPlanWithoutSeqScans(tx, statement->sql, arguments);
      return absl::OkStatus();
    });
    ASSERT_TRUE(planned.ok()) << name << ": " << planned;
    EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << name << ":\n" << plan;
    EXPECT_TRUE(EveryIndexScanHasACondition(plan)) << name << ":\n" << plan;
  }
}

}  // namespace oms::testing
