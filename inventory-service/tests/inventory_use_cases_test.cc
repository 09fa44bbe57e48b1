// The catalog, warehouse and stock use cases against a real PostgreSQL: every catalog, warehouse
// and stock statement, the stock bounds, idempotency and the ledger.
#include "inventory-service/src/inventory_use_cases.h"

#include <future>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/pagination.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "common/testing/pg_test_database.h"
#include "common/testing/query_plan.h"
#include "inventory-service/src/catalog_store.h"
#include "inventory-service/src/schema.h"
#include "inventory-service/src/statements.h"

namespace oms::inventory {
namespace {

class InventoryUseCasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    ASSERT_TRUE(ApplyMigrations(db_.url(), Migrations()).ok());
    auto pool =
        PgPool::Create({db_.url(), 8, std::chrono::seconds(5), InventoryStatements()}, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    store_ = std::make_unique<PgInventoryUseCases>(*pool_);
  }

  v1::Product MakeProduct(const std::string& sku, bool active = true,
                          v1::BackorderPolicy policy = v1::BACKORDER_POLICY_UNSPECIFIED) {
    v1::Product product;
    product.set_sku(sku);
    product.set_name("Product " + sku);
    product.mutable_unit_price()->set_currency("EUR");
    product.mutable_unit_price()->set_amount_minor(1000);
    product.set_active(active);
    product.set_backorder_policy(policy);
    v1::Product created;
    absl::Status status = store_->CreateProduct(product, &created);
    EXPECT_TRUE(status.ok()) << status;
    return created;
  }

  v1::Warehouse MakeWarehouse(const std::string& code, bool active = true) {
    v1::Warehouse warehouse;
    warehouse.set_code(code);
    warehouse.set_name("Warehouse " + code);
    warehouse.mutable_address()->set_line1("1 Dock Road");
    warehouse.mutable_address()->set_city("Hamburg");
    warehouse.mutable_address()->set_country("DE");
    warehouse.set_region("eu-central");
    warehouse.mutable_location()->set_latitude(53.55);
    warehouse.mutable_location()->set_longitude(9.99);
    warehouse.set_active(active);
    v1::Warehouse created;
    absl::Status status = store_->CreateWarehouse(warehouse, &created);
    EXPECT_TRUE(status.ok()) << status;
    return created;
  }

  absl::StatusOr<v1::AdjustStockResponse> Adjust(const std::string& request_id,
                                                 const v1::Warehouse& warehouse,
                                                 const std::string& sku, long long delta,
                                                 Outcome* outcome_out = nullptr) {
    v1::AdjustStockRequest request;
    request.set_request_id(request_id);
    request.set_warehouse_id(warehouse.id());
    request.set_sku(sku);
    request.set_delta(delta);
    request.set_reason(delta > 0 ? v1::ADJUSTMENT_REASON_RECEIPT
                                 : v1::ADJUSTMENT_REASON_CORRECTION);
    v1::AdjustStockResponse response;
    Outcome outcome;
    absl::Status status = store_->AdjustStock(request, &response, &outcome);
    if (outcome_out != nullptr) *outcome_out = outcome;
    if (!status.ok()) return status;
    return response;
  }

  long long Query(const std::string& sql) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    return tx.exec1(sql)[0].as<long long>();
  }

  testing::PgTestDatabase db_{"inventory"};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgInventoryUseCases> store_;
};

TEST_F(InventoryUseCasesTest, ProductsAreCreatedReadAndRefusedTwice) {
  v1::Product created = MakeProduct("SKU-1");
  EXPECT_TRUE(created.active());
  EXPECT_GT(created.create_time().seconds(), 0);
  v1::Product read;
  ASSERT_TRUE(store_->GetProduct("SKU-1", &read).ok());
  EXPECT_EQ(read.name(), "Product SKU-1");
  EXPECT_EQ(read.unit_price().amount_minor(), 1000);
  EXPECT_FALSE(read.has_unit_cost());

  v1::Product duplicate;
  absl::Status status = store_->CreateProduct(created, &duplicate);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(status), "PRODUCT_EXISTS");
  EXPECT_EQ(store_->GetProduct("NOPE", &read).code(), absl::StatusCode::kNotFound);
}

TEST_F(InventoryUseCasesTest, BatchGetReturnsTheKnownProductsInTheOrderAsked) {
  MakeProduct("SKU-1");
  MakeProduct("SKU-2", /*active=*/false);
  v1::BatchGetProductsResponse batch;
  ASSERT_TRUE(store_->BatchGetProducts({"SKU-2", "NOPE", "SKU-1"}, &batch).ok());
  ASSERT_EQ(batch.products_size(), 2);
  EXPECT_EQ(batch.products(0).sku(), "SKU-2");
  EXPECT_FALSE(batch.products(0).active());
  EXPECT_EQ(batch.products(1).sku(), "SKU-1");
}

TEST_F(InventoryUseCasesTest, UpdateWritesOnlyTheGivenFields) {
  MakeProduct("SKU-1");
  v1::Product change;
  change.set_sku("SKU-1");
  change.set_name("Renamed");
  change.set_description("ignored: not in the field set");
  change.mutable_unit_cost()->set_currency("EUR");
  change.mutable_unit_cost()->set_amount_minor(400);
  v1::Product updated;
  ASSERT_TRUE(store_->UpdateProduct(change, {"name", "unit_cost"}, &updated).ok());
  EXPECT_EQ(updated.name(), "Renamed");
  EXPECT_EQ(updated.description(), "");
  EXPECT_EQ(updated.unit_cost().amount_minor(), 400);
  EXPECT_EQ(updated.unit_price().amount_minor(), 1000);
  EXPECT_TRUE(updated.active());

  v1::Product deactivate;
  deactivate.set_sku("SKU-1");
  deactivate.set_active(false);
  ASSERT_TRUE(store_->UpdateProduct(deactivate, {"active", "unit_cost"}, &updated).ok());
  EXPECT_FALSE(updated.active());
  EXPECT_FALSE(updated.has_unit_cost());  // cleared: written without a value

  deactivate.set_sku("NOPE");
  EXPECT_EQ(store_->UpdateProduct(deactivate, {"active"}, &updated).code(),
            absl::StatusCode::kNotFound);
}

// REJECT unless said otherwise; written by a create and by an update that names it, kept by one
// that does not; answered by every read.
TEST_F(InventoryUseCasesTest, ABackorderPolicyIsStoredUpdatedAndReadBack) {
  EXPECT_EQ(MakeProduct("SKU-1").backorder_policy(), v1::BACKORDER_POLICY_REJECT);
  EXPECT_EQ(
      MakeProduct("SKU-2", /*active=*/true, v1::BACKORDER_POLICY_SHIP_AVAILABLE).backorder_policy(),
      v1::BACKORDER_POLICY_SHIP_AVAILABLE);

  v1::Product change;
  change.set_sku("SKU-1");
  change.set_name("not written");
  change.set_backorder_policy(v1::BACKORDER_POLICY_BACKORDER);
  v1::Product updated;
  ASSERT_TRUE(store_->UpdateProduct(change, {"backorder_policy"}, &updated).ok());
  EXPECT_EQ(updated.backorder_policy(), v1::BACKORDER_POLICY_BACKORDER);
  EXPECT_EQ(updated.name(), "Product SKU-1");
  change.clear_backorder_policy();
  ASSERT_TRUE(store_->UpdateProduct(change, {"name"}, &updated).ok());
  EXPECT_EQ(updated.name(), "not written");
  EXPECT_EQ(updated.backorder_policy(), v1::BACKORDER_POLICY_BACKORDER);
  change.set_sku("SKU-2");
  ASSERT_TRUE(store_->UpdateProduct(change, {"backorder_policy"}, &updated).ok());
  EXPECT_EQ(updated.backorder_policy(), v1::BACKORDER_POLICY_REJECT);  // unset: REJECT

  v1::Product read;
  ASSERT_TRUE(store_->GetProduct("SKU-1", &read).ok());
  EXPECT_EQ(read.backorder_policy(), v1::BACKORDER_POLICY_BACKORDER);
  v1::BatchGetProductsResponse batch;
  ASSERT_TRUE(store_->BatchGetProducts({"SKU-2", "SKU-1"}, &batch).ok());
  ASSERT_EQ(batch.products_size(), 2);
  EXPECT_EQ(batch.products(0).backorder_policy(), v1::BACKORDER_POLICY_REJECT);
  EXPECT_EQ(batch.products(1).backorder_policy(), v1::BACKORDER_POLICY_BACKORDER);
  v1::ListProductsResponse list;
  ASSERT_TRUE(store_->ListProducts({"", 50}, /*active_only=*/false, &list).ok());
  ASSERT_EQ(list.products_size(), 2);
  EXPECT_EQ(list.products(0).backorder_policy(), v1::BACKORDER_POLICY_BACKORDER);
  EXPECT_EQ(list.products(1).backorder_policy(), v1::BACKORDER_POLICY_REJECT);
}

TEST_F(InventoryUseCasesTest, TheCatalogStatementsAreServedByIndexes) {
  testing::ExpectServedByIndexes(
      *pool_, CatalogStatements(),
      {{"products_get", "'SKU-1'"},
       {"products_batch_get", "'{SKU-1,SKU-2}'"},
       {"products_update",
        "'SKU-1', false, '', false, '', false, 'EUR', 0, false, '', 0, false, 0, false, '', "
        "false, true, true, 'BACKORDER'"},
       {"products_list", "'', false, 51"}});
}

TEST_F(InventoryUseCasesTest, ListsProductsPageByPage) {
  for (const char* sku : {"A-1", "B-1", "C-1", "D-1", "E-1"}) MakeProduct(sku);
  MakeProduct("C-2", /*active=*/false);
  std::vector<std::string> seen;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    v1::ListProductsResponse page;
    ASSERT_TRUE(store_->ListProducts({after, 2}, /*active_only=*/true, &page).ok());
    for (const auto& product : page.products()) seen.push_back(product.sku());
    if (page.next_page_token().empty()) break;
    after = *DecodePageToken(page.next_page_token());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"A-1", "B-1", "C-1", "D-1", "E-1"}));
  v1::ListProductsResponse all;
  ASSERT_TRUE(store_->ListProducts({"", 50}, /*active_only=*/false, &all).ok());
  EXPECT_EQ(all.products_size(), 6);
  EXPECT_TRUE(all.next_page_token().empty());
}

TEST_F(InventoryUseCasesTest, WarehousesAreCreatedListedAndUniqueByCode) {
  v1::Warehouse created = MakeWarehouse("HAM-1");
  EXPECT_EQ(created.id().size(), 36u);
  EXPECT_DOUBLE_EQ(created.location().latitude(), 53.55);
  EXPECT_EQ(created.address().country(), "DE");
  MakeWarehouse("BER-1");
  MakeWarehouse("MUC-1");
  v1::Warehouse duplicate;
  EXPECT_EQ(store_->CreateWarehouse(created, &duplicate).code(), absl::StatusCode::kAlreadyExists);

  v1::ListWarehousesResponse first;
  ASSERT_TRUE(store_->ListWarehouses({"", 2}, &first).ok());
  ASSERT_EQ(first.warehouses_size(), 2);
  EXPECT_EQ(first.warehouses(0).code(), "BER-1");
  v1::ListWarehousesResponse second;
  ASSERT_TRUE(store_->ListWarehouses({*DecodePageToken(first.next_page_token()), 2}, &second).ok());
  ASSERT_EQ(second.warehouses_size(), 1);
  EXPECT_EQ(second.warehouses(0).code(), "MUC-1");
  EXPECT_TRUE(second.next_page_token().empty());
}

TEST_F(InventoryUseCasesTest, AdjustmentsMoveTheLevelAndNeverBelowZeroOrReserved) {
  MakeProduct("SKU-1");
  v1::Warehouse warehouse = MakeWarehouse("HAM-1");
  auto received = Adjust("r1", warehouse, "SKU-1", 10);
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(received->level().on_hand(), 10);
  EXPECT_EQ(received->level().available(), 10);
  EXPECT_EQ(received->level().warehouse_code(), "HAM-1");

  auto corrected = Adjust("r2", warehouse, "SKU-1", -4);
  ASSERT_TRUE(corrected.ok()) << corrected.status();
  EXPECT_EQ(corrected->level().on_hand(), 6);

  auto too_much = Adjust("r3", warehouse, "SKU-1", -7);
  EXPECT_EQ(too_much.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(too_much.status()), "STOCK_BELOW_ZERO");

  v1::Warehouse empty = MakeWarehouse("BER-1");
  EXPECT_EQ(ReasonOf(Adjust("r4", empty, "SKU-1", -1).status()), "STOCK_BELOW_ZERO");

  // Stock held for orders cannot be corrected away.
  Query("UPDATE stock_levels SET reserved = 5 WHERE sku = 'SKU-1' RETURNING 1");
  EXPECT_EQ(ReasonOf(Adjust("r5", warehouse, "SKU-1", -2).status()), "STOCK_BELOW_ZERO");
  EXPECT_TRUE(Adjust("r6", warehouse, "SKU-1", -1).ok());

  EXPECT_EQ(Query("SELECT on_hand FROM stock_levels WHERE sku = 'SKU-1'"), 5);
  // The ledger holds exactly the applied adjustments and sums to the level.
  EXPECT_EQ(Query("SELECT count(*) FROM stock_movements"), 3);
  EXPECT_EQ(Query("SELECT sum(on_hand_delta) FROM stock_movements WHERE sku = 'SKU-1'"), 5);
}

TEST_F(InventoryUseCasesTest, AdjustmentsOfUnknownThingsAreNotFound) {
  MakeProduct("SKU-1");
  v1::Warehouse warehouse = MakeWarehouse("HAM-1");
  auto unknown_sku = Adjust("r1", warehouse, "NOPE", 1);
  EXPECT_EQ(unknown_sku.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(unknown_sku.status().message().find("sku"), absl::string_view::npos);
  v1::Warehouse ghost = warehouse;
  ghost.set_id("00000000-0000-4000-8000-000000000000");
  auto unknown_warehouse = Adjust("r2", ghost, "SKU-1", 1);
  EXPECT_EQ(unknown_warehouse.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(unknown_warehouse.status().message().find("warehouse_id"), absl::string_view::npos);
  // Both refusals are remembered as the answers to their request ids, and nothing else is kept.
  EXPECT_EQ(Query("SELECT count(*) FROM request_results WHERE refusal_code = 5"), 2);
  EXPECT_EQ(Query("SELECT count(*) FROM request_results WHERE response IS NOT NULL"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM stock_levels"), 0);
}

TEST_F(InventoryUseCasesTest, ARepeatedAdjustmentAppliesOnce) {
  MakeProduct("SKU-1");
  v1::Warehouse warehouse = MakeWarehouse("HAM-1");
  auto first = Adjust("same-id", warehouse, "SKU-1", 10);
  ASSERT_TRUE(first.ok());
  Outcome applied;
  ASSERT_TRUE(Adjust("other", warehouse, "SKU-1", 1, &applied).ok());
  EXPECT_FALSE(applied.replayed);
  EXPECT_EQ(applied.movements, 1);
  auto again = Adjust("same-id", warehouse, "SKU-1", 10);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->movement_id(), first->movement_id());
  EXPECT_EQ(again->level().on_hand(), 10);  // the first answer, replayed
  EXPECT_EQ(Query("SELECT on_hand FROM stock_levels"), 11);

  // A repeat says it was one, and that it wrote nothing.
  Outcome repeated;
  ASSERT_TRUE(Adjust("other", warehouse, "SKU-1", 1, &repeated).ok());
  EXPECT_TRUE(repeated.replayed);
  EXPECT_EQ(repeated.movements, 0);

  auto changed = Adjust("same-id", warehouse, "SKU-1", 20);
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(changed.status()), "IDEMPOTENCY_KEY_REUSED");
}

TEST_F(InventoryUseCasesTest, ConcurrentDuplicatesApplyOnce) {
  MakeProduct("SKU-1");
  v1::Warehouse warehouse = MakeWarehouse("HAM-1");
  std::vector<std::future<absl::StatusOr<v1::AdjustStockResponse>>> calls;
  for (int i = 0; i < 8; ++i) {
    calls.push_back(
        std::async(std::launch::async, [&] { return Adjust("dup", warehouse, "SKU-1", 3); }));
  }
  std::set<long long> movement_ids;
  for (auto& call : calls) {
    auto result = call.get();
    ASSERT_TRUE(result.ok()) << result.status();
    movement_ids.insert(result->movement_id());
  }
  EXPECT_EQ(movement_ids.size(), 1u);
  EXPECT_EQ(Query("SELECT on_hand FROM stock_levels"), 3);
  EXPECT_EQ(Query("SELECT count(*) FROM stock_movements"), 1);
}

TEST_F(InventoryUseCasesTest, AvailabilityListsEveryActiveWarehouse) {
  MakeProduct("SKU-1");
  v1::Warehouse hamburg = MakeWarehouse("HAM-1");
  MakeWarehouse("BER-1");
  v1::Warehouse closed = MakeWarehouse("OLD-1", /*active=*/false);
  ASSERT_TRUE(Adjust("r1", hamburg, "SKU-1", 7).ok());
  ASSERT_TRUE(Adjust("r2", closed, "SKU-1", 100).ok());
  Query("UPDATE stock_levels SET reserved = 2 WHERE warehouse_id = '" + hamburg.id() +
        "' RETURNING 1");

  v1::GetAvailabilityResponse availability;
  ASSERT_TRUE(store_->GetAvailability("SKU-1", &availability).ok());
  ASSERT_EQ(availability.levels_size(), 2);
  EXPECT_EQ(availability.levels(0).warehouse_code(), "BER-1");
  EXPECT_EQ(availability.levels(0).on_hand(), 0);
  EXPECT_EQ(availability.levels(1).warehouse_code(), "HAM-1");
  EXPECT_EQ(availability.levels(1).on_hand(), 7);
  EXPECT_EQ(availability.levels(1).reserved(), 2);
  EXPECT_EQ(availability.levels(1).available(), 5);
  EXPECT_EQ(availability.total_available(), 5);

  v1::GetAvailabilityResponse unknown;
  EXPECT_EQ(store_->GetAvailability("NOPE", &unknown).code(), absl::StatusCode::kNotFound);
}

// The policy column comes with a constant default: products made before it read REJECT, what
// every order did with them, and the table keeps its file (no rewrite).
TEST(InventoryMigrationsTest, ThePolicyColumnKeepsExistingProductsRejectWithoutARewrite) {
  constexpr int kPolicyMigration = 6;
  testing::PgTestDatabase db("inventory_migrations");
  ASSERT_TRUE(db.ok());
  std::vector<Migration> before;
  for (const auto& migration : Migrations()) {
    if (migration.version < kPolicyMigration) before.push_back(migration);
  }
  ASSERT_TRUE(ApplyMigrations(db.url(), before).ok());
  pqxx::connection connection(db.url());
  pqxx::nontransaction tx(connection);
  tx.exec(
      "INSERT INTO products (sku, name, price_currency, price_minor) "
      "VALUES ('OLD-1', 'Old', 'EUR', 100)");
  const std::string file = tx.exec1("SELECT pg_relation_filenode('products')")[0].c_str();

  ASSERT_TRUE(ApplyMigrations(db.url(), Migrations()).ok());
  EXPECT_EQ(tx.exec1("SELECT pg_relation_filenode('products')")[0].c_str(), file);
  EXPECT_EQ(tx.exec1("SELECT backorder_policy FROM products")[0].as<std::string>(), "REJECT");
  EXPECT_THROW(tx.exec("UPDATE products SET backorder_policy = 'MAYBE'"), pqxx::check_violation);
}

TEST_F(InventoryUseCasesTest, TheLedgerIsAppendOnly) {
  MakeProduct("SKU-1");
  ASSERT_TRUE(Adjust("r1", MakeWarehouse("HAM-1"), "SKU-1", 1).ok());
  EXPECT_THROW(Query("UPDATE stock_movements SET on_hand_delta = 100 RETURNING 1"),
               pqxx::sql_error);
  EXPECT_THROW(Query("DELETE FROM stock_movements RETURNING 1"), pqxx::sql_error);
}

}  // namespace
}  // namespace oms::inventory
