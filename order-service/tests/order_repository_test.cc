// PgOrderRepository on a real PostgreSQL: order capture and replays, listing, and the order's
// own timeline events.
#include "order-service/src/order_repository.h"

#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "common/idempotency.h"
#include "common/pagination.h"
#include "common/status.h"
#include "common/testing/query_plan.h"
#include "order-service/tests/order_db_fixture.h"

namespace oms::order {
namespace {

class OrderRepositoryTest : public OrderDbTest {
 protected:
  OrderRepositoryTest() : OrderDbTest("orders") {}
};

TEST_F(OrderRepositoryTest, AKeyOrAnExternalIdNamesOneOrder) {
  const std::string customer = Customer("erika@example.com").id();
  auto request = Request(customer, "key-1");
  request.set_external_order_id("shop-1");
  InsertedOrder first = Insert(request);
  EXPECT_TRUE(first.created);

  auto replay = orders_->FindExisting(request, DeterministicHex(request));
  ASSERT_TRUE(replay.ok() && replay->has_value());
  EXPECT_EQ((*replay)->order_id, first.order_id);
  EXPECT_TRUE((*replay)->same_request);

  auto changed = request;
  changed.set_currency("USD");
  auto reused = orders_->FindExisting(changed, DeterministicHex(changed));
  ASSERT_TRUE(reused.ok() && reused->has_value());
  EXPECT_FALSE((*reused)->same_request);

  auto by_external = Request(customer, "key-2");
  by_external.set_external_order_id("shop-1");
  InsertedOrder again = Insert(by_external);  // the unique index answers the first order
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.order_id, first.order_id);

  v1::ListOrdersResponse listed;
  OrderFilter pending;
  pending.customer_id = customer;
  pending.status = v1::ORDER_STATUS_PENDING;
  pending.page_size = 10;
  ASSERT_TRUE(orders_->ListOrders(pending, &listed).ok());
  EXPECT_EQ(listed.orders_size(), 1);
}

TEST_F(OrderRepositoryTest, AnUnknownCustomerIsRefusedUnlessTheKeyNamesAnOrder) {
  const std::string customer = Customer("known@example.com").id();
  auto fresh = Request(customer, "key-fresh");
  auto none = orders_->FindExisting(fresh, DeterministicHex(fresh));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());

  auto stranger = Request("00000000-0000-4000-8000-000000000077", "key-stranger");
  auto refused = orders_->FindExisting(stranger, DeterministicHex(stranger));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound) << refused.status();
  EXPECT_TRUE(absl::StartsWith(refused.status().message(), "customer_id: customer 00000000"))
      << refused.status();

  // A key that names an order answers it, whatever the request's customer now is.
  InsertedOrder first = Insert(fresh);
  auto elsewhere = fresh;
  elsewhere.set_customer_id("00000000-0000-4000-8000-000000000077");
  auto replay = orders_->FindExisting(elsewhere, DeterministicHex(elsewhere));
  ASSERT_TRUE(replay.ok() && replay->has_value()) << replay.status();
  EXPECT_EQ((*replay)->order_id, first.order_id);
  EXPECT_FALSE((*replay)->same_request);
}

TEST_F(OrderRepositoryTest, ItsLookupsAreServedByIndexes) {
  testing::ExpectServedByIndexes(
      *pool_, PgOrderRepository::Statements(),
      {{"orders_find_existing",
        "'client-1', 'key-1', '00', 'shop-1', 'web', '00000000-0000-4000-8000-000000000001'"}});
}

// New orders and their sagas get ids in the order they are made (UUID version 7, migration
// 0031), so that each one's keys go to the end of their indexes rather than to a random page.
TEST_F(OrderRepositoryTest, NewOrdersAndSagasGetIdsInTheOrderTheyAreMade) {
  const std::string customer = Customer("ordered@example.com").id();
  std::vector<std::string> orders;
  std::vector<std::string> sagas;
  for (int i = 0; i < 4; ++i) {
    InsertedOrder inserted = Insert(Request(customer, "key-ordered-" + std::to_string(i)));
    ASSERT_TRUE(inserted.created);
    orders.push_back(inserted.order_id);
    sagas.push_back(inserted.saga_id);
    // The ids order by millisecond: within one, by their random part.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (const auto* ids : {&orders, &sagas}) {
    for (std::size_t i = 0; i < ids->size(); ++i) {
      const std::string& id = (*ids)[i];
      ASSERT_EQ(id.size(), 36u);
      EXPECT_EQ(id[14], '7') << id << " is no version 7 UUID";
      EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id << ": variant";
      if (i > 0) {
        EXPECT_LT((*ids)[i - 1], id) << "made later, sorted earlier";
      }
    }
  }
}

// Orders are found by channel, by the channel's external id and by when they were placed, on
// their own or together with the customer and status filters.
TEST_F(OrderRepositoryTest, OrdersAreFoundByChannelExternalIdAndTime) {
  const std::string customer = Customer("filters@example.com").id();
  auto web = Request(customer, "key-web");
  web.set_external_order_id("shop-7");
  auto pos = Request(customer, "key-pos");
  pos.set_channel("pos");
  auto late = Request(customer, "key-late");
  const std::string web_id = Insert(web).order_id;
  const std::string pos_id = Insert(pos).order_id;
  const std::string late_id = Insert(late).order_id;
  // Placed on three days of January.
  ASSERT_TRUE(pool_
                  ->Autocommit([&](pqxx::transaction_base& statement) {
                    statement.exec_params(
                        "UPDATE orders SET created_at = CASE id "
                        "  WHEN $1::uuid THEN timestamptz '2026-01-01T10:00:00Z' "
                        "  WHEN $2::uuid THEN timestamptz '2026-01-02T10:00:00Z' "
                        "  ELSE timestamptz '2026-01-03T10:00:00Z' END "
                        "WHERE id IN ($1::uuid, $2::uuid, $3::uuid)",
                        web_id, pos_id, late_id);
                    return absl::OkStatus();
                  })
                  .ok());
  auto ids = [&](OrderFilter filter) {
    filter.customer_id = customer;
    filter.page_size = 10;
    v1::ListOrdersResponse listed;
    EXPECT_TRUE(orders_->ListOrders(filter, &listed).ok());
    std::vector<std::string> found;
    for (const auto& order : listed.orders()) found.push_back(order.id());
    return found;
  };
  constexpr int64_t kJan2 = 1767348000'000'000;  // 2026-01-02T10:00:00Z
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids({}), (Ids{late_id, pos_id, web_id}));
  OrderFilter by_channel;
  by_channel.channel = "web";
  EXPECT_EQ(ids(by_channel), (Ids{late_id, web_id}));
  by_channel.external_order_id = "shop-7";
  EXPECT_EQ(ids(by_channel), (Ids{web_id}));
  OrderFilter from_jan2;
  from_jan2.created_after_micros = kJan2;  // inclusive
  EXPECT_EQ(ids(from_jan2), (Ids{late_id, pos_id}));
  OrderFilter before_jan2;
  before_jan2.created_before_micros = kJan2;  // exclusive
  EXPECT_EQ(ids(before_jan2), (Ids{web_id}));
  OrderFilter window = from_jan2;
  window.created_before_micros = kJan2 + 1;
  window.channel = "pos";
  EXPECT_EQ(ids(window), (Ids{pos_id}));
  window.channel = "web";
  EXPECT_EQ(ids(window), Ids{});
}

// An SKU's orders come newest first from order_skus; orders placed before that table existed
// are found once the backfill has indexed them.
TEST_F(OrderRepositoryTest, AnSkusOrdersAreFoundIncludingEarlierOnesOnceIndexed) {
  const std::string customer = Customer("skus@example.com").id();
  auto place = [&](const std::string& key, std::vector<std::string> skus) {
    const auto request = Request(customer, key);
    v1::Order order;
    order.set_customer_id(customer);
    order.set_channel("web");
    order.set_currency("EUR");
    for (const auto& sku : skus) order.add_lines()->set_sku(sku);
    auto inserted = orders_->InsertOrder(order, request, DeterministicHex(request),
                                         std::chrono::milliseconds(0), {});
    EXPECT_TRUE(inserted.ok()) << inserted.status();
    return inserted.ok() ? inserted->order_id : "";
  };
  const std::string mugs = place("key-mugs", {"MUG", "MUG", "BOOK"});
  const std::string lamp = place("key-lamp", {"LAMP"});
  const std::string mug_and_lamp = place("key-both", {"LAMP", "MUG"});
  auto with = [&](const std::string& sku) {
    OrderFilter filter;
    filter.sku = sku;
    filter.page_size = 10;
    v1::ListOrdersResponse listed;
    EXPECT_TRUE(orders_->ListOrders(filter, &listed).ok());
    std::vector<std::string> ids;
    for (const auto& order : listed.orders()) ids.push_back(order.id());
    return ids;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(with("MUG"), (Ids{mug_and_lamp, mugs}));
  EXPECT_EQ(with("LAMP"), (Ids{mug_and_lamp, lamp}));
  EXPECT_EQ(with("BOOK"), (Ids{mugs}));
  EXPECT_EQ(with("PEN"), Ids{});

  // As an order placed before order_skus existed: not found until indexed.
  ASSERT_TRUE(pool_
                  ->Autocommit([&](pqxx::transaction_base& statement) {
                    statement.exec_params(
                        "WITH d AS (DELETE FROM order_skus WHERE order_id = $1::uuid) "
                        "UPDATE orders SET skus_indexed = false WHERE id = $1::uuid",
                        mugs);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(with("MUG"), (Ids{mug_and_lamp}));
  auto indexed = orders_->IndexOrderSkus(500);
  ASSERT_TRUE(indexed.ok()) << indexed.status();
  EXPECT_EQ(*indexed, 1);
  EXPECT_EQ(with("MUG"), (Ids{mug_and_lamp, mugs}));
  EXPECT_EQ(with("BOOK"), (Ids{mugs}));
  indexed = orders_->IndexOrderSkus(500);
  ASSERT_TRUE(indexed.ok()) << indexed.status();
  EXPECT_EQ(*indexed, 0) << "nothing left to index";
}

// A repeat of the key while its first request may still be waiting for the saga is told so
// (order-service answers IDEMPOTENCY_KEY_IN_USE), but only until that request answers by its
// deadline, or the order leaves PENDING; a repeat by external id under another key is not.
TEST_F(OrderRepositoryTest, ARepeatOfTheKeyIsUnansweredUntilTheFirstAnswers) {
  const std::string customer = Customer("ida@example.com").id();
  auto waiting = Request(customer, "key-waiting");
  waiting.set_external_order_id("shop-9");
  const InsertedOrder first = Insert(waiting, std::chrono::minutes(1));
  ASSERT_TRUE(first.created);
  auto repeat = orders_->FindExisting(waiting, DeterministicHex(waiting));
  ASSERT_TRUE(repeat.ok() && repeat->has_value()) << repeat.status();
  EXPECT_TRUE((*repeat)->first_unanswered);
  EXPECT_TRUE((*repeat)->same_request);

  auto by_external = Request(customer, "key-other");
  by_external.set_external_order_id("shop-9");
  auto external = orders_->FindExisting(by_external, DeterministicHex(by_external));
  ASSERT_TRUE(external.ok() && external->has_value()) << external.status();
  EXPECT_EQ((*external)->order_id, first.order_id);
  EXPECT_FALSE((*external)->first_unanswered);

  // Decided before the deadline: answered.
  ASSERT_TRUE(pool_
                  ->Autocommit([&](pqxx::transaction_base& statement) {
                    statement.exec_params("UPDATE orders SET status = 'CONFIRMED' WHERE id = $1",
                                          first.order_id);
                    return absl::OkStatus();
                  })
                  .ok());
  auto decided = orders_->FindExisting(waiting, DeterministicHex(waiting));
  ASSERT_TRUE(decided.ok() && decided->has_value()) << decided.status();
  EXPECT_FALSE((*decided)->first_unanswered);

  // Still PENDING, but its request's deadline has come: answered (202 with the PENDING order).
  const auto answered = Request(customer, "key-answered");
  ASSERT_TRUE(Insert(answered, std::chrono::milliseconds(0)).created);
  auto later = orders_->FindExisting(answered, DeterministicHex(answered));
  ASSERT_TRUE(later.ok() && later->has_value()) << later.status();
  EXPECT_FALSE((*later)->first_unanswered);
}

// The external id belongs to the client that placed the order: another client naming the same
// (channel, external id) is refused, never shown that order, whether the order is found before
// capture or only by the unique index (a concurrent duplicate).
TEST_F(OrderRepositoryTest, AnExternalIdOfAnotherClientIsRefused) {
  const std::string customer = Customer("erika@example.com").id();
  auto request = Request(customer, "key-1");
  request.set_external_order_id("shop-7");
  InsertedOrder first = Insert(request);

  auto other_client = request;  // even with the same key, which is that client's own
  other_client.set_client_id("client-2");
  auto found = orders_->FindExisting(other_client, DeterministicHex(other_client));
  EXPECT_EQ(found.status().code(), absl::StatusCode::kAlreadyExists) << found.status();
  EXPECT_EQ(ReasonOf(found.status()), "EXTERNAL_ORDER_ID_IN_USE");
  EXPECT_EQ(found.status().message().find(first.order_id), std::string::npos);

  v1::Order order;
  order.set_customer_id(customer);
  order.set_channel("web");
  order.set_external_order_id("shop-7");
  order.set_currency("EUR");
  auto raced = orders_->InsertOrder(order, other_client, DeterministicHex(other_client),
                                    std::chrono::milliseconds(0), {});
  EXPECT_EQ(raced.status().code(), absl::StatusCode::kAlreadyExists) << raced.status();
  EXPECT_EQ(ReasonOf(raced.status()), "EXTERNAL_ORDER_ID_IN_USE");

  // Another channel's id of the same name is another order.
  other_client.set_channel("pos");
  auto elsewhere = orders_->FindExisting(other_client, DeterministicHex(other_client));
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status();
  EXPECT_FALSE(elsewhere->has_value());
}

TEST_F(OrderRepositoryTest, OrdersListNewestFirstPageByPage) {
  const std::string customer = Customer("erika@example.com").id();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(Insert(Request(customer, "key-" + std::to_string(i))).order_id);
  std::vector<std::string> seen;
  OrderFilter filter;
  filter.page_size = 2;
  for (int pages = 0; pages < 5; ++pages) {
    v1::ListOrdersResponse page;
    absl::Status listed = orders_->ListOrders(filter, &page);
    ASSERT_TRUE(listed.ok()) << listed;
    for (const auto& order : page.orders()) seen.push_back(order.id());
    if (page.next_page_token().empty()) break;
    filter.after = *DecodePageToken(page.next_page_token());
  }
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));
}

// What a step's failure said (a peer's address, the database's words) is for operators: the
// order's timeline, which customers read, shows the reason alone.
TEST_F(OrderRepositoryTest, TheTimelineShowsAStepsReasonButNotItsInternalText) {
  const std::string customer = Customer("timeline@example.com").id();
  const InsertedOrder order = Insert(Request(customer, "key-timeline"));
  {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    const char* kJournal =
        "INSERT INTO saga_journal (saga_id, step, action, request_id, outcome, detail, epoch) "
        "VALUES ($1::uuid, $2, 'FORWARD', $3, $4, $5, 1)";
    tx.exec_params(kJournal, order.saga_id, "reserve", "r1", "TRANSIENT",
                   "failed to connect to all addresses; last error: ipv4:10.1.2.3:50052: "
                   "Connection refused");
    tx.exec_params(kJournal, order.saga_id, "reserve", "r2", "TRANSIENT",
                   "UNAVAILABLE: database: could not connect to server \"order-db-rw\"");
    tx.exec_params(kJournal, order.saga_id, "authorize", "r3", "REFUSED",
                   "PAYMENT_DECLINED: declined by the provider at 10.0.0.5");
    tx.exec_params(kJournal, order.saga_id, "authorize", "r4", "REFUSED", "PAYMENT_DECLINED");
    tx.commit();
  }
  v1::OrderTimeline timeline;
  SourcePositions positions;
  ASSERT_TRUE(orders_->OrderEvents(order.order_id, &timeline, &positions).ok());
  std::multiset<std::string> details;
  for (const auto& event : timeline.events()) {
    if (event.source() != "saga") continue;
    details.insert(event.detail());
    EXPECT_EQ(event.detail().find("10."), std::string::npos) << event.detail();
    EXPECT_EQ(event.detail().find("order-db"), std::string::npos) << event.detail();
  }
  EXPECT_EQ(details, (std::multiset<std::string>{"", "UNAVAILABLE", "PAYMENT_DECLINED",
                                                 "PAYMENT_DECLINED"}));
}

}  // namespace
}  // namespace oms::order
