#include "common/migrations.h"

#include <future>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/testing/pg_test_database.h"

namespace oms {
namespace {

std::vector<Migration> Schema() {
  return {{1, "0001_widgets.sql", "CREATE TABLE widgets (id integer PRIMARY KEY);"},
          {2, "0002_widget_names.sql",
           "ALTER TABLE widgets ADD COLUMN name text; INSERT INTO widgets VALUES (1, 'first');"}};
}

long Count(const std::string& url, const std::string& sql) {
  pqxx::connection connection(url);
  pqxx::nontransaction tx(connection);
  return tx.exec1(sql)[0].as<long>();
}

TEST(MigrationsTest, AppliesEachMigrationOnceAndRecordsIt) {
  testing::PgTestDatabase db("migrate");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(ApplyMigrations(db.url(), Schema()).ok());
  ASSERT_TRUE(ApplyMigrations(db.url(), Schema()).ok());  // a second start is a no-op
  EXPECT_EQ(Count(db.url(), "SELECT count(*) FROM widgets"), 1);
  EXPECT_EQ(Count(db.url(), "SELECT count(*) FROM schema_migrations WHERE length(checksum) = 64"),
            2);
}

TEST(MigrationsTest, ConcurrentStartsApplyOnce) {
  testing::PgTestDatabase db("migrate_race");
  ASSERT_TRUE(db.ok());
  std::vector<std::future<absl::Status>> starts;
  for (int i = 0; i < 4; ++i) {
    starts.push_back(
        std::async(std::launch::async, [&db] { return ApplyMigrations(db.url(), Schema()); }));
  }
  for (auto& start : starts) EXPECT_TRUE(start.get().ok());
  EXPECT_EQ(Count(db.url(), "SELECT count(*) FROM widgets"), 1);
}

TEST(MigrationsTest, RefusesToStartWhenAnAppliedMigrationWasEdited) {
  testing::PgTestDatabase db("migrate_edit");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(ApplyMigrations(db.url(), Schema()).ok());
  auto edited = Schema();
  edited[0].sql = "CREATE TABLE widgets (id bigint PRIMARY KEY);";
  absl::Status status = ApplyMigrations(db.url(), edited);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("0001_widgets.sql"), absl::string_view::npos);
}

TEST(MigrationsTest, AFailingMigrationLeavesNothingHalfApplied) {
  testing::PgTestDatabase db("migrate_fail");
  ASSERT_TRUE(db.ok());
  auto broken = Schema();
  broken.push_back({3, "0003_broken.sql", "CREATE TABLE gadgets (id integer); SELECT nonsense;"});
  EXPECT_FALSE(ApplyMigrations(db.url(), broken).ok());
  EXPECT_EQ(Count(db.url(), "SELECT count(*) FROM schema_migrations"), 2);
  EXPECT_EQ(Count(db.url(), "SELECT count(*) FROM pg_tables WHERE tablename = 'gadgets'"), 0);
}

}  // namespace
}  // namespace oms
