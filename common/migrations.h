// Schema migrations: each service's migrations/NNNN_what.sql, compiled into its binary, applied
// in order at start-up under an advisory lock (so replicas starting together apply each once),
// and recorded with a checksum so that an edited, already-applied migration stops the start.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace oms {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// Applies the migrations not yet recorded in schema_migrations, each in its own transaction.
// Fails with FAILED_PRECONDITION naming the file when an applied migration's text changed.
[[nodiscard]] absl::Status ApplyMigrations(const std::string& database_url,
                                           const std::vector<Migration>& migrations);

}  // namespace oms
