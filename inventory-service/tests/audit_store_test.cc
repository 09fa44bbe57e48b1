// AuditOrderFacts on a real PostgreSQL: pages cover every reservation's order once, in byte
// order whatever the database's collation, and every statement is served by an index.
#include "inventory-service/src/audit_store.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/migrations.h"
#include "common/pagination.h"
#include "common/pg_pool.h"
#include "common/testing/pg_test_database.h"
#include "common/testing/query_plan.h"
#include "inventory-service/src/reservation_use_cases.h"
#include "inventory-service/src/schema.h"
#include "inventory-service/src/statements.h"

namespace oms::inventory {
namespace {

class InventoryAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    ASSERT_TRUE(ApplyMigrations(db_.url(), Migrations()).ok());
    auto pool =
        PgPool::Create({db_.url(), 2, std::chrono::seconds(10), InventoryStatements()}, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    store_ = std::make_unique<PgReservationUseCases>(*pool_);
  }

  testing::PgTestDatabase db_{"inventory_audit"};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgReservationUseCases> store_;
};

TEST_F(InventoryAuditTest, PagesCoverEveryOrderOnceInByteOrder) {
  // Ids whose byte order differs from a linguistic collation's (case, punctuation).
  ASSERT_TRUE(pool_
                  ->InTransaction([](pqxx::work& tx) {
                    for (const char* id : {"b-2", "B-1", "a-1", "_z", "A-0"}) {
                      tx.exec_params("INSERT INTO reservations (order_id, state) VALUES ($1, $2)",
                                     id, "RELEASED");
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  std::vector<std::string> seen;
  AuditPage page{"", 2};
  int pages = 0;
  for (;;) {
    v1::AuditOrderFactsResponse response;
    ASSERT_TRUE(store_->AuditOrderFacts(page, &response).ok());
    ++pages;
    for (const auto& reservation : response.reservations()) {
      seen.push_back(reservation.order_id());
      EXPECT_EQ(reservation.state(), "RELEASED");
    }
    if (!response.reservations().empty()) {
      EXPECT_EQ(response.page().last_order_id(), seen.back());
    }
    if (response.page().next_page_token().empty()) break;
    page.after = *DecodePageToken(response.page().next_page_token());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"A-0", "B-1", "_z", "a-1", "b-2"}));
  EXPECT_EQ(pages, 3);
}

TEST_F(InventoryAuditTest, EveryAuditStatementIsServedByAnIndex) {
  testing::ExpectServedByIndexes(
      *pool_, AuditStatements(),
      {{"reservations_audit_bound", "'', 100"}, {"reservations_audit_facts", "'', 'zzz'"}});
}

}  // namespace
}  // namespace oms::inventory
