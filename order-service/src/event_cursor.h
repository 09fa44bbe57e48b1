// Where a stream this service follows (shipping's outbox, inventory's backorder fills) was taken
// in up to: one row per stream in event_cursors. Each stream's store moves its cursor in the
// transaction that takes an event in; reading it is the same for every stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

const std::vector<PreparedStatement>& EventCursorStatements();

// The last sequence of `stream` taken in.
[[nodiscard]] absl::StatusOr<int64_t> ReadEventCursor(PgPool& pool, const std::string& stream);

}  // namespace oms::order
