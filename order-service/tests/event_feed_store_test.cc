// PgEventFeed on a real PostgreSQL: every order's events once, in pages from any cursor; an event
// of a transaction still open is held back with everything after it, never skipped; each event
// has its timeline id; the read is served by indexes.
#include "order-service/src/event_feed_store.h"

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "common/testing/query_plan.h"
#include "order-service/src/timeline_ids.h"
#include "order-service/tests/order_db_fixture.h"

namespace oms::order {
namespace {

constexpr char kStatusInsert[] =
    "INSERT INTO order_status_history (order_id, status, reason) VALUES ($1::uuid, $2, '')";
constexpr char kJournalInsert[] =
    "INSERT INTO saga_journal (saga_id, step, action, request_id, outcome, detail, epoch) "
    "VALUES ($1::uuid, $2, 'FORWARD', $3, 'OK', '', 1)";

class EventFeedStoreTest : public OrderDbTest {
 protected:
  EventFeedStoreTest() : OrderDbTest("order_event_feed") {}

  void SetUp() override {
    OrderDbTest::SetUp();
    feed_ = std::make_unique<PgEventFeed>(*pool_);
  }

  // The events after `cursor`, `page` at a time, until a page comes back empty with at least
  // `want` read (a transaction of another test on the cluster may hold the feed back a moment);
  // `cursor` ends at the last next_cursor.
  std::vector<v1::FeedEvent> ReadAll(std::string* cursor, int page, std::size_t want = 0) {
    std::vector<v1::FeedEvent> read;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto after = ParseFeedCursor(*cursor);
      EXPECT_TRUE(after.ok()) << after.status();
      if (!after.ok()) break;
      v1::ListEventsResponse response;
      absl::Status status = feed_->ReadFeed(*after, page, &response);
      EXPECT_TRUE(status.ok()) << status;
      if (!status.ok()) break;
      EXPECT_LE(response.events_size(), page);
      for (const auto& event : response.events()) read.push_back(event);
      *cursor = response.next_cursor();
      if (response.events().empty()) {
        if (read.size() >= want) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return read;
  }

  void Exec(const char* sql, const std::string& a, const std::string& b,
            const std::string& c = "") {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    if (c.empty()) {
      tx.exec_params(sql, a, b);
    } else {
      tx.exec_params(sql, a, b, c);
    }
    tx.commit();
  }

  std::unique_ptr<PgEventFeed> feed_;
};

TEST_F(EventFeedStoreTest, EveryOrdersEventsComeOnceInTheOrderTheyCommitted) {
  const std::string customer = Customer("feed@example.com").id();
  const InsertedOrder first = Insert(Request(customer, "key-feed-1"));
  const InsertedOrder second = Insert(Request(customer, "key-feed-2"));
  Exec(kJournalInsert, first.saga_id, "reserve", "r1");
  Exec(kStatusInsert, second.order_id, "REJECTED");
  Exec(kJournalInsert, first.saga_id, "authorize", "r2");
  Exec(kStatusInsert, first.order_id, "CONFIRMED");

  std::string cursor;
  const std::vector<v1::FeedEvent> events = ReadAll(&cursor, 2, 6);
  std::vector<std::pair<std::string, std::string>> seen;
  std::set<std::string> cursors;
  for (const auto& event : events) {
    seen.emplace_back(event.order_id(), event.event().kind());
    EXPECT_TRUE(cursors.insert(event.cursor()).second) << event.cursor();
  }
  const std::vector<std::pair<std::string, std::string>> expected = {
      {first.order_id, "STATUS_PENDING"},       {second.order_id, "STATUS_PENDING"},
      {first.order_id, "reserve FORWARD OK"},   {second.order_id, "STATUS_REJECTED"},
      {first.order_id, "authorize FORWARD OK"}, {first.order_id, "STATUS_CONFIRMED"}};
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(cursor, events.back().cursor());

  // From any event's cursor, exactly the events after it.
  std::string from_third = events[2].cursor();
  const std::vector<v1::FeedEvent> rest = ReadAll(&from_third, 500, 3);
  ASSERT_EQ(rest.size(), events.size() - 3);
  EXPECT_EQ(rest.front().cursor(), events[3].cursor());

  // Nothing new: the same cursor again.
  const std::string at_end = cursor;
  EXPECT_TRUE(ReadAll(&cursor, 10).empty());
  EXPECT_EQ(cursor, at_end);

  // Each event as the order's timeline shows it, with the same id.
  v1::OrderTimeline timeline;
  SourcePositions positions;
  ASSERT_TRUE(orders_->OrderEvents(first.order_id, &timeline, &positions).ok());
  AssignIds(&timeline);
  std::map<std::string, v1::TimelineEvent> by_id;
  for (const auto& event : timeline.events()) by_id[event.id()] = event;
  int of_first = 0;
  for (const auto& fed : events) {
    if (fed.order_id() != first.order_id) continue;
    ++of_first;
    ASSERT_EQ(by_id.count(fed.event().id()), 1u) << fed.event().ShortDebugString();
    const v1::TimelineEvent& shown = by_id[fed.event().id()];
    EXPECT_EQ(shown.kind(), fed.event().kind());
    EXPECT_EQ(shown.subject(), fed.event().subject());
    EXPECT_EQ(shown.time().seconds(), fed.event().time().seconds());
  }
  EXPECT_EQ(of_first, timeline.events_size());
}

// A transaction that recorded an event and is still open holds the feed back: an event committed
// after it began is not answered either, so that a reader's cursor never passes it. Once it
// commits, the reader gets both from where it stood.
TEST_F(EventFeedStoreTest, AnEventCommittedLateIsNeverSkipped) {
  const std::string customer = Customer("late@example.com").id();
  const InsertedOrder slow = Insert(Request(customer, "key-slow"));
  const InsertedOrder quick = Insert(Request(customer, "key-quick"));
  std::string cursor;
  ASSERT_EQ(ReadAll(&cursor, 10, 2).size(), 2u);

  pqxx::connection held_connection(db_.url());
  pqxx::work held(held_connection);
  held.exec_params(kStatusInsert, slow.order_id, "CONFIRMED");  // takes its transaction id now
  Exec(kStatusInsert, quick.order_id, "CONFIRMED");             // commits with a later one

  const std::string before = cursor;
  EXPECT_TRUE(ReadAll(&cursor, 10).empty());
  EXPECT_EQ(cursor, before);

  held.commit();
  const std::vector<v1::FeedEvent> after = ReadAll(&cursor, 10, 2);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].order_id(), slow.order_id);
  EXPECT_EQ(after[1].order_id(), quick.order_id);
  EXPECT_EQ(after[1].event().kind(), "STATUS_CONFIRMED");
}

TEST_F(EventFeedStoreTest, TheFeedIsReadThroughIndexes) {
  testing::ExpectServedByIndexes(
      *pool_, PgEventFeed::Statements(),
      {{"order_feed_read", "0, 0, 0, 50, 0"},
       {"order_feed_read", "812, 9223372036854775807, 40, 50, 9223372036854775807"},
       {"order_feed_read", "812, 0, 0, 50, 7"}});
}

}  // namespace
}  // namespace oms::order
