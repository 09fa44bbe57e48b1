// What a pooled connection's session carries: statement, lock and idle-in-transaction limits as
// configured (SHOW), each enforced; and the keepalives of its URL on its socket.
#include <future>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pqxx/pqxx>
#include <sys/socket.h>

#include "common/pg_pool.h"
#include "common/testing/pg_test_database.h"

namespace oms {
namespace {

class PgSessionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(db_.ok()); }

  std::unique_ptr<PgPool> MakePool(PgPool::Options options) {
    options.url = options.url.empty() ? db_.url() : options.url;
    options.size = 1;
    auto pool = PgPool::Create(options, nullptr);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? std::move(*pool) : nullptr;
  }

  static std::string Show(PgPool& pool, const std::string& setting) {
    std::string value;
    absl::Status status = pool.InTransaction([&](pqxx::work& tx) {
      value = tx.exec1("SHOW " + setting)[0].as<std::string>();
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return value;
  }

  testing::PgTestDatabase db_{"session"};
};

TEST_F(PgSessionTest, APooledSessionCarriesItsStatementAndLockLimits) {
  PgPool::Options options;
  options.statement_timeout = std::chrono::milliseconds(1500);
  options.lock_timeout = std::chrono::milliseconds(700);
  options.idle_in_transaction_timeout = std::chrono::milliseconds(2500);
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(Show(*pool, "statement_timeout"), "1500ms");
  EXPECT_EQ(Show(*pool, "lock_timeout"), "700ms");
  EXPECT_EQ(Show(*pool, "idle_in_transaction_session_timeout"), "2500ms");
}

TEST_F(PgSessionTest, ALongStatementIsCancelledAndALockWaitGivesUp) {
  PgPool::Options options;
  options.statement_timeout = std::chrono::milliseconds(300);
  options.lock_timeout = std::chrono::milliseconds(200);
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  absl::Status slow = pool->InTransaction([](pqxx::work& tx) {
    tx.exec("SELECT pg_sleep(10)");
    return absl::OkStatus();
  });
  EXPECT_EQ(slow.code(), absl::StatusCode::kDeadlineExceeded) << slow;

  pqxx::connection other(db_.url());
  {
    pqxx::nontransaction setup(other);
    setup.exec("CREATE TABLE things (id integer PRIMARY KEY)");
    setup.exec("INSERT INTO things VALUES (1)");
  }
  pqxx::work holding(other);
  holding.exec("SELECT id FROM things WHERE id = 1 FOR UPDATE");
  auto blocked = std::async(std::launch::async, [&pool] {
    return pool->InTransaction([](pqxx::work& tx) {
      tx.exec("UPDATE things SET id = 1 WHERE id = 1");
      return absl::OkStatus();
    });
  });
  // Without a lock timeout the update would wait for the holder for ever: give up on it.
  const bool gave_up = blocked.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  holding.abort();
  EXPECT_TRUE(gave_up);
  EXPECT_EQ(blocked.get().code(), absl::StatusCode::kAborted);
}

TEST_F(PgSessionTest, WithoutLimitsTheServersSettingsStay) {
  auto pool = MakePool({});
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(Show(*pool, "statement_timeout"), "0");
  EXPECT_EQ(Show(*pool, "lock_timeout"), "0");
}

TEST_F(PgSessionTest, AConnectionOpenedWithKeepalivesProbesItsSocket) {
  PgPool::Options options;
  options.url = WithKeepalives(db_.url(), {std::chrono::seconds(17), std::chrono::seconds(4), 5});
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  int keepalive = 0;
  int idle = 0;
  int interval = 0;
  int count = 0;
  ASSERT_TRUE(pool->InTransaction([&](pqxx::work& tx) {
                    const int socket = tx.conn().sock();
                    socklen_t size = sizeof(int);
                    getsockopt(socket, SOL_SOCKET, SO_KEEPALIVE, &keepalive, &size);
                    getsockopt(socket, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &size);
                    getsockopt(socket, IPPROTO_TCP, TCP_KEEPINTVL, &interval, &size);
                    getsockopt(socket, IPPROTO_TCP, TCP_KEEPCNT, &count, &size);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(keepalive, 1);
  EXPECT_EQ(idle, 17);
  EXPECT_EQ(interval, 4);
  EXPECT_EQ(count, 5);
}

}  // namespace
}  // namespace oms
