#include "common/migrations.h"

#include <map>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"

namespace oms {
namespace {

// Any fixed key works; it only has to be the same for every replica of a service.
constexpr long long kMigrationLockKey = 0x6f6d735f6d6967;  // "oms_mig"

constexpr char kCreateTable[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";

constexpr char kChecksum[] = "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex') AS checksum";

absl::Status Apply(pqxx::connection& connection, const std::vector<Migration>& migrations) {
  pqxx::nontransaction session(connection);
  session.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
  session.exec(kCreateTable);
  std::map<int, std::pair<std::string, std::string>> applied;  // version -> name, checksum
  for (const auto& row : session.exec("SELECT version, name, checksum FROM schema_migrations")) {
    applied[row["version"].as<int>()] = {row["name"].as<std::string>(),
                                         row["checksum"].as<std::string>()};
  }
  session.commit();

  for (const auto& migration : migrations) {
    auto it = applied.find(migration.version);
    if (it != applied.end()) {
      pqxx::nontransaction check(connection);
      const std::string checksum =
          check.exec_params1(kChecksum, migration.sql)["checksum"].as<std::string>();
      check.commit();
      if (checksum != it->second.second) {
        return absl::FailedPreconditionError(absl::StrCat(
            "migration ", migration.name, " was edited after it was applied (recorded checksum ",
            it->second.second, ", now ", checksum, "); add a new migration instead"));
      }
      continue;
    }
    pqxx::work tx(connection);
    tx.exec(migration.sql);
    tx.exec_params(
        "INSERT INTO schema_migrations (version, name, checksum) "
        "VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'))",
        migration.version, migration.name, migration.sql);
    tx.commit();
  }
  pqxx::nontransaction unlock(connection);
  unlock.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
  unlock.commit();
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyMigrations(const std::string& database_url,
                             const std::vector<Migration>& migrations) {
  try {
    pqxx::connection connection(database_url);
    // The session lock ends with the connection whatever happens below.
    return Apply(connection, migrations);
  } catch (const std::exception& e) {
    absl::Status status = PgErrorToStatus(e);
    // At start, for the operator: the database's own words too.
    return absl::Status(status.code(),
                        absl::StrCat("applying migrations: ", status.message(), ": ", e.what()));
  }
}

}  // namespace oms
