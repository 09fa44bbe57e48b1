#include "order-service/src/event_feed_store.h"

#include <pqxx/pqxx>

#include "common/pg_pool.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/timeline_ids.h"

namespace oms::order {
namespace {

constexpr char kFeedRead[] = "order_feed_read";

// Each table's next rows after the position ($1 the transaction, $2 and $3 each table's row-id
// floor in it: event_feed.h), then the first $4 of both in feed order. Rows of a transaction at
// or above the snapshot's xmin wait for the next read: that transaction, or one before it, may
// still be running, and what it commits must not land behind a cursor answered now.
// The journal's page is cut before its join with the sagas: joined first, the planner reads it
// with parallel workers, which take longer to start than the page takes to read.
const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kFeedRead,
       "SELECT e.* FROM ("
       "  (SELECT " OMS_STATUS_EVENT_COLUMNS ", h.order_id::text AS order_id, "
       "     0 AS feed_source, h.id AS row_id "
       "   FROM order_status_history h "
       "   WHERE (h.xact, h.id) > ($1::text::xid8, $2::bigint) "
       "     AND h.xact < pg_snapshot_xmin(pg_current_snapshot()) "
       "   ORDER BY h.xact, h.id LIMIT $4) "
       "  UNION ALL "
       "  (SELECT " OMS_SAGA_EVENT_COLUMNS ", s.order_id::text, 1, j.id "
       "   FROM (SELECT * FROM saga_journal "
       "     WHERE (xact, id) > ($1::text::xid8, $3::bigint) "
       "       AND xact < pg_snapshot_xmin(pg_current_snapshot()) "
       "     ORDER BY xact, id LIMIT $4) j "
       "   JOIN sagas s ON s.id = j.saga_id)) e "
       "ORDER BY e.xact, e.feed_source, e.row_id LIMIT $4"},
  };
  return kStatements;
}

}  // namespace

const std::vector<PreparedStatement>& PgEventFeed::Statements() { return OwnStatements(); }

absl::Status PgEventFeed::ReadFeed(const FeedPosition& after, int limit,
                                   v1::ListEventsResponse* out) {
  FeedPosition last = after;
  absl::Status status = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    const pqxx::result rows =
        statement.exec_prepared(kFeedRead, after.xact, after.RowIdFloor(FeedSource::kStatus),
                                after.RowIdFloor(FeedSource::kSaga), limit);
    for (const auto& row : rows) {
      auto* fed = out->add_events();
      fed->set_order_id(row["order_id"].as<std::string>());
      auto* event = fed->mutable_event();
      ReadTimelineEvent(row, event);
      *event->mutable_recorded_time() = event->time();
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

}  // namespace oms::order
