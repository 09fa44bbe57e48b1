#include "order-service/src/event_feed_store.h"

#include <pqxx/pqxx>

#include "common/pg_pool.h"
#include "google/protobuf/util/time_util.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/timeline_ids.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kFeedRead[] = "order_feed_read";
constexpr char kFeedFollowers[] = "order_feed_followers";

// Each table's next rows after the position ($1 the transaction, $2, $3 and $5 each table's
// row-id floor in it: event_feed.h), then the first $4 of them in feed order (sources by
// FeedRank). Rows of a transaction at or above the snapshot's xmin wait for the next read: that
// transaction, or one before it, may still be running, and what it commits must not land behind
// a cursor answered now.
// The journal's page is cut before its join with the sagas: joined first, the planner reads it
// with parallel workers, which take longer to start than the page takes to read.
const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kFeedRead,
       "SELECT e.* FROM ("
       "  (SELECT " OMS_STATUS_EVENT_COLUMNS ", h.order_id::text AS order_id, "
       "     0 AS feed_source, 1 AS feed_rank, h.id AS row_id, NULL::bigint AS recorded_micros "
       "   FROM order_status_history h "
       "   WHERE (h.xact, h.id) > ($1::text::xid8, $2::bigint) "
       "     AND h.xact < pg_snapshot_xmin(pg_current_snapshot()) "
       "   ORDER BY h.xact, h.id LIMIT $4) "
       "  UNION ALL "
       "  (SELECT " OMS_SAGA_EVENT_COLUMNS ", s.order_id::text, 1, 2, j.id, NULL::bigint "
       "   FROM (SELECT * FROM saga_journal "
       "     WHERE (xact, id) > ($1::text::xid8, $3::bigint) "
       "       AND xact < pg_snapshot_xmin(pg_current_snapshot()) "
       "     ORDER BY xact, id LIMIT $4) j "
       "   JOIN sagas s ON s.id = j.saga_id) "
       "  UNION ALL "
       "  (SELECT (extract(epoch FROM f.occurred_at) * 1000000)::bigint, 'shipping', f.kind, "
       "     f.detail, f.shipment_id, f.xact::text::bigint, f.order_id::text, 2, 0, f.id, "
       "     (extract(epoch FROM f.recorded_at) * 1000000)::bigint "
       "   FROM feed_shipment_events f "
       "   WHERE (f.xact, f.id) > ($1::text::xid8, $5::bigint) "
       "     AND f.xact < pg_snapshot_xmin(pg_current_snapshot()) "
       "   ORDER BY f.xact, f.id LIMIT $4)) e "
       "ORDER BY e.xact, e.feed_rank, e.row_id LIMIT $4"},
      // Few rows: the notifier's, and one per webhook subscription.
      {kFeedFollowers,
       "SELECT name, cursor_xact, cursor_source, cursor_row FROM feed_followers "
       "UNION ALL "
       "SELECT 'webhook:' || id::text, cursor_xact, cursor_source, cursor_row FROM webhooks "
       "WHERE deleted_at IS NULL "
       "ORDER BY 1 LIMIT $1"},
  };
  return kStatements;
}

}  // namespace

const std::vector<PreparedStatement>& PgEventFeed::Statements() { return OwnStatements(); }

absl::Status PgEventFeed::ReadFeed(const FeedPosition& after, int limit,
                                   v1::ListEventsResponse* out) {
  FeedPosition last = after;
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const pqxx::result rows = statement.exec_prepared(
        kFeedRead, after.xact, after.RowIdFloor(FeedSource::kStatus),
        after.RowIdFloor(FeedSource::kSaga), limit, after.RowIdFloor(FeedSource::kShipment));
    for (const auto& row : rows) {
      auto* fed = out->add_events();
      fed->set_order_id(row["order_id"].as<std::string>());
      auto* event = fed->mutable_event();
      ReadTimelineEvent(row, event);
      // Status changes and saga steps are recorded when they happen; a shipment event may
      // be recorded after it happened.
      *event->mutable_recorded_time() =
          row["recorded_micros"].is_null()
              ? event->time()
              : TimeUtil::MicrosecondsToTimestamp(row["recorded_micros"].as<int64_t>());
      event->set_id(TimelineEventId(*event));
      last = FeedPosition{row["xact"].as<int64_t>(),
                          static_cast<FeedSource>(row["feed_source"].as<int>()),
                          row["row_id"].as<int64_t>()};
      fed->set_cursor(FeedCursor(last));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  out->set_next_cursor(FeedCursor(last));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<FeedFollower>> PgEventFeed::Followers(int limit) {
  std::vector<FeedFollower> followers;
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    followers.clear();
    for (const auto& row : statement.exec_prepared(kFeedFollowers, limit)) {
      followers.push_back({row["name"].as<std::string>(),
                           FeedPosition{row["cursor_xact"].as<int64_t>(),
                                        static_cast<FeedSource>(row["cursor_source"].as<int>()),
                                        row["cursor_row"].as<int64_t>()}});
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return followers;
}

}  // namespace oms::order
