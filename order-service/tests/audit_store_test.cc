// PgAuditStore on a real PostgreSQL: pages of orders in id order (a uuid's byte order), each
// with its sagas, nothing twice; every statement is served by an index.
#include "order-service/src/audit_store.h"

#include <algorithm>

#include "common/pagination.h"
#include "common/testing/query_plan.h"
#include "order-service/tests/order_db_fixture.h"

namespace oms::order {
namespace {

class AuditStoreTest : public OrderDbTest {
 protected:
  AuditStoreTest() : OrderDbTest("order_audit") {}
};

TEST_F(AuditStoreTest, PagesCoverEveryOrderOnceWithItsSagas) {
  const std::string customer_id = Customer("audit@example.com").id();
  std::vector<std::string> placed;
  for (int i = 0; i < 5; ++i) {
    placed.push_back(Insert(Request(customer_id, "key-" + std::to_string(i))).order_id);
  }
  std::sort(placed.begin(), placed.end());
  PgAuditStore store(*pool_);
  std::vector<std::string> seen;
  AuditPage page{"", 2};
  int pages = 0;
  for (;;) {
    v1::AuditOrdersResponse response;
    ASSERT_TRUE(store.AuditOrders(page, &response).ok());
    ++pages;
    EXPECT_TRUE(response.findings().empty());
    for (const auto& order : response.orders()) {
      seen.push_back(order.id());
      EXPECT_EQ(order.status(), "PENDING");
      EXPECT_EQ(order.total_minor(), 100);
      ASSERT_EQ(order.sagas_size(), 1);
      EXPECT_EQ(order.sagas(0).kind(), "ORDER");
    }
    if (response.page().next_page_token().empty()) break;
    EXPECT_EQ(response.page().last_order_id(), seen.back());
    page.after = *DecodePageToken(response.page().next_page_token());
  }
  EXPECT_EQ(seen, placed);
  EXPECT_EQ(pages, 3);
}

TEST_F(AuditStoreTest, EveryAuditStatementIsServedByAnIndex) {
  const std::string first = "'00000000-0000-0000-0000-000000000000'";
  testing::ExpectServedByIndexes(
      *pool_, PgAuditStore::Statements(),
      {{"orders_audit_page", first + ", 100"},
       {"sagas_audit_page", first + ", 'ffffffff-ffff-ffff-ffff-ffffffffffff'"}});
}

}  // namespace
}  // namespace oms::order
