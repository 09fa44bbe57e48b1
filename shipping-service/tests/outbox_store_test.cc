// The outbox on a real PostgreSQL: paging from a cursor, and dense sequences in commit order,
// whatever concurrent writers do.
#include <atomic>
#include <future>
#include <thread>

#include "absl/strings/escaping.h"
#include "shipping-service/tests/shipping_store_fixture.h"

namespace oms::shipping {
namespace {

TEST_F(ShippingStoreTest, ListEventsPagesFromTheCursor) {
  Create("ord-1");
  Create("ord-2");
  v1::ListEventsResponse page;
  ASSERT_TRUE(store_->ListEvents(0, 3, &page).ok());
  ASSERT_EQ(page.events_size(), 3);
  EXPECT_EQ(page.last_sequence(), 3);
  ASSERT_TRUE(store_->ListEvents(page.last_sequence(), 3, &page).ok());
  ASSERT_EQ(page.events_size(), 1);
  EXPECT_EQ(page.events(0).sequence(), 4);
  EXPECT_EQ(page.events(0).order_id(), "ord-2");
  ASSERT_TRUE(store_->ListEvents(4, 3, &page).ok());
  EXPECT_EQ(page.events_size(), 0);
  EXPECT_EQ(page.last_sequence(), 4);
}

// The design point: a writer that took sequence N and has not committed holds back every later
// writer, so a reader never sees N+1 before N and never skips N.
TEST_F(ShippingStoreTest, OutboxSequencesFollowCommitOrderWhenAWriterIsHeldOpen) {
  const std::string id = Create("ord-1")[0].id();  // sequences 1 and 2
  pqxx::connection held_connection(db_.url());
  pqxx::work held(held_connection);
  // What WriteOutbox does (the counter, then the event), left uncommitted.
  const long long held_sequence =
      held.exec1("UPDATE outbox_counter SET last = last + 1 WHERE id = 1 RETURNING last")[0]
          .as<long long>();
  ASSERT_EQ(held_sequence, 3);
  v1::OutboxEvent held_event;
  held_event.set_sequence(held_sequence);
  held_event.set_type(v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED);
  held_event.set_shipment_id(id);
  std::string payload;
  held_event.SerializeToString(&payload);
  held.exec(
      "INSERT INTO outbox_events (sequence, type, shipment_id, order_id, payload) VALUES "
      "(3, 'SHIPMENT_PICKED', " +
      held.quote(id) + ", 'ord-1', decode(" + held.quote(absl::BytesToHexString(payload)) +
      ", 'hex'))");

  auto writer = std::async(std::launch::async,
                           [&] { return Event(id, v1::SHIPMENT_EVENT_TYPE_PACKED, 2).status(); });
  // Wait (with a deadline) until the store's writer is blocked on the counter row.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool blocked = false;
  while (!blocked && std::chrono::steady_clock::now() < deadline) {
    blocked = Query(
                  "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND wait_event_type = 'Lock'") > 0;
    if (!blocked) std::this_thread::yield();
  }
  ASSERT_TRUE(blocked) << "the second writer never waited for the counter";
  EXPECT_EQ(writer.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  EXPECT_TRUE(Outbox(2).empty());  // neither is visible: nothing to skip past

  held.commit();
  ASSERT_TRUE(writer.get().ok());
  auto outbox = Outbox(2);
  ASSERT_EQ(outbox.size(), 2u);
  EXPECT_EQ(outbox[0].sequence(), 3);
  EXPECT_EQ(outbox[0].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED);
  EXPECT_EQ(outbox[1].sequence(), 4);
  EXPECT_EQ(outbox[1].type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_PACKED);
}

// Many concurrent writers and a reader that follows its cursor: every read is a contiguous
// continuation, and at the end the reader has seen every event exactly once.
TEST_F(ShippingStoreTest, AConcurrentReaderNeverSkipsASequence) {
  constexpr int kOrders = 12;
  std::atomic<bool> writing{true};
  std::vector<std::future<void>> writers;
  for (int w = 0; w < 3; ++w) {
    writers.push_back(std::async(std::launch::async, [this, w] {
      for (int o = w; o < kOrders; o += 3) {
        auto shipments = Create("ord-" + std::to_string(o));
        for (const auto& shipment : shipments) {
          EXPECT_TRUE(Event(shipment.id(), v1::SHIPMENT_EVENT_TYPE_PICKED, 1).ok());
          EXPECT_TRUE(Event(shipment.id(), v1::SHIPMENT_EVENT_TYPE_SHIPPED, 2).ok());
        }
      }
    }));
  }
  auto done = std::async(std::launch::async, [&] {
    for (auto& writer : writers) writer.get();
    writing = false;
  });
  std::int64_t cursor = 0;
  std::int64_t seen = 0;
  for (bool last_round = false;;) {
    const bool finished = !writing;  // read once more after the writers are done
    v1::ListEventsResponse page;
    ASSERT_TRUE(store_->ListEvents(cursor, 7, &page).ok());
    for (const auto& event : page.events()) {
      ASSERT_EQ(event.sequence(), cursor + 1) << "skipped or repeated a sequence";
      cursor = event.sequence();
      ++seen;
    }
    if (last_round && page.events_size() == 0) break;
    last_round = finished;
  }
  done.get();
  EXPECT_EQ(seen, kOrders * 2 * 3);  // per order: 2 created, 2 picked, 2 shipped
  EXPECT_EQ(seen, Query("SELECT count(*) FROM outbox_events"));
}

}  // namespace
}  // namespace oms::shipping
