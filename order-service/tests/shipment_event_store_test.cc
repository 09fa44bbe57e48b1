// PgShipmentEventStore with PgSagaStore on a real PostgreSQL: shipping's events recorded per
// shipment whatever the order's status, and the order's fulfilment status derived from them by
// every writer, the order saga's final save included.
#include "order-service/src/shipment_event_store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "common/status.h"
#include "common/testing/query_plan.h"
#include "google/protobuf/util/time_util.h"
#include "order-service/src/backorder_fill_store.h"
#include "order-service/src/cancel_store.h"
#include "order-service/src/event_feed_store.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/parcel_decisions.h"
#include "order-service/src/pg_saga_store.h"
#include "order-service/src/pg_saga_writes.h"
#include "order-service/src/sagas/registry.h"
#include "order-service/src/timeline_ids.h"
#include "order-service/tests/lock_waits.h"
#include "order-service/tests/order_db_fixture.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;
using shipping::v1::OutboxEvent;

class ShipmentEventStoreTest : public OrderDbTest {
 protected:
  ShipmentEventStoreTest() : OrderDbTest("shipment_events") {}

  void SetUp() override {
    OrderDbTest::SetUp();
    if (pool_ == nullptr) return;
    events_ = std::make_unique<PgShipmentEventStore>(*pool_);
    sagas_ = std::make_unique<PgSagaStore>(*pool_);
  }

  // The next event of shipping's stream about outbound shipment `shipment_id` of `order_id`.
  OutboxEvent Event(const std::string& order_id, const std::string& shipment_id,
                    shipping::v1::OutboxEventType type, shipping::v1::ShipmentStatus status) {
    OutboxEvent event;
    event.set_sequence(++sequence_);
    event.set_type(type);
    event.set_shipment_id(shipment_id);
    event.set_order_id(order_id);
    event.set_kind(shipping::v1::SHIPMENT_KIND_OUTBOUND);
    event.set_warehouse_id("wh-" + shipment_id);
    event.set_status(status);
    return event;
  }

  std::string Shipped(const std::string& order_id, const std::string& shipment_id) {
    auto saga_id = events_->Apply(Event(order_id, shipment_id,
                                        shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED,
                                        shipping::v1::SHIPMENT_STATUS_SHIPPED));
    EXPECT_TRUE(saga_id.ok()) << saga_id.status();
    return saga_id.ok() ? *saga_id : "";
  }

  void Delivered(const std::string& order_id, const std::string& shipment_id) {
    auto saga_id = events_->Apply(Event(order_id, shipment_id,
                                        shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERED,
                                        shipping::v1::SHIPMENT_STATUS_DELIVERED));
    ASSERT_TRUE(saga_id.ok()) << saga_id.status();
    EXPECT_EQ(*saga_id, "");
  }

  // Claims the saga `saga_id` and saves `next` with `result`, as the coordinator does; a saga
  // still running keeps its lease unless `retry_after` gives it up for that long.
  void Save(const std::string& saga_id, const SagaState& next, const StepResult& result,
            std::chrono::milliseconds retry_after = std::chrono::milliseconds(0)) {
    auto claimed = sagas_->Claim("replica-a", std::chrono::seconds(30), 1, saga_id);
    ASSERT_TRUE(claimed.ok()) << claimed.status();
    ASSERT_EQ(claimed->size(), 1u) << saga_id;
    const ClaimedSaga& saga = (*claimed)[0];
    const SagaKindDef* kind = FindSagaKind(saga.kind);
    ASSERT_NE(kind, nullptr) << saga.kind;
    const JournalEntry entry{"step", "FORWARD", saga_id + ":step", "OK", ""};
    ClaimedSaga saved;
    ASSERT_TRUE(SaveStepOf(*sagas_, *kind, saga, next, entry, result, retry_after,
                           std::chrono::seconds(30), &saved)
                    .ok());
  }

  // The order saga's ship step succeeds (its last): shipping created `shipment_ids`, with
  // `status` (PENDING unless said otherwise).
  void ShipStepSaved(const InsertedOrder& order, std::initializer_list<const char*> shipment_ids,
                     const char* status = "SHIPMENT_STATUS_PENDING") {
    ShipmentsCreated created;
    for (const char* id : shipment_ids) {
      v1::ShipmentSummary shipment;
      shipment.set_shipment_id(id);
      shipment.set_warehouse_id(std::string("wh-") + id);
      shipment.set_status(status);
      created.shipments.push_back(shipment);
    }
    StepResult result;
    result.output = created;
    Save(order.saga_id, SagaState{SagaPhase::kCompleted, 4, 0, "", SagaPhase::kRunning}, result);
  }

  // The order saga's reserve step succeeds with 2 BACKPACK-20L held at wh-s-1 and 3 queued for
  // stock; the saga is given up for a moment, so that a later step can claim it again.
  void ReservedWithThreeQueued(const InsertedOrder& order) {
    Reserved reserved;
    auto* group = reserved.allocation.add_groups();
    group->set_warehouse_id("wh-s-1");
    auto* held = group->add_lines();
    held->set_sku("BACKPACK-20L");
    held->set_quantity(2);
    auto* queued = reserved.allocation.add_backordered();
    queued->set_sku("BACKPACK-20L");
    queued->set_quantity(3);
    StepResult result;
    result.output = reserved;
    Save(order.saga_id, SagaState{SagaPhase::kRunning, 1, 0, "", SagaPhase::kRunning}, result,
         std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // Inventory's fill number `sequence` of `quantity` queued BACKPACK-20L of `order`, at wh-b.
  static inventory::v1::BackorderFill FillOf(const InsertedOrder& order, int64_t sequence,
                                             int64_t quantity) {
    inventory::v1::BackorderFill made;
    made.set_sequence(sequence);
    made.set_order_id(order.order_id);
    made.set_warehouse_id("wh-b");
    auto* line = made.add_lines();
    line->set_sku("BACKPACK-20L");
    line->set_quantity(quantity);
    return made;
  }

  // The order's SHIPMENT sagas by shipment, with their phases.
  std::map<std::string, std::string> ShipmentSagas(const std::string& order_id,
                                                   std::map<std::string, std::string>* ids) {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    std::map<std::string, std::string> phases;
    for (const auto& row : tx.exec_params("SELECT id::text AS id, subject, phase FROM sagas "
                                          "WHERE order_id = $1::uuid AND kind = 'SHIPMENT'",
                                          order_id)) {
      phases[row["subject"].as<std::string>()] = row["phase"].as<std::string>();
      if (ids != nullptr) (*ids)[row["subject"].as<std::string>()] = row["id"].as<std::string>();
    }
    tx.commit();
    return phases;
  }

  // Everything of the order an event can write, as stored: its row (status, shipments,
  // updated_at), its status history and its shipment rows (status, shipped event, updated_at).
  std::string Stored(const std::string& order_id) {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    const pqxx::row row = tx.exec_params1(
        "SELECT concat_ws(' | ', o.status, encode(o.shipments, 'hex'), o.updated_at, "
        "  (SELECT string_agg(h.status, ',' ORDER BY h.id) FROM order_status_history h "
        "   WHERE h.order_id = o.id), "
        "  (SELECT string_agg(concat_ws(' ', s.shipment_id, s.status, "
        "     s.shipped_event IS NOT NULL, s.updated_at), ',' ORDER BY s.shipment_id) "
        "   FROM order_shipments s WHERE s.order_id = o.id)) AS stored "
        "FROM orders o WHERE o.id = $1::uuid",
        order_id);
    tx.commit();
    return row["stored"].as<std::string>();
  }

  // Another replica's feed takes events in up to `sequence` (here by hand: the cursor only).
  void CursorMovedTo(int64_t sequence) {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec_params("UPDATE event_cursors SET last_sequence = $1 WHERE stream = 'shipping'",
                   sequence);
    tx.commit();
  }

  int64_t Cursor() {
    auto cursor = events_->Cursor();
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    return cursor.ok() ? *cursor : -1;
  }

  v1::Order Read(const std::string& order_id) {
    v1::Order order;
    EXPECT_TRUE(orders_->GetOrder(order_id, &order).ok());
    return order;
  }

  int64_t sequence_ = 0;
  std::unique_ptr<PgShipmentEventStore> events_;
  std::unique_ptr<PgSagaStore> sagas_;
};

// The coordinator stopped between shipping's answer to the ship step and its save: the goods
// ship and are delivered while the order is still PENDING. Nothing of it may be lost: the order
// saga's save finds the shipments as the events left them, the order follows them (not
// CONFIRMED), each shipped shipment gets its saga (stock commit, capture), and the order
// completes once they are done.
TEST_F(ShipmentEventStoreTest, ShipmentsShippedWhileTheOrderIsPendingAreNotLost) {
  const InsertedOrder order = Insert(Request(Customer("pending@example.com").id(), "key-1"));
  // A shipment's saga may commit and capture only once the order saga can no longer compensate
  // (release the hold, void the authorization): not while the order is PENDING.
  EXPECT_EQ(Shipped(order.order_id, "s-1"), "");
  Delivered(order.order_id, "s-1");
  EXPECT_EQ(Shipped(order.order_id, "s-2"), "");
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_PENDING);
  EXPECT_TRUE(ShipmentSagas(order.order_id, nullptr).empty());

  ShipStepSaved(order, {"s-1", "s-2"});
  v1::Order read = Read(order.order_id);
  EXPECT_EQ(read.status(), v1::ORDER_STATUS_PARTIALLY_DELIVERED);
  ASSERT_EQ(read.shipments_size(), 2);
  EXPECT_EQ(read.shipments(0).shipment_id(), "s-1");
  EXPECT_EQ(read.shipments(0).status(), "SHIPMENT_STATUS_DELIVERED");
  EXPECT_EQ(read.shipments(1).shipment_id(), "s-2");
  EXPECT_EQ(read.shipments(1).status(), "SHIPMENT_STATUS_SHIPPED");
  std::map<std::string, std::string> saga_ids;
  EXPECT_EQ(ShipmentSagas(order.order_id, &saga_ids),
            (std::map<std::string, std::string>{{"s-1", "RUNNING"}, {"s-2", "RUNNING"}}));

  // The saga's payload is the SHIPMENT_SHIPPED event, as if it had started at the event.
  auto claimed = sagas_->Claim("replica-b", std::chrono::seconds(30), 1, saga_ids["s-2"]);
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1u);
  OutboxEvent payload;
  ASSERT_TRUE(payload.ParseFromString((*claimed)[0].payload));
  EXPECT_EQ(payload.type(), shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED);
  EXPECT_EQ(payload.shipment_id(), "s-2");
  ASSERT_TRUE(sagas_->ReleaseLease((*claimed)[0]).ok());

  Delivered(order.order_id, "s-2");
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_DELIVERED);  // sagas still open
  const SagaState done{SagaPhase::kCompleted, 2, 0, "", SagaPhase::kRunning};
  Save(saga_ids["s-1"], done, StepResult{});
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_DELIVERED);
  Save(saga_ids["s-2"], done, StepResult{});
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_COMPLETED);
}

// Every shipment delivered before the order saga's save: it writes DELIVERED, and the order
// completes with the last shipment saga.
TEST_F(ShipmentEventStoreTest, AnOrderDeliveredWhilePendingIsDeliveredWhenConfirmed) {
  const InsertedOrder order = Insert(Request(Customer("early@example.com").id(), "key-1"));
  Shipped(order.order_id, "s-1");
  Delivered(order.order_id, "s-1");

  ShipStepSaved(order, {"s-1"});
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_DELIVERED);
  std::map<std::string, std::string> saga_ids;
  ASSERT_EQ(ShipmentSagas(order.order_id, &saga_ids).size(), 1u);
  Save(saga_ids["s-1"], SagaState{SagaPhase::kCompleted, 2, 0, "", SagaPhase::kRunning},
       StepResult{});
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_COMPLETED);
}

// The order saga's last save and a SHIPPED event racing: the event (here by hand, as Apply does
// it: the order's row locked, then the shipment's row written) holds the order while the save
// runs; the save must wait for it and see the shipment shipped, not confirm the order past it.
TEST_F(ShipmentEventStoreTest, TheConfirmationWaitsForAnEventBeingTakenIn) {
  const InsertedOrder order = Insert(Request(Customer("race@example.com").id(), "key-1"));
  OutboxEvent event = Event(order.order_id, "s-1", shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED,
                            shipping::v1::SHIPMENT_STATUS_SHIPPED);
  pqxx::connection event_connection(db_.url());
  pqxx::work taking_in(event_connection);
  taking_in.exec_params("SELECT 1 FROM orders WHERE id = $1::uuid FOR UPDATE", order.order_id);
  taking_in.exec_params(
      "INSERT INTO order_shipments (shipment_id, order_id, warehouse_id, status, shipped_event) "
      "VALUES ('s-1', $1::uuid, 'wh-s-1', 'SHIPMENT_STATUS_SHIPPED', decode($2, 'hex'))",
      order.order_id, Hex(event));

  std::atomic<bool> saved{false};
  std::thread confirm([&] {
    ShipStepSaved(order, {"s-1", "s-2"});
    saved = true;
  });
  // The save waits for the event's lock on the order (or, were it not to, finishes).
  AwaitALockWait(db_.url(), saved);
  taking_in.commit();
  confirm.join();
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_PARTIALLY_SHIPPED);
  EXPECT_EQ(ShipmentSagas(order.order_id, nullptr),
            (std::map<std::string, std::string>{{"s-1", "RUNNING"}}));
}

// After confirmation a shipped shipment's saga starts at its event, once however often the
// event comes; the ship step's PENDING never hides what the events said.
TEST_F(ShipmentEventStoreTest, AConfirmedOrderStartsAShipmentSagaAtItsShippedEvent) {
  const InsertedOrder order = Insert(Request(Customer("confirmed@example.com").id(), "key-1"));
  ASSERT_TRUE(
      events_
          ->Apply(Event(order.order_id, "s-1", shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED,
                        shipping::v1::SHIPMENT_STATUS_PENDING))
          .ok());
  ShipStepSaved(order, {"s-1", "s-2"});
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_CONFIRMED);

  const std::string saga_id = Shipped(order.order_id, "s-2");
  EXPECT_FALSE(saga_id.empty());
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_PARTIALLY_SHIPPED);
  EXPECT_EQ(Shipped(order.order_id, "s-2"), "");  // the same shipment again: no second saga
  EXPECT_EQ(ShipmentSagas(order.order_id, nullptr),
            (std::map<std::string, std::string>{{"s-2", "RUNNING"}}));
  v1::Order read = Read(order.order_id);
  ASSERT_EQ(read.shipments_size(), 2);
  EXPECT_EQ(read.shipments(0).status(), "SHIPMENT_STATUS_PENDING");
  EXPECT_EQ(read.shipments(1).status(), "SHIPMENT_STATUS_SHIPPED");
}

// The payloads of the kOrderChangedChannel notifications a connection received.
class OrderChanges final : public pqxx::notification_receiver {
 public:
  explicit OrderChanges(pqxx::connection& connection)
      : pqxx::notification_receiver(connection, kOrderChangedChannel) {}
  void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  std::vector<std::string> payloads;
};

// The ship step's save recorded the shipment PENDING; shipping's SHIPMENT_CREATED event says the
// same, and a late scan of an earlier step (PICKED after SHIPPED) says SHIPPED again: each moves
// the cursor and wakes the order's watchers, and changes nothing else (no new updated_at, no
// history row, no second saga).
TEST_F(ShipmentEventStoreTest, AnEventThatTellsNothingNewOnlyMovesTheCursor) {
  const InsertedOrder order = Insert(Request(Customer("same@example.com").id(), "key-1"));
  ShipStepSaved(order, {"s-1"});
  ASSERT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_CONFIRMED);
  const std::string confirmed = Stored(order.order_id);
  pqxx::connection listening(db_.url());
  OrderChanges changes(listening);

  auto saga_id =
      events_->Apply(Event(order.order_id, "s-1", shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED,
                           shipping::v1::SHIPMENT_STATUS_PENDING));
  ASSERT_TRUE(saga_id.ok()) << saga_id.status();
  EXPECT_EQ(*saga_id, "");
  EXPECT_EQ(Cursor(), sequence_);
  EXPECT_EQ(Stored(order.order_id), confirmed);
  listening.await_notification(5, 0);
  EXPECT_EQ(changes.payloads, std::vector<std::string>{order.order_id});

  EXPECT_FALSE(Shipped(order.order_id, "s-1").empty());
  const std::string shipped = Stored(order.order_id);
  EXPECT_NE(shipped, confirmed);
  saga_id =
      events_->Apply(Event(order.order_id, "s-1", shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED,
                           shipping::v1::SHIPMENT_STATUS_SHIPPED));
  ASSERT_TRUE(saga_id.ok()) << saga_id.status();
  EXPECT_EQ(*saga_id, "");
  EXPECT_EQ(Shipped(order.order_id, "s-1"), "");  // shipping's SHIPPED again
  EXPECT_EQ(Cursor(), sequence_);
  EXPECT_EQ(Stored(order.order_id), shipped);
  EXPECT_EQ(ShipmentSagas(order.order_id, nullptr),
            (std::map<std::string, std::string>{{"s-1", "RUNNING"}}));
}

// The same status with a shipped event not recorded yet is news: the ship step's save listed the
// shipment SHIPPED already, but only the SHIPMENT_SHIPPED event is the payload of its saga.
TEST_F(ShipmentEventStoreTest, AShippedEventIsNewsForARowWithoutOne) {
  const InsertedOrder order = Insert(Request(Customer("listed@example.com").id(), "key-1"));
  ShipStepSaved(order, {"s-1"}, "SHIPMENT_STATUS_SHIPPED");
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_SHIPPED);
  EXPECT_TRUE(ShipmentSagas(order.order_id, nullptr).empty());

  EXPECT_FALSE(Shipped(order.order_id, "s-1").empty());
  EXPECT_EQ(ShipmentSagas(order.order_id, nullptr),
            (std::map<std::string, std::string>{{"s-1", "RUNNING"}}));
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_SHIPPED);
}

// Events at or below the cursor were taken in by another replica (or this one): nothing of them
// is written again, whatever they say.
TEST_F(ShipmentEventStoreTest, AnEventTakenInByAnotherReplicaChangesNothing) {
  const InsertedOrder order = Insert(Request(Customer("other@example.com").id(), "key-1"));
  ShipStepSaved(order, {"s-1"});
  const std::string confirmed = Stored(order.order_id);
  const OutboxEvent shipped =
      Event(order.order_id, "s-1", shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED,
            shipping::v1::SHIPMENT_STATUS_SHIPPED);
  const OutboxEvent delivered =
      Event(order.order_id, "s-1", shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERED,
            shipping::v1::SHIPMENT_STATUS_DELIVERED);
  CursorMovedTo(delivered.sequence());

  for (const OutboxEvent& event : {shipped, delivered}) {
    auto saga_id = events_->Apply(event);
    ASSERT_TRUE(saga_id.ok()) << saga_id.status();
    EXPECT_EQ(*saga_id, "");
  }
  EXPECT_EQ(Cursor(), delivered.sequence());
  EXPECT_EQ(Stored(order.order_id), confirmed);
  EXPECT_TRUE(ShipmentSagas(order.order_id, nullptr).empty());
}

// An event whose order id is no UUID, or no order of ours, is taken in: the cursor moves.
TEST_F(ShipmentEventStoreTest, AnEventOfNoOrderOfOursMovesTheCursor) {
  for (const char* order_id : {"not-an-order", "00000000-0000-0000-0000-00000000000A"}) {
    auto saga_id =
        events_->Apply(Event(order_id, "s-1", shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED,
                             shipping::v1::SHIPMENT_STATUS_SHIPPED));
    ASSERT_TRUE(saga_id.ok()) << saga_id.status();
    EXPECT_EQ(*saga_id, "");
    EXPECT_EQ(Cursor(), sequence_);
  }
}

// Two replicas: one takes in a DELIVERY_FAILED event (here by hand, as Apply does it) while the
// other, ahead of it, takes in the next event, OUT_FOR_DELIVERY again. The second waits for the
// cursor's lock; what it then reads of the shipment's row must be what the first wrote, not the
// OUT_FOR_DELIVERY from before, or it would take its event for nothing new and leave the
// shipment DELIVERY_FAILED.
TEST_F(ShipmentEventStoreTest, AnEventTakenInRightAfterAnotherSeesWhatThatOneWrote) {
  const InsertedOrder order = Insert(Request(Customer("retry@example.com").id(), "key-1"));
  ShipStepSaved(order, {"s-1"});
  EXPECT_FALSE(Shipped(order.order_id, "s-1").empty());
  ASSERT_TRUE(events_
                  ->Apply(Event(order.order_id, "s-1",
                                shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_OUT_FOR_DELIVERY,
                                shipping::v1::SHIPMENT_STATUS_OUT_FOR_DELIVERY))
                  .ok());

  const int64_t failed_sequence = ++sequence_;
  pqxx::connection other_connection(db_.url());
  pqxx::work other(other_connection);
  other.exec_params("UPDATE event_cursors SET last_sequence = $1 WHERE stream = 'shipping'",
                    failed_sequence);
  other.exec_params("SELECT 1 FROM orders WHERE id = $1::uuid FOR UPDATE", order.order_id);
  other.exec(
      "UPDATE order_shipments SET status = 'SHIPMENT_STATUS_DELIVERY_FAILED' "
      "WHERE shipment_id = 's-1'");

  std::atomic<bool> applied{false};
  absl::StatusOr<std::string> saga_id;
  std::thread next([&] {
    saga_id = events_->Apply(Event(order.order_id, "s-1",
                                   shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_OUT_FOR_DELIVERY,
                                   shipping::v1::SHIPMENT_STATUS_OUT_FOR_DELIVERY));
    applied = true;
  });
  // It waits for the other replica's lock on the cursor (or, were it not to, finishes).
  AwaitALockWait(db_.url(), applied);
  other.commit();
  next.join();
  ASSERT_TRUE(saga_id.ok()) << saga_id.status();
  EXPECT_EQ(Cursor(), failed_sequence + 1);
  v1::Order read = Read(order.order_id);
  ASSERT_EQ(read.shipments_size(), 1);
  EXPECT_EQ(read.shipments(0).status(), "SHIPMENT_STATUS_OUT_FOR_DELIVERY");
  pqxx::connection connection(db_.url());
  pqxx::work tx(connection);
  EXPECT_EQ(
      tx.exec1("SELECT status FROM order_shipments WHERE shipment_id = 's-1'")[0].as<std::string>(),
      "SHIPMENT_STATUS_OUT_FOR_DELIVERY");
}

// The last shipment's DELIVERED event completes a confirmed order whose shipment sagas are all
// done; a DELIVERED event again changes nothing.
// The events of order `order_id` in the feed of all orders, up to one of kind `last_kind` (a
// transaction of another test on the cluster may hold the feed back a moment).
std::vector<v1::FeedEvent> FeedOf(PgPool& pool, const std::string& order_id,
                                  const std::string& last_kind) {
  PgEventFeed feed(pool);
  std::vector<v1::FeedEvent> of_order;
  FeedPosition after;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    v1::ListEventsResponse page;
    const absl::Status status = feed.ReadFeed(after, 500, &page);
    EXPECT_TRUE(status.ok()) << status;
    if (!status.ok()) break;
    for (const auto& fed : page.events()) {
      if (fed.order_id() != order_id) continue;
      of_order.push_back(fed);
      if (fed.event().kind() == last_kind) return of_order;
    }
    after = *ParseFeedCursor(page.next_cursor());
    if (page.events().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "no event " << last_kind << " of order " << order_id << " in the feed";
  return of_order;
}

// Each journal entry of shipping's stream taken into an order of ours is in the feed of all
// orders, as the order's timeline shows it (same id), before the status change it caused; events
// of return shipments too, and nothing for an event no journal entry caused.
TEST_F(ShipmentEventStoreTest, TheJournalEntriesTakenInAreInTheFeedBeforeTheirStatusChange) {
  const InsertedOrder order = Insert(Request(Customer("feed@example.com").id(), "key-1"));
  ShipStepSaved(order, {"s-1"});
  OutboxEvent shipped =
      Event(order.order_id, "s-1", shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED,
            shipping::v1::SHIPMENT_STATUS_SHIPPED);
  shipping::v1::JournalEntry* entry = shipped.mutable_cause();
  entry->set_type(shipping::v1::SHIPMENT_EVENT_TYPE_SHIPPED);
  *entry->mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(1'780'000'000'123'456);
  *entry->mutable_recorded_at() = TimeUtil::MicrosecondsToTimestamp(1'780'000'060'654'321);
  entry->set_location("Berlin hub");
  entry->set_note("handed over");
  ASSERT_TRUE(events_->Apply(shipped).ok());
  OutboxEvent returned =
      Event(order.order_id, "r-1", shipping::v1::OUTBOX_EVENT_TYPE_RETURN_RECEIVED,
            shipping::v1::SHIPMENT_STATUS_DELIVERED);
  returned.set_kind(shipping::v1::SHIPMENT_KIND_RETURN);
  returned.mutable_cause()->set_type(shipping::v1::SHIPMENT_EVENT_TYPE_RECEIVED);
  *returned.mutable_cause()->mutable_occurred_at() =
      TimeUtil::MicrosecondsToTimestamp(1'780'000'100'000'000);
  *returned.mutable_cause()->mutable_recorded_at() = returned.cause().occurred_at();
  ASSERT_TRUE(events_->Apply(returned).ok());
  ASSERT_TRUE(
      events_
          ->Apply(Event(order.order_id, "s-1", shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_CANCELLED,
                        shipping::v1::SHIPMENT_STATUS_CANCELLED))
          .ok());

  const std::vector<v1::FeedEvent> fed = FeedOf(*pool_, order.order_id, "RECEIVED");
  std::vector<std::string> seen;  // for the messages
  std::vector<std::string> shipping_events;
  for (const auto& event : fed) {
    seen.push_back(event.event().source() + " " + event.event().kind());
    if (event.event().source() == "shipping") {
      shipping_events.push_back(event.event().kind() + " " + event.event().subject());
    }
  }
  EXPECT_EQ(shipping_events, (std::vector<std::string>{"SHIPPED s-1", "RECEIVED r-1"}))
      << ::testing::PrintToString(seen);

  v1::TimelineEvent shown;  // the timeline's event (timeline.cc) with its id
  shown.set_source("shipping");
  shown.set_kind("SHIPPED");
  shown.set_detail("Berlin hub: handed over");
  shown.set_subject("s-1");
  *shown.mutable_time() = entry->occurred_at();
  *shown.mutable_recorded_time() = entry->recorded_at();
  const auto at = std::find_if(fed.begin(), fed.end(), [](const v1::FeedEvent& e) {
    return e.event().source() == "shipping" && e.event().kind() == "SHIPPED";
  });
  ASSERT_NE(at, fed.end()) << ::testing::PrintToString(seen);
  EXPECT_EQ(at->event().id(), TimelineEventId(shown));
  EXPECT_EQ(at->event().detail(), "Berlin hub: handed over");
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(at->event().time()), 1'780'000'000'123'456);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(at->event().recorded_time()), 1'780'000'060'654'321);
  ASSERT_NE(at + 1, fed.end());
  EXPECT_EQ((at + 1)->event().kind(), "STATUS_SHIPPED");
  EXPECT_EQ(fed.back().event().kind(), "RECEIVED");
  EXPECT_EQ(fed.back().event().subject(), "r-1");
}

// A parcel returned to sender flags its order for an operator until one decides; it is reshipped
// once (PgParcelDecisions), and only then; its replacement
// is taken in like any shipment but starts no SHIPMENT saga (its goods were committed and paid
// for with the parcel), and the order follows it to DELIVERED.
TEST_F(ShipmentEventStoreTest, AReplacementShipsWithoutASagaAndTheOrderFollowsIt) {
  const InsertedOrder order = Insert(Request(Customer("reship@example.com").id(), "key-1"));
  ShipStepSaved(order, {"s-1"});
  const std::string first_saga = Shipped(order.order_id, "s-1");
  ASSERT_FALSE(first_saga.empty());
  Save(first_saga, SagaState{SagaPhase::kCompleted, 2, 0, "", SagaPhase::kRunning}, StepResult{});

  PgParcelDecisions reships(*pool_);
  v1::ReshipShipmentRequest reship;
  reship.set_shipment_id("s-1");
  EXPECT_EQ(ReasonOf(reships.StartReship(reship).status()), "SHIPMENT_NOT_RETURNED_TO_SENDER");
  ASSERT_TRUE(events_
                  ->Apply(Event(order.order_id, "s-1",
                                shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_RETURNED_TO_SENDER,
                                shipping::v1::SHIPMENT_STATUS_RETURNED_TO_SENDER))
                  .ok());
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_SHIPPED);
  EXPECT_TRUE(Read(order.order_id).needs_attention());  // the parcel waits for a decision
  auto started = reships.StartReship(reship);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_TRUE(started->created);
  EXPECT_FALSE(Read(order.order_id).needs_attention());
  EXPECT_EQ(started->order_id, order.order_id);
  auto again = reships.StartReship(reship);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->saga_id, started->saga_id);
  reship.set_shipment_id("s-404");
  EXPECT_EQ(reships.StartReship(reship).status().code(), absl::StatusCode::kNotFound);

  for (auto [type, status] : {std::pair{shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED,
                                        shipping::v1::SHIPMENT_STATUS_PENDING},
                              std::pair{shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED,
                                        shipping::v1::SHIPMENT_STATUS_SHIPPED},
                              std::pair{shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERED,
                                        shipping::v1::SHIPMENT_STATUS_DELIVERED}}) {
    OutboxEvent event = Event(order.order_id, "s-2", type, status);
    event.set_replaces_shipment_id("s-1");
    auto saga_id = events_->Apply(event);
    ASSERT_TRUE(saga_id.ok()) << saga_id.status();
    EXPECT_EQ(*saga_id, "") << shipping::v1::OutboxEventType_Name(type);
  }
  std::map<std::string, std::string> ids;
  EXPECT_EQ(ShipmentSagas(order.order_id, &ids).count("s-2"), 0u);
  // Delivered; the RESHIP saga, still open here, keeps it from COMPLETED.
  const v1::Order delivered = Read(order.order_id);
  EXPECT_EQ(delivered.status(), v1::ORDER_STATUS_DELIVERED);
  ASSERT_EQ(delivered.shipments_size(), 2);
  EXPECT_EQ(delivered.shipments(1).replaces_shipment_id(), "s-1");
}

// A short pick taken in before the order is confirmed waits for the confirmation; then one
// RESOURCE saga re-sources it, the order keeps the units short-picked with the shipment, and the
// shipments the saga makes are listed with their lines, also when an event listed one first.
TEST_F(ShipmentEventStoreTest, AShortPickIsReSourcedByOneSagaAndItsShipmentsAreListedWithLines) {
  const InsertedOrder order = Insert(Request(Customer("short@example.com").id(), "key-1"));
  OutboxEvent short_pick =
      Event(order.order_id, "s-1", shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHORT_PICKED,
            shipping::v1::SHIPMENT_STATUS_PICKED);
  auto* missing = short_pick.add_short_picked_lines();
  missing->set_sku("MUG");
  missing->set_quantity(2);
  auto started = events_->Apply(short_pick);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(*started, "");  // PENDING: the order saga may still compensate
  ShipStepSaved(order, {"s-1"});

  pqxx::connection connection(db_.url());
  const auto resource_sagas = [&] {
    pqxx::work tx(connection);
    std::vector<std::pair<std::string, std::string>> sagas;
    for (const auto& row :
         tx.exec_params("SELECT id::text AS id, encode(payload, 'hex') AS payload_hex FROM sagas "
                        "WHERE order_id = $1::uuid AND kind = 'RESOURCE' AND subject = 's-1'",
                        order.order_id)) {
      sagas.emplace_back(row["id"].as<std::string>(), row["payload_hex"].as<std::string>());
    }
    tx.commit();
    return sagas;
  };
  auto sagas = resource_sagas();
  ASSERT_EQ(sagas.size(), 1u);
  v1::ResourcePlan plan;
  ASSERT_TRUE(plan.ParseFromString(absl::HexStringToBytes(sagas[0].second)));
  OutboxEvent planned;
  ASSERT_TRUE(planned.ParseFromString(plan.short_picked_event()));
  ASSERT_EQ(planned.short_picked_lines_size(), 1);
  EXPECT_EQ(planned.short_picked_lines(0).quantity(), 2);
  v1::Order read = Read(order.order_id);
  ASSERT_EQ(read.shipments_size(), 1);
  ASSERT_EQ(read.shipments(0).short_picked_size(), 1);
  EXPECT_EQ(read.shipments(0).short_picked(0).sku(), "MUG");
  EXPECT_EQ(read.shipments(0).status(), "SHIPMENT_STATUS_PICKED");

  // Taken in again (another sequence): the same saga.
  short_pick.set_sequence(++sequence_);
  started = events_->Apply(short_pick);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(*started, "");
  EXPECT_EQ(resource_sagas().size(), 1u);

  Resourced resourced;
  auto* group = resourced.moved.add_groups();
  group->set_warehouse_id("wh-s-2");
  StepResult result;
  result.output = resourced;
  Save(sagas[0].first, SagaState{SagaPhase::kRunning, 1, 0, "", SagaPhase::kRunning}, result,
       std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(plan.ParseFromString(absl::HexStringToBytes(resource_sagas()[0].second)));
  ASSERT_EQ(plan.moved().groups_size(), 1);
  EXPECT_EQ(plan.moved().groups(0).warehouse_id(), "wh-s-2");

  // The new shipment's first event comes before the saga saves it.
  OutboxEvent created =
      Event(order.order_id, "s-2", shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED,
            shipping::v1::SHIPMENT_STATUS_PICKED);
  created.set_resourced_from_shipment_id("s-1");
  ASSERT_TRUE(events_->Apply(created).ok());
  ShipmentsCreated made;
  v1::ShipmentSummary summary;
  summary.set_shipment_id("s-2");
  summary.set_warehouse_id("wh-s-2");
  summary.set_status("SHIPMENT_STATUS_PENDING");
  summary.set_resourced_from_shipment_id("s-1");
  auto* line = summary.add_lines();
  line->set_sku("MUG");
  line->set_quantity(2);
  made.shipments.push_back(summary);
  result.output = made;
  Save(sagas[0].first, SagaState{SagaPhase::kCompleted, 2, 0, "", SagaPhase::kRunning}, result);
  read = Read(order.order_id);
  ASSERT_EQ(read.shipments_size(), 2);
  EXPECT_EQ(read.shipments(1).shipment_id(), "s-2");
  EXPECT_EQ(read.shipments(1).status(), "SHIPMENT_STATUS_PICKED");  // the event's
  EXPECT_EQ(read.shipments(1).resourced_from_shipment_id(), "s-1");
  ASSERT_EQ(read.shipments(1).lines_size(), 1);
  EXPECT_EQ(read.shipments(1).lines(0).quantity(), 2);
  EXPECT_EQ(read.shipments(0).short_picked_size(), 1);  // kept through every write

  // It ships as any shipment: a SHIPMENT saga of its own.
  EXPECT_FALSE(Shipped(order.order_id, "s-2").empty());
  EXPECT_EQ(ShipmentSagas(order.order_id, nullptr).count("s-2"), 1u);
}

// A parcel returned to sender gets one decision: a refund waits for its capture, a repeat
// answers the refund started, a reship after it is refused. Once refunded, the parcel no longer
// holds the order back: with the other one delivered the order completes.
TEST_F(ShipmentEventStoreTest, AParcelGetsOneDecisionAndARefundedOneNoLongerCounts) {
  const InsertedOrder order = Insert(Request(Customer("refund@example.com").id(), "key-1"));
  ShipStepSaved(order, {"s-1", "s-2"});
  const std::string first_saga = Shipped(order.order_id, "s-1");
  const std::string second_saga = Shipped(order.order_id, "s-2");
  ASSERT_FALSE(first_saga.empty());
  ASSERT_FALSE(second_saga.empty());
  Save(second_saga, SagaState{SagaPhase::kCompleted, 2, 0, "", SagaPhase::kRunning}, {});
  Delivered(order.order_id, "s-2");
  ASSERT_TRUE(events_
                  ->Apply(Event(order.order_id, "s-1",
                                shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_RETURNED_TO_SENDER,
                                shipping::v1::SHIPMENT_STATUS_RETURNED_TO_SENDER))
                  .ok());
  EXPECT_TRUE(Read(order.order_id).needs_attention());

  PgParcelDecisions decisions(*pool_);
  v1::RefundShipmentRequest refund;
  refund.set_shipment_id("s-1");
  EXPECT_EQ(ReasonOf(decisions.StartRefund(refund).status()), "SHIPMENT_NOT_SETTLED");
  Save(first_saga, SagaState{SagaPhase::kCompleted, 2, 0, "", SagaPhase::kRunning}, {});
  auto started = decisions.StartRefund(refund);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_TRUE(started->created);
  EXPECT_FALSE(Read(order.order_id).needs_attention());
  auto again = decisions.StartRefund(refund);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->saga_id, started->saga_id);
  v1::ReshipShipmentRequest reship;
  reship.set_shipment_id("s-1");
  EXPECT_EQ(ReasonOf(decisions.StartReship(reship).status()), "SHIPMENT_ALREADY_DECIDED");
  refund.set_shipment_id("s-2");
  EXPECT_EQ(ReasonOf(decisions.StartRefund(refund).status()), "SHIPMENT_NOT_RETURNED_TO_SENDER");

  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_PARTIALLY_DELIVERED);
  Save(started->saga_id, SagaState{SagaPhase::kCompleted, 2, 0, "", SagaPhase::kRunning}, {});
  const v1::Order done = Read(order.order_id);
  EXPECT_EQ(done.status(), v1::ORDER_STATUS_COMPLETED);
  ASSERT_EQ(done.shipments_size(), 2);
  EXPECT_TRUE(done.shipments(0).refunded());
  EXPECT_FALSE(done.shipments(1).refunded());
}

// The statements a shipment event and a reship add run through indexes, however many orders,
// shipments and sagas there are.
TEST_F(ShipmentEventStoreTest, TheReshipAndFeedStatementsAreServedByIndexes) {
  const std::string order = "'00000000-0000-4000-8000-000000000001'";
  testing::ExpectServedByIndexes(
      *pool_, PgParcelDecisions::Statements(),
      {{"order_shipments_find", "'s-1'"},
       {"sagas_find_parcel_decision", order + ", 'RESHIP', 'REFUND', 's-1'"},
       {"sagas_phase_of_subject", order + ", 'SHIPMENT', 's-1'"}});
  testing::ExpectServedByIndexes(
      *pool_, PgSagaWrites::Statements(),
      {{"orders_recount_attention", order + ", 'NEEDS_ATTENTION', 'RESHIP', 'REFUND'"},
       {"sagas_start_shipped", order + ", 'SHIPMENT', 'RESOURCE', 'BACKORDER'"},
       {"order_shipments_of_order", order},
       {"orders_append_backorders", order + ", ''"}});
  testing::ExpectServedByIndexes(
      *pool_, PgShipmentEventStore::Statements(),
      {{"feed_shipment_events_insert", order + ", 's-1', 'SHIPPED', '', 0, 0"},
       {"event_cursors_move", "'shipping', 1, " + order + ", 's-1'"}});
  testing::ExpectServedByIndexes(*pool_, PgBackorderFillStore::Statements(),
                                 {{"backorder_cursor_move", "'backorders', 2"},
                                  {"order_backorder_fills_insert", "2, " + order + ", ''"},
                                  {"sagas_cancel_started", order}});
}

// Fills of an order's queued units are taken in once each, in sequence order, whatever the
// order's status; the order waits PARTIALLY_BACKORDERED until nothing is queued, and each fill's
// BACKORDER saga starts once the order is confirmed.
TEST_F(ShipmentEventStoreTest, BackorderFillsAreTakenInOnceInOrderAndShipOnceConfirmed) {
  PgBackorderFillStore fills(*pool_);
  const InsertedOrder order = Insert(Request(Customer("queued@example.com").id(), "key-1"));
  ReservedWithThreeQueued(order);
  const auto fill = [&](int64_t sequence, int64_t quantity) {
    return FillOf(order, sequence, quantity);
  };
  const auto backorder_sagas = [&] {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    return tx
        .exec_params1(
            "SELECT count(*) FROM sagas WHERE order_id = $1::uuid "
            "AND kind = 'BACKORDER'",
            order.order_id)[0]
        .as<int>();
  };
  // Taken in while the order is still being placed: kept, no saga yet.
  auto started = fills.Apply(fill(1, 2));
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_TRUE(started->empty());
  EXPECT_EQ(Read(order.order_id).backordered_units(), 1);
  EXPECT_EQ(backorder_sagas(), 0);

  ShipStepSaved(order, {"s-1"});
  v1::Order confirmed = Read(order.order_id);
  EXPECT_EQ(confirmed.status(), v1::ORDER_STATUS_PARTIALLY_BACKORDERED);
  EXPECT_EQ(backorder_sagas(), 1);

  // Taken already, or not the next one: skipped, the cursor stays.
  for (int64_t skipped : {1, 3}) {
    started = fills.Apply(fill(skipped, 1));
    ASSERT_TRUE(started.ok()) << started.status();
    EXPECT_TRUE(started->empty()) << skipped;
  }
  EXPECT_EQ(*fills.Cursor(), 1);
  EXPECT_EQ(Read(order.order_id).backorder_fills_size(), 1);

  started = fills.Apply(fill(2, 1));
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->size(), 1u);
  EXPECT_EQ(*fills.Cursor(), 2);
  const v1::Order filled = Read(order.order_id);
  EXPECT_EQ(filled.status(), v1::ORDER_STATUS_CONFIRMED);
  EXPECT_EQ(filled.backordered_units(), 0);
  ASSERT_EQ(filled.backorder_fills_size(), 2);
  EXPECT_EQ(filled.backorder_fills(0).sequence(), 1);
  EXPECT_EQ(filled.backorder_fills(1).sequence(), 2);
  EXPECT_EQ(backorder_sagas(), 2);

  // The coordinator's claim sees the order as it stands (its fills and status), not as placed:
  // the fill's saga ships only a fill the order took in, and only for an order not cancelled.
  auto claimed = sagas_->Claim("replica-b", std::chrono::seconds(30), 1, started->front());
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].order.backorder_fills_size(), 2);
  EXPECT_EQ((*claimed)[0].order.backordered_units(), 0);
  EXPECT_EQ((*claimed)[0].order.status(), v1::ORDER_STATUS_CONFIRMED);
}

// A fill made before the cancellation reached inventory but arriving once it has started is not
// taken in: the cancellation planned without the fill's shipment, so taken in, the fill would
// ship. Its saga starts all the same, and releases the fill's units (not among the order's fills).
TEST_F(ShipmentEventStoreTest, AFillArrivingOnceACancellationStartedIsNotTakenIn) {
  PgBackorderFillStore fills(*pool_);
  PgCancelStore cancels(*pool_);
  const InsertedOrder order = Insert(Request(Customer("queued@example.com").id(), "key-1"));
  ReservedWithThreeQueued(order);
  ShipStepSaved(order, {"s-1"});
  ASSERT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_PARTIALLY_BACKORDERED);
  auto cancel = cancels.StartCancel(order.order_id, "changed my mind");
  ASSERT_TRUE(cancel.ok()) << cancel.status();

  auto started = fills.Apply(FillOf(order, 1, 3));
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(*fills.Cursor(), 1);
  const v1::Order after = Read(order.order_id);
  EXPECT_EQ(after.backorder_fills_size(), 0);
  EXPECT_EQ(after.backordered_units(), 3);  // until the cancellation takes them off the queue

  ASSERT_EQ(started->size(), 1u);
  auto claimed = sagas_->Claim("replica-b", std::chrono::seconds(30), 1, started->front());
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].kind, "BACKORDER");
  EXPECT_EQ((*claimed)[0].order.backorder_fills_size(), 0);
}

TEST_F(ShipmentEventStoreTest, TheLastDeliveryCompletesAnOrderWithNoFollowUpOpen) {
  const InsertedOrder order = Insert(Request(Customer("done@example.com").id(), "key-1"));
  ShipStepSaved(order, {"s-1", "s-2"});
  const std::string first_saga = Shipped(order.order_id, "s-1");
  const std::string second_saga = Shipped(order.order_id, "s-2");
  ASSERT_FALSE(first_saga.empty());
  ASSERT_FALSE(second_saga.empty());
  const SagaState done{SagaPhase::kCompleted, 2, 0, "", SagaPhase::kRunning};
  Save(first_saga, done, StepResult{});
  Save(second_saga, done, StepResult{});
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_SHIPPED);

  Delivered(order.order_id, "s-1");
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_PARTIALLY_DELIVERED);
  Delivered(order.order_id, "s-2");
  EXPECT_EQ(Read(order.order_id).status(), v1::ORDER_STATUS_COMPLETED);
  const std::string completed = Stored(order.order_id);
  EXPECT_NE(completed.find("DELIVERED,COMPLETED"), std::string::npos) << completed;

  Delivered(order.order_id, "s-2");
  EXPECT_EQ(Stored(order.order_id), completed);
}

// Events taken in together, in one transaction, show in each order's timeline in the order they
// were taken in, though the transaction gives its rows one start time. Eight orders, so that a
// tie the ids' hashes broke would not pass by chance.
TEST_F(ShipmentEventStoreTest, EventsTakenInTogetherKeepTheirOrderInTheTimeline) {
  const std::vector<const char*> shipment_ids = {"s-0", "s-1", "s-2", "s-3",
                                                 "s-4", "s-5", "s-6", "s-7"};
  std::vector<std::string> order_ids;
  std::vector<OutboxEvent> batch;
  for (const char* shipment_id : shipment_ids) {
    const std::string key = std::string("key-") + shipment_id;
    const InsertedOrder order = Insert(Request(Customer(key + "@example.com").id(), key));
    ShipStepSaved(order, {shipment_id});
    order_ids.push_back(order.order_id);
  }
  for (std::size_t i = 0; i < order_ids.size(); ++i) {
    batch.push_back(Event(order_ids[i], shipment_ids[i],
                          shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED,
                          shipping::v1::SHIPMENT_STATUS_SHIPPED));
    batch.push_back(Event(order_ids[i], shipment_ids[i],
                          shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERED,
                          shipping::v1::SHIPMENT_STATUS_DELIVERED));
  }
  auto started = events_->ApplyAll(batch);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->size(), order_ids.size());  // each shipment's saga
  EXPECT_EQ(Cursor(), sequence_);
  for (const auto& order_id : order_ids) {
    EXPECT_EQ(Read(order_id).status(), v1::ORDER_STATUS_DELIVERED);
    v1::OrderTimeline timeline;
    SourcePositions positions;
    ASSERT_TRUE(orders_->OrderEvents(order_id, &timeline, &positions).ok());
    AssignIdsAndSort(&timeline);
    std::vector<std::string> statuses;
    for (const auto& event : timeline.events()) {
      if (event.source() == "order") statuses.push_back(event.kind());
    }
    EXPECT_EQ(statuses, (std::vector<std::string>{"STATUS_PENDING", "STATUS_CONFIRMED",
                                                  "STATUS_SHIPPED", "STATUS_DELIVERED"}));
  }
}

}  // namespace
}  // namespace oms::order
