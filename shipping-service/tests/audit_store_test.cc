// AuditOrderFacts on a real PostgreSQL: pages cover every order's shipments once, in byte order
// whatever the database's collation, with their lines; every statement is served by an index.
#include "shipping-service/src/audit_store.h"

#include "common/pagination.h"
#include "common/testing/query_plan.h"
#include "shipping-service/tests/shipping_store_fixture.h"

namespace oms::shipping {
namespace {

TEST_F(ShippingStoreTest, AuditPagesCoverEveryOrderOnceInByteOrder) {
  // Ids whose byte order differs from a linguistic collation's (case, punctuation).
  for (const char* order_id : {"b-2", "B-1", "a-1", "A-0"}) ASSERT_EQ(Create(order_id).size(), 2u);
  std::vector<std::string> orders;
  AuditPage page{"", 3};
  int pages = 0;
  for (;;) {
    v1::AuditOrderFactsResponse response;
    ASSERT_TRUE(store_->AuditOrderFacts(page, &response).ok());
    ++pages;
    for (const auto& shipment : response.shipments()) {
      if (orders.empty() || orders.back() != shipment.order_id()) {
        orders.push_back(shipment.order_id());
      }
      EXPECT_EQ(shipment.kind(), "OUTBOUND");
      EXPECT_FALSE(shipment.shipped());
      EXPECT_FALSE(shipment.lines().empty());
    }
    if (response.page().next_page_token().empty()) break;
    EXPECT_EQ(response.page().last_order_id(), orders.back());
    page.after = *DecodePageToken(response.page().next_page_token());
  }
  EXPECT_EQ(orders, (std::vector<std::string>{"A-0", "B-1", "a-1", "b-2"}));
  EXPECT_EQ(pages, 2);
}

TEST_F(ShippingStoreTest, EveryAuditStatementIsServedByAnIndex) {
  testing::ExpectServedByIndexes(
      *pool_, AuditStatements(),
      {{"shipments_audit_bound", "'', 100"}, {"shipments_audit_facts", "'', 'zzz'"}});
}

}  // namespace
}  // namespace oms::shipping
