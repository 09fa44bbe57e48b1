#include "order-service/src/event_feed.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "google/protobuf/util/time_util.h"

namespace oms::order {

int FeedRank(FeedSource source) {
  switch (source) {
    case FeedSource::kShipment:
      return 0;
    case FeedSource::kStatus:
      return 1;
    case FeedSource::kSaga:
      return 2;
  }
  return 3;
}

int64_t FeedPosition::RowIdFloor(FeedSource table) const {
  if (table == source) return row_id;
  // A table read before this position's within its transaction is done with it; one read after
  // has not begun.
  return FeedRank(table) < FeedRank(source) ? std::numeric_limits<int64_t>::max() : 0;
}

std::string FeedCursor(const FeedPosition& position) {
  return absl::StrCat(position.xact, ".", static_cast<int>(position.source), ".", position.row_id);
}

absl::StatusOr<FeedPosition> ParseFeedCursor(absl::string_view cursor) {
  if (cursor.empty()) return FeedPosition{};
  const auto refused = [] {
    return InvalidField("after",
                        "not a cursor of this feed: pass an event's cursor or a next_cursor as it "
                        "was answered");
  };
  if (cursor.size() > kMaxFeedCursorLength) return refused();
  const std::vector<absl::string_view> parts = absl::StrSplit(cursor, '.');
  int64_t xact = 0, source = 0, row_id = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &xact) ||
      !absl::SimpleAtoi(parts[1], &source) || !absl::SimpleAtoi(parts[2], &row_id) || xact < 0 ||
      row_id < 0 || source < 0 || source > static_cast<int64_t>(FeedSource::kShipment)) {
    return refused();
  }
  // Canonical text only: one position has one cursor.
  FeedPosition position{xact, static_cast<FeedSource>(source), row_id};
  if (FeedCursor(position) != cursor) return refused();
  return position;
}

absl::Status AddFollowerLags(EventFeed& feed, const std::vector<FeedFollower>& followers,
                             int64_t now_micros, v1::GetConsumerLagResponse* out) {
  for (const FeedFollower& follower : followers) {
    v1::ListEventsResponse next;
    absl::Status status = feed.ReadFeed(follower.position, 1, &next);
    if (!status.ok()) return status;
    double lag = 0;
    if (!next.events().empty()) {
      const int64_t recorded = google::protobuf::util::TimeUtil::TimestampToMicroseconds(
          next.events(0).event().recorded_time());
      lag = std::max<int64_t>(0, now_micros - recorded) / 1e6;
    }
    auto* consumer = out->add_consumers();
    consumer->set_consumer(follower.name);
    consumer->set_lag_seconds(lag);
    out->set_max_lag_seconds(std::max(out->max_lag_seconds(), lag));
  }
  return absl::OkStatus();
}

}  // namespace oms::order
