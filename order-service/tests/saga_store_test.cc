// PgSagaStore on a real PostgreSQL, with the saga kinds' hooks writing in the same transaction:
// the saga lease (claims, fenced writes), parking, the operators' commands, and the order's
// completion racing its last delivery. Customers and orders have tests of their own
// (customer_store_test.cc, order_repository_test.cc).
#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/testing/query_plan.h"
#include "order-service/src/cancel_store.h"
#include "order-service/src/edit_store.h"
#include "order-service/src/event_cursor.h"
#include "order-service/src/pg_saga_store.h"
#include "order-service/src/pg_saga_writes.h"
#include "order-service/src/sagas/registry.h"
#include "order-service/tests/lock_waits.h"
#include "order-service/tests/order_db_fixture.h"

namespace oms::order {
namespace {

class SagaStoreTest : public OrderDbTest {
 protected:
  SagaStoreTest() : OrderDbTest("sagas") {}

  void SetUp() override {
    OrderDbTest::SetUp();
    if (pool_ != nullptr) store_ = std::make_unique<PgSagaStore>(*pool_);
  }

  // Saves `next` as the coordinator does, with the saga kind's hook given what the step learned.
  absl::Status Save(const ClaimedSaga& saga, const SagaState& next, const JournalEntry& entry,
                    const StepResult& result = StepResult{}) {
    const SagaKindDef* kind = FindSagaKind(saga.kind);
    EXPECT_NE(kind, nullptr) << saga.kind;
    if (kind == nullptr) return absl::InternalError("unknown kind");
    ClaimedSaga saved;
    return SaveStepOf(*store_, *kind, saga, next, entry, result, std::chrono::milliseconds(0),
                      std::chrono::seconds(30), &saved);
  }

  // The card token the order row keeps.
  std::string StoredToken(const std::string& order_id) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    return tx.exec_params1("SELECT payment_token FROM orders WHERE id = $1::uuid", order_id)[0]
        .as<std::string>();
  }

  // Puts a confirmed order at `status` (its order saga done) and starts a running SHIPMENT saga
  // for it, as the shipment feed would; the saga's id.
  std::string ShipmentSaga(const std::string& order_id, const std::string& status) {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec_params("UPDATE orders SET status = $2 WHERE id = $1::uuid", order_id, status);
    tx.exec_params("UPDATE sagas SET phase = 'COMPLETED' WHERE order_id = $1::uuid", order_id);
    const std::string saga_id =
        tx.exec_params1(
              "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
              "VALUES ($1::uuid, 'RUNNING', 'SHIPMENT', 's-1', ''::bytea) RETURNING id::text AS id",
              order_id)["id"]
            .as<std::string>();
    tx.commit();
    return saga_id;
  }

  // Seconds until the saga's lease expires (negative: expired or given up).
  double LeaseLeft(const std::string& saga_id) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    return tx
        .exec_params1(
            "SELECT extract(epoch FROM greatest(lease_expires_at, now() - interval '1 second') - "
            "now())::float8 "
            "FROM sagas WHERE id = $1::uuid",
            saga_id)[0]
        .as<double>();
  }

  std::unique_ptr<PgSagaStore> store_;
};

// A new order's saga inserted under a lease is held as a claim holds it: nobody else claims it,
// its holder's saves go through, and it reads as a claim of it would read it.
TEST_F(SagaStoreTest, ASagaInsertedUnderALeaseIsHeldAsIfClaimed) {
  const auto request = Request(Customer("leased@example.com").id(), "key-leased");
  v1::Order order;
  order.set_customer_id(request.customer_id());
  order.set_channel("web");
  order.set_currency("EUR");
  order.add_lines()->set_sku("MUG");
  order.mutable_total()->set_amount_minor(1200);
  auto inserted =
      orders_->InsertOrder(order, request, DeterministicHex(request), std::chrono::milliseconds(0),
                           {"replica-a", std::chrono::seconds(30)});
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  ASSERT_TRUE(inserted->claimed.has_value());
  const ClaimedSaga& held = *inserted->claimed;
  EXPECT_EQ(held.owner, "replica-a");
  EXPECT_EQ(held.saga_id, inserted->saga_id);
  EXPECT_EQ(held.epoch, 1);
  EXPECT_GT(LeaseLeft(held.saga_id), 25);

  auto other = store_->Claim("replica-b", std::chrono::seconds(30), 10, held.saga_id);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE(other->empty()) << "a leased saga is nobody else's";

  // Given up by its holder (as a stopping replica does), it is claimed as stored: the same.
  ASSERT_TRUE(store_->ReleaseLease(held).ok());
  auto claimed = store_->Claim("replica-b", std::chrono::seconds(30), 10, held.saga_id);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 1u);
  const ClaimedSaga& read = claimed->front();
  EXPECT_EQ(read.epoch, 2);
  EXPECT_EQ(read.kind, held.kind);
  EXPECT_EQ(read.payload, held.payload);
  EXPECT_EQ(read.order_id, held.order_id);
  EXPECT_EQ(read.payment_token, held.payment_token);
  EXPECT_EQ(read.state.phase, held.state.phase);
  EXPECT_EQ(read.state.step, held.state.step);
  EXPECT_EQ(read.order.SerializeAsString(), held.order.SerializeAsString())
      << read.order.ShortDebugString() << "\n"
      << held.order.ShortDebugString();

  // Unleased, as before: free for the first claim.
  const InsertedOrder unleased = Insert(Request(request.customer_id(), "key-unleased"));
  EXPECT_FALSE(unleased.claimed.has_value());
  auto first = store_->Claim("replica-b", std::chrono::seconds(30), 10, unleased.saga_id);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->size(), 1u);
}

// An order's edits and cancellation find its sagas by (order, kind, subject), and an edit
// adopts its new version by keys: none of it grows with the number of orders or sagas.
TEST_F(SagaStoreTest, TheEditStatementsAreServedByIndexes) {
  const std::string order = "'00000000-0000-4000-8000-000000000001'";
  std::vector<PreparedStatement> statements = PgEditStore::Statements();
  for (const auto* more :
       {&PgCancelStore::Statements(), &PgSagaWrites::Statements(), &EventCursorStatements()}) {
    statements.insert(statements.end(), more->begin(), more->end());
  }
  testing::ExpectServedByIndexes(
      *pool_, statements,
      {{"sagas_find_edit", order + ", 'edit-1'"},
       {"sagas_open_blocking_edit", order},
       {"sagas_insert_edit", order + ", 'edit-1', ''"},
       {"sagas_edit_running", order},
       {"orders_adopt_version", order + ", '', '', 1, 1, 1, 2, '{MUG}', ''"},
       {"event_cursors_read", "'shipping'"}});
}

TEST_F(SagaStoreTest, WhenAStepFirstFailedSurvivesAReclaim) {
  const std::string customer = Customer("erika@example.com").id();
  Insert(Request(customer, "key-1"));
  auto claimed = store_->Claim("replica-a", std::chrono::seconds(30), 10, "");
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  ClaimedSaga saga = (*claimed)[0];
  EXPECT_EQ(saga.state.failing_since, std::chrono::system_clock::time_point{});
  SagaState failing = saga.state;
  failing.attempts = 2;
  failing.failing_since =
      std::chrono::system_clock::time_point(std::chrono::microseconds(1'790'000'000'123'456));
  ASSERT_TRUE(Save(saga, failing, {"reserve", "FORWARD", "s:reserve", "TRANSIENT", ""}).ok());
  ASSERT_TRUE(store_->ReleaseLease(saga).ok());
  auto again = store_->Claim("replica-b", std::chrono::seconds(30), 10, "");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].state, failing);
}

TEST_F(SagaStoreTest, ARenewalExtendsOnlyALeaseStillHeldAsClaimed) {
  const std::string customer = Customer("erika@example.com").id();
  Insert(Request(customer, "key-1"));
  auto claimed = store_->Claim("replica-a", std::chrono::seconds(2), 10, "");
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  const ClaimedSaga saga = (*claimed)[0];
  ASSERT_LT(LeaseLeft(saga.saga_id), 2.5);

  // Another owner, or an epoch taken over since, renews nothing.
  ASSERT_TRUE(
      store_->RenewLeases("replica-b", {{saga.saga_id, saga.epoch}}, std::chrono::seconds(60))
          .ok());
  ASSERT_TRUE(
      store_->RenewLeases("replica-a", {{saga.saga_id, saga.epoch - 1}}, std::chrono::seconds(60))
          .ok());
  EXPECT_LT(LeaseLeft(saga.saga_id), 2.5);
  // Its holder renews it.
  ASSERT_TRUE(
      store_->RenewLeases("replica-a", {{saga.saga_id, saga.epoch}}, std::chrono::seconds(60))
          .ok());
  EXPECT_GT(LeaseLeft(saga.saga_id), 50);
  auto other = store_->Claim("replica-b", std::chrono::seconds(30), 10, "");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
  // A lease given up is not revived by a renewal racing it.
  ASSERT_TRUE(store_->ReleaseLease(saga).ok());
  ASSERT_TRUE(
      store_->RenewLeases("replica-a", {{saga.saga_id, saga.epoch}}, std::chrono::seconds(60))
          .ok());
  EXPECT_LT(LeaseLeft(saga.saga_id), 0);
  auto taken = store_->Claim("replica-b", std::chrono::seconds(30), 10, "");
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->size(), 1u);
}

TEST_F(SagaStoreTest, ALeaseFencesEveryWriteAndAParkedSagaWaitsForAnOperator) {
  const std::string customer = Customer("erika@example.com").id();
  InsertedOrder order = Insert(Request(customer, "key-1"));
  auto claimed = store_->Claim("replica-a", std::chrono::seconds(30), 10, "");
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  ClaimedSaga saga = (*claimed)[0];
  EXPECT_EQ(saga.order_id, order.order_id);
  auto open = store_->CountOpenSagas();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].phase, SagaPhase::kRunning);
  EXPECT_EQ((*open)[0].step, 0);
  EXPECT_EQ((*open)[0].count, 1);
  EXPECT_EQ(saga.payment_token, "tok_visa");
  // Held: nobody else can claim it.
  auto other = store_->Claim("replica-b", std::chrono::seconds(30), 10, "");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
  // Given up by its holder (a replica stopping), it can be claimed at once.
  ClaimedSaga outbid = saga;
  outbid.owner = "replica-b";
  EXPECT_EQ(store_->ReleaseLease(outbid).code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(store_->ReleaseLease(saga).ok());
  auto taken = store_->Claim("replica-b", std::chrono::seconds(30), 10, "");
  ASSERT_TRUE(taken.ok());
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ(store_->ReleaseLease(saga).code(), absl::StatusCode::kAborted);  // not its any more
  saga = (*taken)[0];

  // A replica whose lease was taken over can no longer write.
  ClaimedSaga stale = saga;
  stale.epoch -= 1;
  SagaState next = saga.state;
  next.step = 1;
  const JournalEntry record{"reserve", "FORWARD", "s:reserve", "OK", ""};
  absl::Status fenced = Save(stale, next, record);
  EXPECT_EQ(fenced.code(), absl::StatusCode::kAborted);

  // The holder parks it; the order shows NEEDS_ATTENTION and the saga is listed as stuck.
  SagaState parked{SagaPhase::kNeedsAttention, 0, 8, "PAYMENT_DECLINED", SagaPhase::kCompensating};
  ASSERT_TRUE(Save(saga, parked, record).ok());
  v1::Order read;
  ASSERT_TRUE(orders_->GetOrder(order.order_id, &read).ok());
  EXPECT_EQ(read.status(), v1::ORDER_STATUS_NEEDS_ATTENTION);
  EXPECT_TRUE(read.needs_attention());
  open = store_->CountOpenSagas();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].phase, SagaPhase::kNeedsAttention);
  v1::ListStuckSagasResponse stuck;
  ASSERT_TRUE(store_->ListStuckSagas(10, &stuck).ok());
  ASSERT_EQ(stuck.sagas_size(), 1);
  EXPECT_EQ(stuck.sagas(0).failure_reason(), "PAYMENT_DECLINED");

  // RetrySaga resumes it where it parked; it can be claimed again.
  v1::Saga retried;
  ASSERT_TRUE(store_->OperateSaga(saga.saga_id, /*resolve=*/false, "", &retried).ok());
  EXPECT_EQ(retried.phase(), "COMPENSATING");
  auto again = store_->Claim("replica-b", std::chrono::seconds(30), 10, saga.saga_id);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_GT((*again)[0].epoch, saga.epoch);
  EXPECT_EQ((*again)[0].state.attempts, 0);
  // The retry is kept, so the calls go out under new request ids: the refused one would only
  // be answered with its refusal again.
  EXPECT_EQ((*again)[0].state.retries, 1);

  // Parked once more, an operator resolves it: a compensation ends REJECTED.
  ASSERT_TRUE(Save((*again)[0], parked, record).ok());
  v1::Saga resolved;
  ASSERT_TRUE(
      store_->OperateSaga(saga.saga_id, /*resolve=*/true, "voided by hand", &resolved).ok());
  EXPECT_EQ(resolved.phase(), "COMPENSATED");
  ASSERT_TRUE(orders_->GetOrder(order.order_id, &read).ok());
  EXPECT_EQ(read.status(), v1::ORDER_STATUS_REJECTED);
  EXPECT_EQ(read.rejection_reason(), "PAYMENT_DECLINED");
  EXPECT_FALSE(read.needs_attention());
  EXPECT_EQ(store_->OperateSaga(saga.saga_id, true, "again", &resolved).code(),
            absl::StatusCode::kFailedPrecondition);
}

// A step whose writes are the order's progress alone (the order saga before the pivot, and its
// compensation) is saved with it in one statement (LoneProgress): fenced by the lease like any
// save, so a stale holder changes nothing of the order either; other writes keep the
// transaction.
TEST_F(SagaStoreTest, AStepThatWritesOnlyTheOrdersProgressSavesBothOrNeither) {
  const std::string customer = Customer("lone@example.com").id();
  const InsertedOrder order = Insert(Request(customer, "key-lone"));
  auto claimed = store_->Claim("replica-a", std::chrono::seconds(30), 10, "");
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  const ClaimedSaga saga = (*claimed)[0];
  const SagaKindDef* kind = FindSagaKind(saga.kind);
  ASSERT_NE(kind, nullptr);
  auto lone = [&](SagaState next, const StepResult& result, ProgressRow* row) {
    return LoneProgress(
        [&](SagaWrites& writes) {
          ClaimedSaga after = saga;
          after.state = next;
          kind->on_step_saved(after, result, writes);
        },
        row);
  };
  StepResult reserved;
  inventory::v1::Allocation allocation;
  allocation.add_groups()->set_warehouse_id("wh-1");
  reserved.output = Reserved{allocation};
  SagaState next = saga.state;
  next.step = 1;
  ProgressRow row;
  ASSERT_TRUE(lone(next, reserved, &row));
  EXPECT_EQ(row.status, "PENDING");
  EXPECT_FALSE(row.allocation_hex.empty());
  StepResult shipped;
  shipped.output = ShipmentsCreated{{v1::ShipmentSummary()}};
  EXPECT_FALSE(lone({SagaPhase::kCompleted, 4, 0, "", SagaPhase::kRunning}, shipped, &row))
      << "the ship step lists shipments";
  EXPECT_FALSE(lone({SagaPhase::kNeedsAttention, 1, 8, "X", SagaPhase::kRunning}, {}, &row))
      << "parking flags the order too";

  auto history = [&] {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    return tx
        .exec_params1(
            "SELECT string_agg(status || ':' || reason, ',' ORDER BY id) FROM "
            "order_status_history WHERE order_id = $1::uuid",
            order.order_id)[0]
        .as<std::string>();
  };
  const std::string before = history();
  const JournalEntry entry{"reserve", "FORWARD", saga.saga_id + ":reserve", "OK", ""};
  ClaimedSaga stale = saga;
  stale.epoch -= 1;
  EXPECT_EQ(Save(stale, next, entry, reserved).code(), absl::StatusCode::kAborted);
  v1::Order read;
  ASSERT_TRUE(orders_->GetOrder(order.order_id, &read).ok());
  EXPECT_EQ(read.allocation().groups_size(), 0) << "a stale save wrote the order";
  EXPECT_EQ(history(), before);

  ASSERT_TRUE(Save(saga, next, entry, reserved).ok());
  ASSERT_TRUE(orders_->GetOrder(order.order_id, &read).ok());
  ASSERT_EQ(read.allocation().groups_size(), 1);
  EXPECT_EQ(read.allocation().groups(0).warehouse_id(), "wh-1");
  EXPECT_EQ(history(), before) << "still PENDING: no second history row";

  ClaimedSaga held = saga;
  held.state = next;
  const SagaState over{SagaPhase::kCompensated, 0, 0, "INSUFFICIENT_STOCK", SagaPhase::kRunning};
  ASSERT_TRUE(
      Save(held, over, {"reserve", "COMPENSATE", saga.saga_id + ":release", "OK", ""}).ok());
  ASSERT_TRUE(orders_->GetOrder(order.order_id, &read).ok());
  EXPECT_EQ(read.status(), v1::ORDER_STATUS_REJECTED);
  EXPECT_EQ(read.rejection_reason(), "INSUFFICIENT_STOCK");
  EXPECT_EQ(read.allocation().groups_size(), 1) << "kept";
  EXPECT_EQ(history(), before + ",REJECTED:INSUFFICIENT_STOCK");
}

// The card token serves the authorization and nothing after it: kept while one may still be
// asked for (a retry after a lost answer sends it again), gone once a payment is recorded or
// the order saga has ended without one.
TEST_F(SagaStoreTest, ThePaymentTokenIsForgottenOnceNoAuthorizationCanFollow) {
  const std::string customer = Customer("token@example.com").id();
  const InsertedOrder authorized = Insert(Request(customer, "key-token-1"));
  const InsertedOrder rejected = Insert(Request(customer, "key-token-2"));
  auto claimed = store_->Claim("replica-a", std::chrono::seconds(30), 10, "");
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 2u);
  for (const ClaimedSaga& saga : *claimed) {
    EXPECT_EQ(saga.payment_token, "tok_visa");
    // Stock reserved: the authorization is still to come.
    SagaState reserved = saga.state;
    reserved.step = 1;
    ASSERT_TRUE(
        Save(saga, reserved, {"reserve", "FORWARD", saga.saga_id + ":reserve", "OK", ""}).ok());
    EXPECT_EQ(StoredToken(saga.order_id), "tok_visa");
  }
  auto again = store_->Claim("replica-a", std::chrono::seconds(30), 10, "");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 0u) << "still held";
  for (ClaimedSaga saga : *claimed) {
    saga.state.step = 1;
    if (saga.order_id == authorized.order_id) {
      SagaState next = saga.state;
      next.step = 2;
      StepResult result;
      result.output = Authorized{"pay-1"};
      ASSERT_TRUE(
          Save(saga, next, {"authorize", "FORWARD", saga.saga_id + ":authorize", "OK", ""}, result)
              .ok());
    } else {
      const SagaState over{SagaPhase::kCompensated, 0, 0, "INSUFFICIENT_STOCK",
                           SagaPhase::kRunning};
      ASSERT_TRUE(
          Save(saga, over, {"reserve", "COMPENSATE", saga.saga_id + ":release", "OK", ""}).ok());
    }
  }
  EXPECT_EQ(StoredToken(authorized.order_id), "");
  EXPECT_EQ(StoredToken(rejected.order_id), "");
  v1::Order read;
  ASSERT_TRUE(orders_->GetOrder(authorized.order_id, &read).ok());
  EXPECT_EQ(read.payment().payment_id(), "pay-1");
}

// A follow-up saga (here a shipment's capture) that parks flags its order for an operator but
// leaves its status as the order saga and the shipments made it; the operator's retry keeps it;
// resolving the capture by hand completes the delivered order.
TEST_F(SagaStoreTest, AParkedFollowUpSagaFlagsItsOrderAndNeverOverwritesItsStatus) {
  const std::string customer = Customer("parked@example.com").id();
  InsertedOrder order = Insert(Request(customer, "key-parked"));
  const std::string saga_id = ShipmentSaga(order.order_id, "DELIVERED");
  auto read = [&] {
    v1::Order now;
    EXPECT_TRUE(orders_->GetOrder(order.order_id, &now).ok());
    return now;
  };
  const JournalEntry refused{"capture-payment", "FORWARD", saga_id + ":capture-payment", "REFUSED",
                             "CAPTURE_REFUSED"};
  const SagaState parked{SagaPhase::kNeedsAttention, 1, 0, "", SagaPhase::kRunning};

  auto claimed = store_->Claim("replica-a", std::chrono::seconds(30), 1, saga_id);
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1u);
  ASSERT_TRUE(Save((*claimed)[0], parked, refused).ok());
  EXPECT_EQ(read().status(), v1::ORDER_STATUS_DELIVERED);
  EXPECT_TRUE(read().needs_attention());

  v1::Saga operated;
  ASSERT_TRUE(store_->OperateSaga(saga_id, /*resolve=*/false, "", &operated).ok());
  EXPECT_EQ(read().status(), v1::ORDER_STATUS_DELIVERED);
  EXPECT_FALSE(read().needs_attention());

  claimed = store_->Claim("replica-a", std::chrono::seconds(30), 1, saga_id);
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1u);
  ASSERT_TRUE(Save((*claimed)[0], parked, refused).ok());
  ASSERT_TRUE(store_->OperateSaga(saga_id, /*resolve=*/true, "captured by hand", &operated).ok());
  EXPECT_EQ(operated.phase(), "COMPLETED");
  EXPECT_EQ(read().status(), v1::ORDER_STATUS_COMPLETED);
  EXPECT_FALSE(read().needs_attention());
}

// The last shipment saga ends while the last delivery is being taken in: whichever commits
// second must see the other's change and complete the order. Here the delivery (the order row
// locked, its status set DELIVERED) is held open while the saga saves its end.
TEST_F(SagaStoreTest, TheLastCaptureAndTheLastDeliveryRacingStillCompleteTheOrder) {
  const std::string customer = Customer("race@example.com").id();
  InsertedOrder order = Insert(Request(customer, "key-race"));
  const std::string saga_id = ShipmentSaga(order.order_id, "SHIPPED");
  auto claimed = store_->Claim("replica-a", std::chrono::seconds(30), 1, saga_id);
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1u);
  ClaimedSaga saga = (*claimed)[0];

  pqxx::connection delivery_connection(db_.url());
  pqxx::work delivery(delivery_connection);
  delivery.exec_params("SELECT 1 FROM orders WHERE id = $1::uuid FOR UPDATE", order.order_id);
  delivery.exec_params("UPDATE orders SET status = 'DELIVERED' WHERE id = $1::uuid",
                       order.order_id);

  std::atomic<bool> saved{false};
  absl::Status save_status;
  std::thread capture([&] {
    const JournalEntry record{"capture-payment", "FORWARD", saga_id + ":capture-payment", "OK", ""};
    SagaState done{SagaPhase::kCompleted, 2, 0, "", SagaPhase::kRunning};
    save_status = Save(saga, done, record);
    saved = true;
  });
  // The saga's save waits for the delivery's lock on the order (or, were it not to, finishes).
  AwaitALockWait(db_.url(), saved);
  delivery.commit();
  capture.join();
  ASSERT_TRUE(save_status.ok()) << save_status;
  v1::Order read;
  ASSERT_TRUE(orders_->GetOrder(order.order_id, &read).ok());
  EXPECT_EQ(read.status(), v1::ORDER_STATUS_COMPLETED);
}

// The shipment feed locks the order, then starts the shipment sagas of shipped shipments (an
// insert that waits on any transaction writing such a saga's row). A follow-up saga's save that
// wrote its saga row before locking the order deadlocked with it, and the step was lost until
// the lease ran out. The save locks the order first, as the feed does.
TEST_F(SagaStoreTest, AFollowUpSagasSaveAndTheShipmentFeedNeverDeadlock) {
  const std::string customer = Customer("deadlock@example.com").id();
  InsertedOrder order = Insert(Request(customer, "key-deadlock"));
  const std::string saga_id = ShipmentSaga(order.order_id, "SHIPPED");
  auto claimed = store_->Claim("replica-a", std::chrono::seconds(30), 1, saga_id);
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1u);
  ClaimedSaga saga = (*claimed)[0];

  pqxx::connection feed_connection(db_.url());
  pqxx::work feed(feed_connection);
  feed.exec_params("SELECT 1 FROM orders WHERE id = $1::uuid FOR UPDATE", order.order_id);

  std::atomic<bool> saved{false};
  absl::Status save_status;
  std::thread capture([&] {
    const JournalEntry record{"capture-payment", "FORWARD", saga_id + ":capture-payment", "OK", ""};
    SagaState done{SagaPhase::kCompleted, 2, 0, "", SagaPhase::kRunning};
    save_status = Save(saga, done, record);
    saved = true;
  });
  AwaitALockWait(db_.url(), saved);
  std::string feed_error;
  try {
    feed.exec_params(
        "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
        "VALUES ($1::uuid, 'RUNNING', 'SHIPMENT', 's-1', ''::bytea) "
        "ON CONFLICT (order_id, kind, subject) DO NOTHING",
        order.order_id);
    feed.commit();
  } catch (const std::exception& error) {
    feed_error = error.what();
  }
  capture.join();
  EXPECT_EQ(feed_error, "");
  EXPECT_TRUE(save_status.ok()) << save_status;
}

}  // namespace
}  // namespace oms::order
