// Reservations against a real PostgreSQL: the race for the last units, idempotency, tombstones,
// expiry, and the ledger staying equal to the levels through commit, release and restock.
#include "inventory-service/src/reservation_use_cases.h"

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "common/idempotency.h"
#include "common/status.h"
#include "inventory-service/src/expiry_sweeper.h"
#include "inventory-service/src/inventory_metrics.h"
#include "inventory-service/tests/reservation_test_fixture.h"
#include "prometheus/registry.h"

namespace oms::inventory {
namespace {

TEST_F(ReservationUseCasesTest, ReservesASplitOrderAndWritesTheLedger) {
  Receive(berlin_, "SKU-A", 5);
  Receive(warsaw_, "SKU-A", 5);
  Receive(berlin_, "SKU-B", 1);
  auto reservation = Reserve(ReserveRequest("order-1", {{"SKU-A", 7}, {"SKU-B", 1}}));
  ASSERT_TRUE(reservation.ok()) << reservation.status();
  EXPECT_EQ(reservation->state(), v1::RESERVATION_STATE_HELD);
  EXPECT_GT(reservation->expire_time().seconds(), reservation->create_time().seconds());
  ASSERT_EQ(reservation->allocation().groups_size(), 2);
  EXPECT_EQ(reservation->allocation().groups(0).warehouse_code(), "BER-1");
  EXPECT_FALSE(reservation->allocation().groups(0).reason().empty());
  ASSERT_EQ(reservation->lines_size(), 3);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 5);
  EXPECT_EQ(Level(warsaw_, "SKU-A", "reserved"), 2);
  EXPECT_EQ(Level(berlin_, "SKU-B", "reserved"), 1);
  EXPECT_EQ(Violations(), "");

  // The preview now sees what is left.
  v1::PlanAllocationRequest preview;
  *preview.mutable_lines() = ReserveRequest("x", {{"SKU-A", 4}}).lines();
  preview.mutable_destination()->set_country("DE");
  v1::PlanAllocationResponse planned;
  ASSERT_TRUE(store_->Preview(preview, &planned).ok());
  EXPECT_FALSE(planned.feasible());
  ASSERT_EQ(planned.shortfalls_size(), 1);
  EXPECT_EQ(planned.shortfalls(0).available(), 3);
}

TEST_F(ReservationUseCasesTest, InsufficientStockListsEveryShortfallAndHoldsNothing) {
  Receive(berlin_, "SKU-A", 2);
  auto refused = Reserve(ReserveRequest("order-1", {{"SKU-A", 3}, {"SKU-B", 1}}));
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(refused.status()), "INSUFFICIENT_STOCK");
  auto payload =
      refused.status().GetPayload("type.googleapis.com/oms.inventory.v1.InsufficientStock");
  ASSERT_TRUE(payload.has_value());
  v1::InsufficientStock detail;
  ASSERT_TRUE(detail.ParseFromString(std::string(*payload)));
  ASSERT_EQ(detail.shortfalls_size(), 2);
  EXPECT_EQ(detail.shortfalls(0).sku(), "SKU-A");
  EXPECT_EQ(detail.shortfalls(0).available(), 2);
  EXPECT_EQ(detail.shortfalls(1).sku(), "SKU-B");
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 0);
  v1::Reservation none;
  EXPECT_EQ(store_->Get("order-1", &none).code(), absl::StatusCode::kNotFound);
}

// A refusal is the answer to its request id: stock received after the refusal must not let a
// late duplicate of the same request (a paused replica, a stalled coordinator) hold stock for an
// order that was rejected on that refusal.
TEST_F(ReservationUseCasesTest, ARefusedReserveIsRefusedAgainOnItsRequestIdAfterStockArrives) {
  Receive(berlin_, "SKU-A", 1);
  const auto request = ReserveRequest("order-1", {{"SKU-A", 3}});
  auto refused = Reserve(request);
  ASSERT_EQ(ReasonOf(refused.status()), "INSUFFICIENT_STOCK");
  Receive(berlin_, "SKU-A", 10);

  v1::Reservation reservation;
  Outcome outcome;
  absl::Status again = store_->Reserve(request, 600, &reservation, &outcome);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 0);
  v1::Reservation none;
  EXPECT_EQ(store_->Get("order-1", &none).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Violations(), "");
  // The same answer, shortfalls included, as a replay.
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(again), "INSUFFICIENT_STOCK");
  EXPECT_EQ(again.message(), refused.status().message());
  constexpr char kShortfalls[] = "type.googleapis.com/oms.inventory.v1.InsufficientStock";
  EXPECT_EQ(again.GetPayload(kShortfalls), refused.status().GetPayload(kShortfalls));
  EXPECT_TRUE(outcome.replayed);
}

// The caller gave up before the reserve could run (it waited in the executor's queue, or for a
// connection or a lock): nothing is held, and the request id stays free for the caller's retry.
TEST_F(ReservationUseCasesTest, AReserveWhoseCallerDeadlinePassedHoldsNothing) {
  Receive(berlin_, "SKU-A", 5);
  const auto request = ReserveRequest("order-1", {{"SKU-A", 2}});
  {
    CallDeadlineScope expired(absl::Now() - absl::Milliseconds(1));
    EXPECT_EQ(Reserve(request).status().code(), absl::StatusCode::kDeadlineExceeded);
  }
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 0);
  v1::Reservation none;
  EXPECT_EQ(store_->Get("order-1", &none).code(), absl::StatusCode::kNotFound);

  auto retried = Reserve(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 2);
  EXPECT_EQ(Violations(), "");
}

TEST_F(ReservationUseCasesTest, InactiveWarehousesAndProductsAreNeverUsed) {
  Receive(berlin_, "SKU-A", 5);
  Receive(warsaw_, "SKU-A", 5);
  Exec("UPDATE warehouses SET active = false WHERE code = 'BER-1'");
  auto reservation = Reserve(ReserveRequest("order-1", {{"SKU-A", 5}}));
  ASSERT_TRUE(reservation.ok()) << reservation.status();
  ASSERT_EQ(reservation->allocation().groups_size(), 1);
  EXPECT_EQ(reservation->allocation().groups(0).warehouse_code(), "WAW-1");

  Exec("UPDATE products SET active = false WHERE sku = 'SKU-A'");
  EXPECT_EQ(ReasonOf(Reserve(ReserveRequest("order-2", {{"SKU-A", 1}})).status()),
            "INSUFFICIENT_STOCK");
}

// 40 clients race for the last 5 units of a SKU, 3 in one warehouse and 2 in the other: exactly
// 5 win, 35 are refused with INSUFFICIENT_STOCK, and both warehouses end fully reserved.
TEST_F(ReservationUseCasesTest, ARaceForTheLastUnitsNeverOversells) {
  Receive(berlin_, "LAST", 3);
  Receive(warsaw_, "LAST", 2);
  constexpr int kClients = 40;
  std::atomic<int> held{0}, refused{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();  // start together
      auto result = Reserve(ReserveRequest("race-" + std::to_string(i), {{"LAST", 1}}));
      if (result.ok()) {
        ++held;
      } else if (ReasonOf(result.status()) == "INSUFFICIENT_STOCK") {
        ++refused;
      } else {
        ADD_FAILURE() << result.status();
      }
    });
  }
  go = true;
  for (auto& client : clients) client.join();
  EXPECT_EQ(held.load(), 5);
  EXPECT_EQ(refused.load(), kClients - 5);
  EXPECT_EQ(Level(berlin_, "LAST", "reserved"), 3);
  EXPECT_EQ(Level(warsaw_, "LAST", "reserved"), 2);
  EXPECT_EQ(Violations(), "");
}

TEST_F(ReservationUseCasesTest, DuplicateReservesApplyOnceSequentiallyAndConcurrently) {
  Receive(berlin_, "SKU-A", 10);
  const auto request = ReserveRequest("order-1", {{"SKU-A", 4}});
  std::vector<std::future<absl::StatusOr<v1::Reservation>>> calls;
  for (int i = 0; i < 8; ++i) {
    calls.push_back(std::async(std::launch::async, [&] { return Reserve(request); }));
  }
  std::set<std::string> ids;
  for (auto& call : calls) {
    auto result = call.get();
    ASSERT_TRUE(result.ok()) << result.status();
    ids.insert(result->id());
  }
  auto again = Reserve(request);
  ASSERT_TRUE(again.ok());
  ids.insert(again->id());
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 4);

  // The same order under another request id is refused, not reserved twice.
  auto other = ReserveRequest("order-1", {{"SKU-A", 4}});
  other.set_request_id("another-id");
  EXPECT_EQ(ReasonOf(Reserve(other).status()), "RESERVATION_EXISTS");
  // The same request id with another body is refused too.
  auto changed = ReserveRequest("order-1", {{"SKU-A", 5}});
  EXPECT_EQ(ReasonOf(Reserve(changed).status()), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 4);
  EXPECT_EQ(Violations(), "");
}

TEST_F(ReservationUseCasesTest, AReleaseBeforeItsReserveLeavesATombstone) {
  Receive(berlin_, "SKU-A", 10);
  auto released = Release("order-1");
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_TRUE(released->tombstone());
  EXPECT_EQ(released->state(), v1::RESERVATION_STATE_RELEASED);
  auto late = Reserve(ReserveRequest("order-1", {{"SKU-A", 1}}));
  EXPECT_EQ(ReasonOf(late.status()), "RESERVATION_RELEASED");
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 0);
  EXPECT_TRUE(Release("order-1").ok());  // and the release stays repeatable
  // A later release under another request id answers the tombstone as it is.
  auto again = Release("order-1", berlin_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->tombstone());
  EXPECT_EQ(Violations(), "");
}

TEST_F(ReservationUseCasesTest, ExpiryFreesTheStock) {
  Receive(berlin_, "SKU-A", 3);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 3}})).ok());
  ASSERT_TRUE(Reserve(ReserveRequest("order-2", {{"SKU-A", 1}})).status().code() ==
              absl::StatusCode::kFailedPrecondition);
  // The database clock decides: move the expiry into the past instead of waiting for it.
  Exec(
      "UPDATE reservations SET expires_at = now() - interval '1 second' WHERE order_id = "
      "'order-1'");
  prometheus::Registry registry;
  InventoryMetrics metrics(registry);
  ExpirySweeper sweeper(*store_, metrics, std::chrono::seconds(60));
  EXPECT_EQ(sweeper.SweepNow(), 1);
  v1::Reservation expired;
  ASSERT_TRUE(store_->Get("order-1", &expired).ok());
  EXPECT_EQ(expired.state(), v1::RESERVATION_STATE_EXPIRED);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 0);
  EXPECT_EQ(ReasonOf(Commit("order-1", "c1", berlin_, "SKU-A", 1).status()),
            "RESERVATION_NOT_HELD");
  // A new attempt for order-2: its refused request id would be answered with its refusal.
  auto retry = ReserveRequest("order-2", {{"SKU-A", 3}});
  retry.set_request_id("order-2:reserve-again");
  EXPECT_TRUE(Reserve(retry).ok());
  EXPECT_EQ(sweeper.SweepNow(), 0);
  EXPECT_EQ(Violations(), "");
}

TEST_F(ReservationUseCasesTest, SweepersInSeveralReplicasExpireEachReservationOnce) {
  Receive(berlin_, "SKU-A", 300);
  constexpr int kReservations = 120;
  for (int i = 0; i < kReservations; ++i) {
    ASSERT_TRUE(Reserve(ReserveRequest("order-" + std::to_string(i), {{"SKU-A", 2}})).ok());
  }
  Exec("UPDATE reservations SET expires_at = now() - interval '1 second'");
  prometheus::Registry registry;
  InventoryMetrics metrics(registry);
  std::vector<std::future<int>> sweeps;
  for (int replica = 0; replica < 3; ++replica) {
    sweeps.push_back(std::async(std::launch::async, [&] {
      ExpirySweeper sweeper(*store_, metrics, std::chrono::seconds(60));
      return sweeper.SweepNow();
    }));
  }
  int expired = 0;
  for (auto& sweep : sweeps) expired += sweep.get();
  EXPECT_EQ(expired, kReservations);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 0);
  EXPECT_EQ(Violations(), "");
}

TEST_F(ReservationUseCasesTest, ConcurrentDuplicateCommitsAndReleasesApplyOnce) {
  Receive(berlin_, "SKU-A", 10);
  Receive(warsaw_, "SKU-A", 10);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 15}})).ok());  // 10 BER + 5 WAW
  std::vector<std::future<bool>> calls;
  for (int i = 0; i < 6; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      return Commit("order-1", "ship-BER", berlin_, "SKU-A", 4).ok();
    }));
    calls.push_back(
        std::async(std::launch::async, [&] { return Release("order-1", warsaw_).ok(); }));
  }
  for (auto& call : calls) EXPECT_TRUE(call.get());
  EXPECT_EQ(Level(berlin_, "SKU-A", "on_hand"), 6);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 6);
  EXPECT_EQ(Level(warsaw_, "SKU-A", "reserved"), 0);
  EXPECT_EQ(Violations(), "");
}

TEST_F(ReservationUseCasesTest, ExtendMovesTheExpiryOfAHeldReservationOnly) {
  Receive(berlin_, "SKU-A", 3);
  auto reservation = Reserve(ReserveRequest("order-1", {{"SKU-A", 1}}), 60);
  ASSERT_TRUE(reservation.ok());
  v1::ExtendReservationRequest extend;
  extend.set_request_id("order-1:extend");
  extend.set_order_id("order-1");
  extend.set_ttl_seconds(86400);
  v1::Reservation extended;
  Outcome outcome;
  ASSERT_TRUE(store_->Extend(extend, &extended, &outcome).ok());
  EXPECT_GT(extended.expire_time().seconds(), reservation->expire_time().seconds() + 80000);
  ASSERT_TRUE(Release("order-1").ok());
  extend.set_request_id("order-1:extend-again");
  EXPECT_EQ(ReasonOf(store_->Extend(extend, &extended, &outcome)), "RESERVATION_NOT_HELD");
}

TEST_F(ReservationUseCasesTest, CommitReleaseAndRestockKeepTheLedgerEqualToTheLevels) {
  Receive(berlin_, "SKU-A", 5);
  Receive(warsaw_, "SKU-A", 5);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 8}})).ok());  // 5 BER + 3 WAW

  // The Berlin shipment ships in two parts, which add up.
  ASSERT_TRUE(Commit("order-1", "ship-1a", berlin_, "SKU-A", 2).ok());
  auto second = Commit("order-1", "ship-1b", berlin_, "SKU-A", 3);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->state(), v1::RESERVATION_STATE_HELD);  // Warsaw still holds 3
  EXPECT_EQ(Level(berlin_, "SKU-A", "on_hand"), 0);
  EXPECT_EQ(Level(berlin_, "SKU-A", "reserved"), 0);
  EXPECT_EQ(ReasonOf(Commit("order-1", "ship-1c", berlin_, "SKU-A", 1).status()),
            "COMMIT_EXCEEDS_HOLD");
  // A repeated commit is answered, not applied again.
  ASSERT_TRUE(Commit("order-1", "ship-1b", berlin_, "SKU-A", 3).ok());
  EXPECT_EQ(Violations(), "");

  // The Warsaw shipment is cancelled: its hold is released; nothing held, something shipped.
  auto released = Release("order-1", warsaw_);
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(released->state(), v1::RESERVATION_STATE_COMMITTED);
  EXPECT_EQ(Level(warsaw_, "SKU-A", "reserved"), 0);
  EXPECT_EQ(Level(warsaw_, "SKU-A", "on_hand"), 5);
  EXPECT_EQ(Violations(), "");

  // Two units come back to Warsaw: one resellable, one damaged.
  v1::RestockReturnRequest restock;
  restock.set_request_id("return-1:restock");
  restock.set_order_id("order-1");
  restock.set_warehouse_id(warsaw_);
  restock.set_sku("SKU-A");
  restock.set_resellable_quantity(1);
  restock.set_damaged_quantity(1);
  v1::RestockReturnResponse restocked;
  Outcome outcome;
  ASSERT_TRUE(inventory_->Restock(restock, &restocked, &outcome).ok());
  EXPECT_EQ(restocked.level().on_hand(), 6);
  EXPECT_EQ(outcome.movements, 2);
  ASSERT_TRUE(inventory_->Restock(restock, &restocked, &outcome).ok());
  EXPECT_TRUE(outcome.replayed);
  EXPECT_EQ(Level(warsaw_, "SKU-A", "on_hand"), 6);
  EXPECT_EQ(Violations(), "");
}

TEST_F(ReservationUseCasesTest, CheckInvariantsFindsALevelThatDriftedFromTheLedger) {
  Receive(berlin_, "SKU-A", 5);
  ASSERT_TRUE(Reserve(ReserveRequest("order-1", {{"SKU-A", 2}})).ok());
  EXPECT_EQ(Violations(), "");
  Exec("UPDATE stock_levels SET on_hand = on_hand + 1 WHERE sku = 'SKU-A'");
  Exec("UPDATE stock_levels SET reserved = reserved + 1 WHERE sku = 'SKU-A'");
  const std::string found = Violations();
  EXPECT_NE(found.find("I1 the ledger sums to the level"), std::string::npos) << found;
  EXPECT_NE(found.find("I2 reserved = what held reservations hold"), std::string::npos) << found;
}

}  // namespace
}  // namespace oms::inventory
