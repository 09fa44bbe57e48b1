#include "order-service/src/event_cursor.h"

#include <pqxx/pqxx>

#include "common/pg_pool.h"

namespace oms::order {
namespace {

constexpr char kCursorRead[] = "event_cursors_read";

}  // namespace

const std::vector<PreparedStatement>& EventCursorStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kCursorRead, "SELECT last_sequence FROM event_cursors WHERE stream = $1"},
  };
  return kStatements;
}

absl::StatusOr<int64_t> ReadEventCursor(PgPool& pool, const std::string& stream) {
  int64_t cursor = 0;
  absl::Status status = pool.Autocommit([&](pqxx::transaction_base& statement) {
    cursor = statement.exec_prepared1(kCursorRead, stream)["last_sequence"].as<int64_t>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return cursor;
}

}  // namespace oms::order
