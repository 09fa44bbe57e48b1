// The feed of every order's own events (ListEvents): where a reader stands in it, and the store
// that reads it.
//
// Events are status changes (source 0), saga steps (source 1) and shipment events taken in from
// shipping's stream (source 2) of the order database, read in the order of (transaction id,
// source rank, row id); within one transaction a shipment event comes first (it caused the status
// change recorded with it), then status changes, then saga steps. A read answers only events of
// transactions below its snapshot's xmin: every such transaction has ended, so nothing committed
// later can fall behind a position already answered, and a reader that goes on from its last cursor
// misses nothing (a long transaction holds the feed back while it runs; no event is lost).
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

// The feed's sources. Their numbers are in cursors (and in followers' stored cursors): they never
// change.
enum class FeedSource : int { kStatus = 0, kSaga = 1, kShipment = 2 };

// Where a source's events come among one transaction's events.
int FeedRank(FeedSource source);

// The position just after an event (all zero: before the first). Its text form, the cursor, is
// "<xact>.<source>.<row id>".
struct FeedPosition {
  int64_t xact = 0;
  FeedSource source = FeedSource::kStatus;
  int64_t row_id = 0;

  // The last row id of `table` at or before this position within transaction `xact`: its rows
  // after this position in that transaction have greater ids.
  int64_t RowIdFloor(FeedSource table) const;
};

inline bool operator<(const FeedPosition& a, const FeedPosition& b) {
  const int a_rank = FeedRank(a.source), b_rank = FeedRank(b.source);
  return std::tie(a.xact, a_rank, a.row_id) < std::tie(b.xact, b_rank, b.row_id);
}

inline constexpr std::size_t kMaxFeedCursorLength = 64;

std::string FeedCursor(const FeedPosition& position);
// "" -> before the first event; anything FeedCursor did not make -> INVALID_ARGUMENT naming
// `after`.
[[nodiscard]] absl::StatusOr<FeedPosition> ParseFeedCursor(absl::string_view cursor);

// A reader of the feed that keeps its position in the order database.
struct FeedFollower {
  std::string name;  // "customer-notifier", "webhook:<subscription id>"
  FeedPosition position;
};

inline constexpr int kMaxFeedFollowersShown = 200;

class EventFeed {
 public:
  virtual ~EventFeed() = default;
  // Up to `limit` events after `after`, appended to out->events, each with its cursor; sets
  // out->next_cursor (the last event's cursor, or `after`'s when there is none).
  [[nodiscard]] virtual absl::Status ReadFeed(const FeedPosition& after, int limit,
                                              v1::ListEventsResponse* out) = 0;
  // The first `limit` followers by name (deleted webhook subscriptions follow no more).
  [[nodiscard]] virtual absl::StatusOr<std::vector<FeedFollower>> Followers(int limit) = 0;
};

// Appends each follower's lag to out->consumers: the age at `now_micros` (microseconds since the
// epoch) of the first event after its position, by when it was recorded; 0 when there is none.
// Raises out->max_lag_seconds to the largest.
[[nodiscard]] absl::Status AddFollowerLags(EventFeed& feed,
                                           const std::vector<FeedFollower>& followers,
                                           int64_t now_micros, v1::GetConsumerLagResponse* out);

}  // namespace oms::order
