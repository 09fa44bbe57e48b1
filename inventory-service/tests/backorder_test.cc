// Backorders against a real PostgreSQL: a reserve that queues what no warehouse has, the fills
// that receipts, returns and releases make in queue order, the dense fill stream, cancelling, and
// the books (levels, ledger, reservations, queue and fills) agreeing afterwards, also while
// reserves and receipts race.
#include <atomic>
#include <map>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/status.h"
#include "common/testing/query_plan.h"
#include "inventory-service/src/backorder_fills.h"
#include "inventory-service/src/backorder_queue.h"
#include "inventory-service/src/expiry_sweeper.h"
#include "inventory-service/src/inventory_metrics.h"
#include "inventory-service/src/reservation_store.h"
#include "inventory-service/src/reservation_validation.h"
#include "inventory-service/tests/backorder_test_fixture.h"
#include "inventory-service/tests/test_requests.h"
#include "prometheus/registry.h"

namespace oms::inventory {
namespace {

// (a) What the warehouses have is held, the rest queued and answered as backordered; a repeat of
// the request id answers the same without queuing twice.
TEST_F(BackorderTest, AReserveHoldsWhatThereIsAndQueuesTheRest) {
  Receive(berlin_, "SKU-A", 5);
  auto reserved = Reserve(BackorderRequest("order-1", {{"SKU-A", 8}}));
  ASSERT_TRUE(reserved.ok()) << reserved.status();
  EXPECT_EQ(reserved->state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(HeldText(*reserved), "BER-1 SKU-A=5");
  EXPECT_EQ(Text(reserved->allocation().backordered()), "SKU-A=3");
  EXPECT_TRUE(reserved->allocation().unfilled().empty());

  auto again = Reserve(BackorderRequest("order-1", {{"SKU-A", 8}}));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Text(again->allocation().backordered()), "SKU-A=3");
  EXPECT_EQ(QueueRow("order-1", "SKU-A"), "3/0/0");

  const v1::GetAvailabilityResponse availability = Availability("SKU-A");
  EXPECT_EQ(availability.total_backordered(), 3);
  EXPECT_EQ(availability.total_available(), 0);
  EXPECT_EQ(Availability("SKU-B").total_backordered(), 0);
  EXPECT_EQ(Violations(), "");
}

// (b) Nothing in stock: everything queued, and the reservation is made HELD all the same.
TEST_F(BackorderTest, NothingInStockQueuesEverythingAndHolds) {
  Receive(berlin_, "SKU-A", 1);
  auto reserved = Reserve(BackorderRequest("order-1", {{"SKU-B", 4}, {"SKU-A", 1}, {"SKU-B", 2}}));
  ASSERT_TRUE(reserved.ok()) << reserved.status();
  EXPECT_EQ(reserved->state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(HeldText(*reserved), "BER-1 SKU-A=1");
  // The same SKU twice is one queue row.
  EXPECT_EQ(Text(reserved->allocation().backordered()), "SKU-B=6");

  auto none = Reserve(BackorderRequest("order-2", {{"SKU-B", 3}}));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->state(), v1::RESERVATION_STATE_HELD);
  EXPECT_TRUE(none->lines().empty());
  EXPECT_TRUE(none->allocation().groups().empty());
  EXPECT_EQ(Text(none->allocation().backordered()), "SKU-B=3");
  EXPECT_EQ(Availability("SKU-B").total_backordered(), 9);

  // An unknown SKU has no queue: refused as without backorders.
  EXPECT_EQ(ReasonOf(Reserve(BackorderRequest("order-3", {{"NO-SUCH", 1}})).status()),
            "INSUFFICIENT_STOCK");
  EXPECT_EQ(Violations(), "");
}

// The invariant checker sees a queue that lost its reservation, and a queue row counted filled
// without the fill that held the units.
TEST_F(BackorderTest, TheCheckerSeesABrokenQueue) {
  ASSERT_TRUE(Reserve(BackorderRequest("order-1", {{"SKU-B", 3}})).ok());
  ASSERT_EQ(Violations(), "");
  {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    tx.exec("UPDATE reservations SET state = 'EXPIRED' WHERE order_id = 'order-1'");
    tx.exec("UPDATE backorders SET filled = 1 WHERE order_id = 'order-1'");
  }
  const std::string violations = Violations();
  EXPECT_NE(violations.find("I2 queued units wait in a held reservation: order order-1 waits for "
                            "2 units but its reservation is EXPIRED"),
            std::string::npos)
      << violations;
  EXPECT_NE(violations.find("I2 the backorder queue filled what its fills held: order order-1: "
                            "queue filled 1, fills held 0"),
            std::string::npos)
      << violations;
}

// (c) First come first served: a receipt fills the oldest row first, then the next, and each
// order's fill is one record of the dense stream.
TEST_F(BackorderTest, ReceiptsFillTheQueueInOrder) {
  ASSERT_TRUE(Reserve(BackorderRequest("order-a", {{"SKU-A", 3}})).ok());
  ASSERT_TRUE(Reserve(BackorderRequest("order-b", {{"SKU-A", 2}})).ok());

  auto received = Adjust("receipt-1", berlin_, "SKU-A", 4);
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(received->level().on_hand(), 4);
  EXPECT_EQ(received->level().reserved(), 4);
  EXPECT_EQ(HeldText(Get("order-a")), "BER-1 SKU-A=3");
  EXPECT_EQ(HeldText(Get("order-b")), "BER-1 SKU-A=1");
  EXPECT_EQ(QueueRow("order-a", "SKU-A"), "3/3/0");
  EXPECT_EQ(QueueRow("order-b", "SKU-A"), "2/1/0");

  v1::ListBackorderFillsResponse fills = Fills(0);
  ASSERT_EQ(fills.fills_size(), 2);
  EXPECT_EQ(Text(fills.fills(0)), "1 order-a BER-1 SKU-A=3");
  EXPECT_EQ(Text(fills.fills(1)), "2 order-b BER-1 SKU-A=1");
  EXPECT_EQ(fills.fills(0).warehouse_id(), berlin_);
  EXPECT_TRUE(fills.fills(0).has_fill_time());
  EXPECT_EQ(fills.head_sequence(), 2);

  ASSERT_TRUE(Adjust("receipt-2", warsaw_, "SKU-A", 5).ok());
  EXPECT_EQ(HeldText(Get("order-b")), "BER-1 SKU-A=1,WAW-1 SKU-A=1");
  fills = Fills(2);
  ASSERT_EQ(fills.fills_size(), 1);
  EXPECT_EQ(Text(fills.fills(0)), "3 order-b WAW-1 SKU-A=1");
  EXPECT_EQ(fills.head_sequence(), 3);
  const v1::GetAvailabilityResponse availability = Availability("SKU-A");
  EXPECT_EQ(availability.total_available(), 4);
  EXPECT_EQ(availability.total_backordered(), 0);
  // A receipt with nothing queued fills nothing and records nothing.
  ASSERT_TRUE(Adjust("receipt-3", warsaw_, "SKU-A", 1).ok());
  EXPECT_EQ(Fills(0).head_sequence(), 3);
  EXPECT_EQ(Violations(), "");
}

// (d) A reservation whose held units all shipped stays HELD while units are queued, gains the
// fill's lines, and settles COMMITTED once those ship too.
TEST_F(BackorderTest, AReservationWaitingForUnitsStaysHeldUntilTheyShip) {
  Receive(berlin_, "SKU-A", 2);
  ASSERT_TRUE(Reserve(BackorderRequest("order-1", {{"SKU-A", 5}})).ok());
  auto shipped = Commit("order-1", "ship-1", berlin_, "SKU-A", 2);
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_EQ(shipped->state(), v1::RESERVATION_STATE_HELD);

  ASSERT_TRUE(Adjust("receipt-1", warsaw_, "SKU-A", 3).ok());
  v1::Reservation filled = Get("order-1");
  EXPECT_EQ(filled.state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(HeldText(filled), "BER-1 SKU-A=0,WAW-1 SKU-A=3");

  auto done = Commit("order-1", "ship-2", warsaw_, "SKU-A", 3);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), v1::RESERVATION_STATE_COMMITTED);
  EXPECT_EQ(Violations(), "");
}

// The sweeper leaves a reservation with queued units alone past its expiry, and the invariant
// check does not count it; once its queue is cancelled it settles (RELEASED: it held nothing).
TEST_F(BackorderTest, QueuedUnitsKeepTheReservationFromExpiring) {
  ASSERT_TRUE(Reserve(BackorderRequest("order-1", {{"SKU-A", 2}})).ok());
  Exec("UPDATE reservations SET expires_at = now() - interval '1 hour'");
  prometheus::Registry registry;
  InventoryMetrics metrics(registry);
  ExpirySweeper sweeper(*store_, metrics, std::chrono::seconds(60));
  EXPECT_EQ(sweeper.SweepNow(), 0);
  EXPECT_EQ(Get("order-1").state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(Violations(), "");

  auto cancelled = Cancel("cancel-1", "order-1");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(Text(cancelled->cancelled()), "SKU-A=2");
  EXPECT_EQ(Get("order-1").state(), v1::RESERVATION_STATE_RELEASED);
}

// (e) CancelBackorders answers what was still queued, once per request id; a release of
// everything (the order's compensation) drops the queue too.
TEST_F(BackorderTest, CancellingTakesWhatIsQueuedOffTheQueue) {
  Receive(berlin_, "SKU-A", 2);
  ASSERT_TRUE(Reserve(BackorderRequest("order-1", {{"SKU-A", 5}, {"SKU-B", 1}})).ok());
  auto cancelled = Cancel("cancel-1", "order-1");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(Text(cancelled->cancelled()), "SKU-A=3,SKU-B=1");
  auto again = Cancel("cancel-1", "order-1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Text(again->cancelled()), "SKU-A=3,SKU-B=1");
  auto nothing_left = Cancel("cancel-2", "order-1");
  ASSERT_TRUE(nothing_left.ok());
  EXPECT_TRUE(nothing_left->cancelled().empty());
  EXPECT_EQ(QueueRow("order-1", "SKU-A"), "3/0/3");
  // It still holds its 2 units.
  EXPECT_EQ(Get("order-1").state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(Availability("SKU-A").total_backordered(), 0);
  auto no_order = Cancel("cancel-3", "order-unknown");
  ASSERT_TRUE(no_order.ok());
  EXPECT_TRUE(no_order->cancelled().empty());

  ASSERT_TRUE(Reserve(BackorderRequest("order-2", {{"SKU-B", 4}})).ok());
  auto released = Release("order-2");
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(released->state(), v1::RESERVATION_STATE_RELEASED);
  EXPECT_EQ(QueueRow("order-2", "SKU-B"), "4/0/4");
  EXPECT_EQ(Availability("SKU-B").total_backordered(), 0);
  auto received = Adjust("receipt-1", warsaw_, "SKU-B", 4);
  ASSERT_TRUE(received.ok());
  EXPECT_EQ(received->level().available(), 4);
  EXPECT_EQ(Fills(0).head_sequence(), 0);
  EXPECT_EQ(Violations(), "");
}

// (f) A return back on hand fills as a receipt does, and so do units one warehouse's release
// frees; another warehouse's queue-less release changes nothing of the queue.
TEST_F(BackorderTest, ReturnsAndReleasesFillTheQueue) {
  ASSERT_TRUE(Reserve(BackorderRequest("order-1", {{"SKU-A", 2}})).ok());
  v1::RestockReturnRequest restock;
  restock.set_request_id("return-1");
  restock.set_order_id("order-0");
  restock.set_warehouse_id(berlin_);
  restock.set_sku("SKU-A");
  restock.set_resellable_quantity(3);
  v1::RestockReturnResponse restocked;
  Outcome outcome;
  ASSERT_TRUE(inventory_->Restock(restock, &restocked, &outcome).ok());
  EXPECT_EQ(restocked.level().on_hand(), 3);
  EXPECT_EQ(restocked.level().reserved(), 2);
  EXPECT_EQ(outcome.filled_units, 2);
  EXPECT_EQ(HeldText(Get("order-1")), "BER-1 SKU-A=2");

  Receive(warsaw_, "SKU-B", 4);
  ASSERT_TRUE(Reserve(ReserveRequest("order-2", {{"SKU-B", 4}})).ok());
  ASSERT_TRUE(Reserve(BackorderRequest("order-3", {{"SKU-B", 3}})).ok());
  auto released = Release("order-2", warsaw_);
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(released->state(), v1::RESERVATION_STATE_RELEASED);
  EXPECT_EQ(HeldText(Get("order-3")), "WAW-1 SKU-B=3");
  EXPECT_EQ(Level(warsaw_, "SKU-B", "reserved"), 3);
  v1::ListBackorderFillsResponse fills = Fills(1);
  ASSERT_EQ(fills.fills_size(), 1);
  EXPECT_EQ(Text(fills.fills(0)), "2 order-3 WAW-1 SKU-B=3");
  EXPECT_EQ(Violations(), "");
}

// (g) Reserves that queue and receipts at two warehouses race: the levels stay within bounds, no
// row is filled past its quantity, the fills add up to what the rows were filled, the stream is
// dense, no row was served before an older open one, and no stock is left available while
// anything waits for it.
TEST_F(BackorderTest, RacingReservesAndReceiptsKeepTheQueueInOrder) {
  // Every level exists before the race: reserves of a SKU then lock the same rows as its fills,
  // so queue positions follow commit order.
  for (const auto& warehouse : {berlin_, warsaw_}) {
    for (const char* sku : {"SKU-A", "SKU-B"}) Receive(warehouse, sku, 1);
  }
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 12;
  std::atomic<bool> go{false};
  std::atomic<int> retries{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      for (int i = 0; i < kCallsPerThread; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        const char* sku = (t + i) % 2 == 0 ? "SKU-A" : "SKU-B";
        absl::Status status;
        // A deadlock PostgreSQL broke answers ABORTED: the caller retries, as clients do.
        for (int attempt = 0; attempt < 20; ++attempt) {
          if (t % 2 == 0) {
            status = Reserve(BackorderRequest("order-" + id, {{sku, 1 + (i % 3)}, {"LAST", 1}}))
                         .status();
          } else {
            status = Adjust("receipt-" + id, (i % 2 == 0) ? berlin_ : warsaw_, sku, 1 + (i % 3))
                         .status();
          }
          if (status.code() != absl::StatusCode::kAborted) break;
          ++retries;
        }
        EXPECT_TRUE(status.ok()) << status;
      }
    });
  }
  go = true;
  for (auto& thread : threads) thread.join();
  if (retries > 0) std::cerr << retries << " calls were retried after ABORTED\n";

  EXPECT_EQ(Count("SELECT count(*) FROM stock_levels WHERE on_hand < reserved"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM backorders WHERE filled + cancelled > quantity"), 0);
  EXPECT_EQ(Count("SELECT COALESCE(sum(quantity), 0) FROM backorder_fills"),
            Count("SELECT COALESCE(sum(filled), 0) FROM backorders"));
  // Per order and SKU too.
  EXPECT_EQ(Count("SELECT count(*) FROM backorders b FULL JOIN ("
                  "  SELECT order_id, sku, sum(quantity) AS units FROM backorder_fills "
                  "  GROUP BY order_id, sku) f USING (order_id, sku) "
                  "WHERE COALESCE(b.filled, 0) <> COALESCE(f.units, 0)"),
            0);
  // Dense: 1..n, n the head.
  const int64_t fills = Count("SELECT count(DISTINCT sequence) FROM backorder_fills");
  EXPECT_GT(fills, 0);
  EXPECT_EQ(Count("SELECT COALESCE(max(sequence), 0) FROM backorder_fills"), fills);
  EXPECT_EQ(Count("SELECT COALESCE(min(sequence), 0) FROM backorder_fills"), 1);
  EXPECT_EQ(Fills(0, 500).head_sequence(), fills);
  // In order: no row got units while an older row of its SKU still waits.
  EXPECT_EQ(Count("SELECT count(*) FROM backorders older JOIN backorders newer "
                  "ON newer.sku = older.sku AND newer.id > older.id "
                  "WHERE older.filled + older.cancelled < older.quantity AND newer.filled > 0"),
            0);
  // Nothing left available while anything waits for it.
  EXPECT_EQ(Count("SELECT count(*) FROM stock_levels s JOIN warehouses w ON w.id = s.warehouse_id "
                  "WHERE w.active AND s.on_hand > s.reserved AND EXISTS ("
                  "  SELECT 1 FROM backorders b WHERE b.sku = s.sku "
                  "  AND b.filled + b.cancelled < b.quantity)"),
            0);
  // Every order that waits has its reservation HELD.
  EXPECT_EQ(Count("SELECT count(*) FROM backorders b JOIN reservations r USING (order_id) "
                  "WHERE b.filled + b.cancelled < b.quantity AND r.state <> 'HELD'"),
            0);
  EXPECT_EQ(Violations(), "");
}

// (h) Pages of the stream follow the cursor; one fill can hold several SKUs (a release of one
// warehouse that frees two); bad pages are refused naming the field.
TEST_F(BackorderTest, FillsArePagedBySequence) {
  for (const char* order : {"order-1", "order-2", "order-3"}) {
    ASSERT_TRUE(Reserve(BackorderRequest(order, {{"SKU-A", 1}})).ok());
  }
  ASSERT_TRUE(Adjust("receipt-1", berlin_, "SKU-A", 3).ok());
  v1::ListBackorderFillsResponse page = Fills(0, 2);
  ASSERT_EQ(page.fills_size(), 2);
  EXPECT_EQ(page.fills(0).sequence(), 1);
  EXPECT_EQ(page.fills(1).sequence(), 2);
  EXPECT_EQ(page.head_sequence(), 3);
  page = Fills(2, 2);
  ASSERT_EQ(page.fills_size(), 1);
  EXPECT_EQ(Text(page.fills(0)), "3 order-3 BER-1 SKU-A=1");
  page = Fills(3, 2);
  EXPECT_TRUE(page.fills().empty());
  EXPECT_EQ(page.head_sequence(), 3);

  Receive(warsaw_, "SKU-A", 2);
  Receive(warsaw_, "SKU-B", 2);
  ASSERT_TRUE(Reserve(ReserveRequest("order-4", {{"SKU-A", 2}, {"SKU-B", 2}})).ok());
  ASSERT_TRUE(Reserve(BackorderRequest("order-5", {{"SKU-A", 2}, {"SKU-B", 1}})).ok());
  ASSERT_TRUE(Release("order-4", warsaw_).ok());
  page = Fills(3);
  ASSERT_EQ(page.fills_size(), 1);
  EXPECT_EQ(Text(page.fills(0)), "4 order-5 WAW-1 SKU-A=2,SKU-B=1");

  v1::ListBackorderFillsRequest request;
  request.set_after_sequence(-1);
  EXPECT_EQ(testing::FieldOf(BackorderFillsPageSize(request).status()), "after_sequence");
  request.set_after_sequence(0);
  request.set_page_size(501);
  EXPECT_EQ(testing::FieldOf(BackorderFillsPageSize(request).status()), "page_size");
  EXPECT_EQ(Violations(), "");
}

// (i) Queuing the rest and doing without it cannot both be asked for.
TEST_F(BackorderTest, BothFlagsAreRefused) {
  v1::ReserveStockRequest request = BackorderRequest("order-1", {{"SKU-A", 1}});
  request.set_cancel_unavailable(true);
  EXPECT_EQ(testing::FieldOf(ValidateReserve(request)), "backorder_unavailable");
}

TEST_F(BackorderTest, ItsStatementsAreServedByIndexes) {
  const std::string sku = "'SKU-A'";
  oms::testing::ExpectServedByIndexes(*pool_, BackorderStatements(),
                                      {{"products_lock_for_fill", "'{SKU-A}'"},
                                       {"reservations_lock_queued", "'{SKU-A}'"},
                                       {"backorders_lock_open", "'{SKU-A}'"},
                                       {"backorders_queue", sku},
                                       {"reservations_lock_orders", "'{order-1}'"},
                                       {"stock_levels_available_lock", sku + ", '" + berlin_ + "'"},
                                       {"backorders_fill", "'{1}', '{1}'"},
                                       {"backorders_cancel_order", "'order-1'"},
                                       {"backorders_queued_of_order", "'order-1'"},
                                       {"backorders_queued_of_sku", sku}});
  oms::testing::ExpectServedByIndexes(
      *pool_, BackorderFillStatements(),
      {{"backorder_fill_counter_read", ""}, {"backorder_fills_list", "0, 100"}});
  oms::testing::ExpectServedByIndexes(*pool_, ReservationStatements(),
                                      {{"reservations_claim_expired", "100"}});
}

}  // namespace
}  // namespace oms::inventory
