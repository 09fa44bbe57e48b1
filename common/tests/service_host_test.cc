// What a service's database connections get from its HostConfig: the pool's sessions carry the
// statement and lock limits and TCP keepalives, and migrations, which may legitimately run
// longer than any request, are not cut by those limits.
#include "common/service_host.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pqxx/pqxx>
#include <sys/socket.h>

#include "common/testing/pg_test_database.h"

namespace oms {
namespace {

TEST(ServiceHostDatabaseTest, PoolSessionsGetTheLimitsAndMigrationsDoNot) {
  testing::PgTestDatabase db("host");
  ASSERT_TRUE(db.ok());
  HostConfig config;
  config.service_name = "host-test";
  config.database_url = db.url();
  config.db_pool_size = 1;
  config.statement_timeout = std::chrono::milliseconds(200);
  // A migration that runs longer than a request may.
  config.migrations = {{1, "0001_slow.sql", "SELECT pg_sleep(0.6); CREATE TABLE done (id int);"}};
  auto host = ServiceHost::Create(config);
  ASSERT_TRUE(host.ok()) << host.status();

  std::string statement_timeout;
  std::string lock_timeout;
  int keepalive = 0;
  int idle = 0;
  absl::Status status = (*host)->pool().InTransaction([&](pqxx::work& tx) {
    statement_timeout = tx.exec1("SHOW statement_timeout")[0].as<std::string>();
    lock_timeout = tx.exec1("SHOW lock_timeout")[0].as<std::string>();
    tx.exec1("SELECT count(*) FROM done");
    socklen_t size = sizeof(int);
    getsockopt(tx.conn().sock(), SOL_SOCKET, SO_KEEPALIVE, &keepalive, &size);
    getsockopt(tx.conn().sock(), IPPROTO_TCP, TCP_KEEPIDLE, &idle, &size);
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(statement_timeout, "200ms");
  EXPECT_EQ(lock_timeout, "10s");  // HostConfig's default
  EXPECT_EQ(keepalive, 1);
  EXPECT_EQ(idle, 30);  // PgKeepalive's default
}

}  // namespace
}  // namespace oms
