// PgOrderStore on a real PostgreSQL: customers, order capture and replays, and the saga lease:
// claims, fenced writes, parking and the operators' commands.
#include "order-service/src/order_store.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/idempotency.h"
#include "common/pagination.h"
#include "common/pg_pool.h"
#include "common/testing/pg_test_database.h"
#include "order-service/src/order_validation.h"
#include "order-service/src/schema.h"

namespace oms::order {
namespace {

class OrderStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    ASSERT_TRUE(ApplyMigrations(db_.url(), Migrations()).ok());
    auto pool = PgPool::Create({db_.url(), 4, std::chrono::seconds(5), PgOrderStore::Statements()},
                               nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    store_ = std::make_unique<PgOrderStore>(*pool_);
  }

  v1::Customer Customer(const std::string& email) {
    v1::Customer customer;
    customer.set_name("Erika");
    customer.set_email(email);
    auto normalized = NormalizeNewCustomer(customer);
    EXPECT_TRUE(normalized.ok());
    v1::Customer created;
    EXPECT_TRUE(store_->CreateCustomer(*normalized, &created).ok());
    return created;
  }

  v1::CreateOrderRequest Request(const std::string& customer_id, const std::string& key) {
    v1::CreateOrderRequest request;
    request.set_request_id(key);
    request.set_client_id("client-1");
    request.set_customer_id(customer_id);
    request.set_channel("web");
    request.set_currency("EUR");
    request.mutable_payment()->set_token("tok_visa");
    return request;
  }

  InsertedOrder Insert(const v1::CreateOrderRequest& request) {
    v1::Order order;
    order.set_customer_id(request.customer_id());
    order.set_channel(request.channel());
    order.set_external_order_id(request.external_order_id());
    order.set_currency("EUR");
    order.mutable_total()->set_amount_minor(100);
    auto inserted = store_->InsertOrder(order, request, DeterministicHex(request));
    EXPECT_TRUE(inserted.ok()) << inserted.status();
    return inserted.ok() ? *inserted : InsertedOrder{};
  }

  testing::PgTestDatabase db_{"orders"};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgOrderStore> store_;
};

TEST_F(OrderStoreTest, CustomersAreCreatedUpdatedListedAndUniqueByEmail) {
  v1::Customer erika = Customer("erika@example.com");
  Customer("max@example.com");
  v1::Customer duplicate;
  v1::Customer same_email;
  same_email.set_name("Other");
  same_email.set_email("ERIKA@example.com");
  EXPECT_EQ(store_->CreateCustomer(same_email, &duplicate).code(),
            absl::StatusCode::kAlreadyExists);

  v1::Customer updated;
  ASSERT_TRUE(store_
                  ->UpdateCustomer(
                      erika.id(),
                      [](const v1::Customer& current) -> absl::StatusOr<v1::Customer> {
                        v1::Customer next = current;
                        next.set_phone("+49 40 123");
                        return next;
                      },
                      &updated)
                  .ok());
  EXPECT_EQ(updated.phone(), "+49 40 123");
  EXPECT_EQ(updated.email(), "erika@example.com");

  CustomerPage first;
  ASSERT_TRUE(store_->ListCustomers("", 1, &first).ok());
  ASSERT_EQ(first.customers.size(), 1u);
  CustomerPage second;
  ASSERT_TRUE(store_->ListCustomers(first.next_after, 1, &second).ok());
  ASSERT_EQ(second.customers.size(), 1u);
  EXPECT_NE(second.customers[0].id(), first.customers[0].id());
  EXPECT_TRUE(second.next_after.empty());
}

TEST_F(OrderStoreTest, AKeyOrAnExternalIdNamesOneOrder) {
  const std::string customer = Customer("erika@example.com").id();
  auto request = Request(customer, "key-1");
  request.set_external_order_id("shop-1");
  InsertedOrder first = Insert(request);
  EXPECT_TRUE(first.created);

  auto replay = store_->FindExisting(request, DeterministicHex(request));
  ASSERT_TRUE(replay.ok() && replay->has_value());
  EXPECT_EQ((*replay)->order_id, first.order_id);
  EXPECT_TRUE((*replay)->same_request);

  auto changed = request;
  changed.set_currency("USD");
  auto reused = store_->FindExisting(changed, DeterministicHex(changed));
  ASSERT_TRUE(reused.ok() && reused->has_value());
  EXPECT_FALSE((*reused)->same_request);

  auto by_external = Request(customer, "key-2");
  by_external.set_external_order_id("shop-1");
  InsertedOrder again = Insert(by_external);  // the unique index answers the first order
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.order_id, first.order_id);

  v1::ListOrdersResponse listed;
  ASSERT_TRUE(store_->ListOrders({customer, "PENDING", "", 10}, &listed).ok());
  EXPECT_EQ(listed.orders_size(), 1);
}

TEST_F(OrderStoreTest, OrdersListNewestFirstPageByPage) {
  const std::string customer = Customer("erika@example.com").id();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(Insert(Request(customer, "key-" + std::to_string(i))).order_id);
  std::vector<std::string> seen;
  OrderFilter filter{"", "", "", 2};
  for (int pages = 0; pages < 5; ++pages) {
    v1::ListOrdersResponse page;
    absl::Status listed = store_->ListOrders(filter, &page);
    ASSERT_TRUE(listed.ok()) << listed;
    for (const auto& order : page.orders()) seen.push_back(order.id());
    if (page.next_page_token().empty()) break;
    filter.after = *DecodePageToken(page.next_page_token());
  }
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));
}

TEST_F(OrderStoreTest, ALeaseFencesEveryWriteAndAParkedSagaWaitsForAnOperator) {
  const std::string customer = Customer("erika@example.com").id();
  InsertedOrder order = Insert(Request(customer, "key-1"));
  auto claimed = store_->Claim("replica-a", std::chrono::seconds(30), 10);
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
  auto other = store_->Claim("replica-b", std::chrono::seconds(30), 10);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());

  // A replica whose lease was taken over can no longer write.
  ClaimedSaga stale = saga;
  stale.epoch -= 1;
  SagaState next = saga.state;
  next.step = 1;
  StepRecord record;
  record.step = "reserve";
  record.action = "FORWARD";
  record.request_id = "s:reserve";
  record.outcome = "OK";
  absl::Status fenced = store_->SaveStep(stale, next, record, std::chrono::seconds(30));
  EXPECT_EQ(fenced.code(), absl::StatusCode::kAborted);

  // The holder parks it; the order shows NEEDS_ATTENTION and the saga is listed as stuck.
  SagaState parked{SagaPhase::kNeedsAttention, 0, 8, "PAYMENT_DECLINED", SagaPhase::kCompensating};
  ASSERT_TRUE(store_->SaveStep(saga, parked, record, std::chrono::seconds(30)).ok());
  v1::Order read;
  ASSERT_TRUE(store_->GetOrder(order.order_id, &read).ok());
  EXPECT_EQ(read.status(), v1::ORDER_STATUS_NEEDS_ATTENTION);
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

  // Parked once more, an operator resolves it: a compensation ends REJECTED.
  ASSERT_TRUE(store_->SaveStep((*again)[0], parked, record, std::chrono::seconds(30)).ok());
  v1::Saga resolved;
  ASSERT_TRUE(
      store_->OperateSaga(saga.saga_id, /*resolve=*/true, "voided by hand", &resolved).ok());
  EXPECT_EQ(resolved.phase(), "COMPENSATED");
  ASSERT_TRUE(store_->GetOrder(order.order_id, &read).ok());
  EXPECT_EQ(read.status(), v1::ORDER_STATUS_REJECTED);
  EXPECT_EQ(read.rejection_reason(), "PAYMENT_DECLINED");
  EXPECT_EQ(store_->OperateSaga(saga.saga_id, true, "again", &resolved).code(),
            absl::StatusCode::kFailedPrecondition);
}

// The last shipment saga ends while the last delivery is being taken in: whichever commits
// second must see the other's change and complete the order. Here the delivery (the order row
// locked, its status set DELIVERED) is held open while the saga saves its end.
TEST_F(OrderStoreTest, TheLastCaptureAndTheLastDeliveryRacingStillCompleteTheOrder) {
  const std::string customer = Customer("race@example.com").id();
  InsertedOrder order = Insert(Request(customer, "key-race"));
  std::string saga_id;
  {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec_params("UPDATE orders SET status = 'SHIPPED' WHERE id = $1::uuid", order.order_id);
    saga_id = tx.exec_params1(
                    "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
                    "VALUES ($1::uuid, 'RUNNING', 'SHIPMENT', 's-1', ''::bytea) "
                    "RETURNING id::text",
                    order.order_id)[0]
                  .as<std::string>();
    tx.commit();
  }
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
    StepRecord record;
    record.step = "capture-payment";
    record.action = "FORWARD";
    record.request_id = saga_id + ":capture-payment";
    record.outcome = "OK";
    SagaState done{SagaPhase::kCompleted, 2, 0, "", SagaPhase::kRunning};
    save_status = store_->SaveStep(saga, done, record, std::chrono::seconds(30));
    saved = true;
  });
  // The saga's save waits for the delivery's lock on the order (or, were it not to, finishes).
  pqxx::connection watcher(db_.url());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!saved && std::chrono::steady_clock::now() < deadline) {
    pqxx::nontransaction read(watcher);
    if (read.exec("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'").size() > 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  delivery.commit();
  capture.join();
  ASSERT_TRUE(save_status.ok()) << save_status;
  v1::Order read;
  ASSERT_TRUE(store_->GetOrder(order.order_id, &read).ok());
  EXPECT_EQ(read.status(), v1::ORDER_STATUS_COMPLETED);
}

}  // namespace
}  // namespace oms::order
