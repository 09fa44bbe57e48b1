#include "common/pg_pool.h"

#include <future>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/status.h"
#include "common/testing/pg_test_database.h"

namespace oms {
namespace {

class PgPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    pqxx::connection setup(db_.url());
    pqxx::nontransaction tx(setup);
    tx.exec("CREATE TABLE things (name text PRIMARY KEY, n integer NOT NULL CHECK (n >= 0))");
  }

  std::unique_ptr<PgPool> MakePool(std::size_t size) {
    PgPool::Options options;
    options.url = db_.url();
    options.size = size;
    options.acquire_timeout = std::chrono::milliseconds(300);
    options.statements = {{"things_insert", "INSERT INTO things (name, n) VALUES ($1, $2)"},
                          {"things_count", "SELECT count(*) FROM things"},
                          {"backend_pid", "SELECT pg_backend_pid()"}};
    auto pool = PgPool::Create(options, nullptr);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? std::move(*pool) : nullptr;
  }

  testing::PgTestDatabase db_{"pool"};
};

TEST_F(PgPoolTest, CommitsWorkThatSucceedsAndRollsBackWorkThatFails) {
  auto pool = MakePool(2);
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(pool->InTransaction([](pqxx::work& tx) {
                    tx.exec_prepared("things_insert", "a", 1);
                    return absl::OkStatus();
                  })
                  .ok());
  absl::Status refused = pool->InTransaction([](pqxx::work& tx) {
    tx.exec_prepared("things_insert", "b", 1);
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  long count = 0;
  ASSERT_TRUE(pool->InTransaction([&count](pqxx::work& tx) {
                    count = tx.exec_prepared1("things_count")[0].as<long>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(count, 1);
}

TEST_F(PgPoolTest, MapsConstraintViolationsToCanonicalCodes) {
  auto pool = MakePool(1);
  ASSERT_NE(pool, nullptr);
  auto insert = [&pool](const char* name, int n) {
    return pool->InTransaction([name, n](pqxx::work& tx) {
      tx.exec_prepared("things_insert", name, n);
      return absl::OkStatus();
    });
  };
  ASSERT_TRUE(insert("x", 1).ok());
  const absl::Status duplicate = insert("x", 1);
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  const absl::Status refused = insert("y", -1);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  // What the database said (the table, the constraint, the values) stays in the log: a caller
  // may hand the status on to a client.
  for (const absl::Status& status : {duplicate, refused}) {
    EXPECT_EQ(status.message().rfind("database error (SQLSTATE 23", 0), 0u) << status;
    for (const char* internal : {"things", "violates", "Key (", "\"x\""}) {
      EXPECT_EQ(status.message().find(internal), absl::string_view::npos) << status;
    }
  }
  EXPECT_TRUE(insert("z", 2).ok());  // the connection is still usable after errors
}

// Two transactions that lock two rows in opposite orders deadlock; the one PostgreSQL breaks is
// answered ABORTED (retry), not INTERNAL: libpqxx 6.4 throws it as a transaction_rollback, which
// is no sql_error.
TEST_F(PgPoolTest, ADeadlockIsAbortedForTheCallerToRetry) {
  auto pool = MakePool(2);
  ASSERT_NE(pool, nullptr);
  for (const char* name : {"p", "q"}) {
    ASSERT_TRUE(pool->InTransaction([name](pqxx::work& tx) {
                      tx.exec_prepared("things_insert", name, 1);
                      return absl::OkStatus();
                    })
                    .ok());
  }
  std::promise<void> first_locked_p, second_locked_q;
  auto first_has_p = first_locked_p.get_future().share();
  auto second_has_q = second_locked_q.get_future().share();
  const auto lock_both = [&](const char* mine, const char* theirs, std::promise<void>* locked,
                             std::shared_future<void> other_locked) {
    return pool->InTransaction([&, mine, theirs](pqxx::work& tx) {
      tx.exec_params("UPDATE things SET n = n + 1 WHERE name = $1", mine);
      locked->set_value();
      other_locked.wait();
      tx.exec_params("UPDATE things SET n = n + 1 WHERE name = $1", theirs);
      return absl::OkStatus();
    });
  };
  auto first = std::async(std::launch::async, lock_both, "p", "q", &first_locked_p, second_has_q);
  auto second = std::async(std::launch::async, lock_both, "q", "p", &second_locked_q, first_has_p);
  const absl::Status a = first.get();
  const absl::Status b = second.get();
  // Exactly one was broken; the other went through once the lock was freed.
  EXPECT_NE(a.ok(), b.ok()) << a << " / " << b;
  const absl::Status& broken = a.ok() ? b : a;
  EXPECT_EQ(broken.code(), absl::StatusCode::kAborted) << broken;
}

TEST_F(PgPoolTest, ReplacesAConnectionTheServerKilled) {
  auto pool = MakePool(1);
  ASSERT_NE(pool, nullptr);
  int pid = 0;
  ASSERT_TRUE(pool->InTransaction([&pid](pqxx::work& tx) {
                    pid = tx.exec_prepared1("backend_pid")[0].as<int>();
                    return absl::OkStatus();
                  })
                  .ok());
  {
    pqxx::connection admin(db_.url());
    pqxx::nontransaction tx(admin);
    tx.exec_params("SELECT pg_terminate_backend($1)", pid);
  }
  int new_pid = 0;
  absl::Status status = pool->InTransaction([&new_pid](pqxx::work& tx) {
    new_pid = tx.exec_prepared1("backend_pid")[0].as<int>();
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_NE(new_pid, pid);
}

TEST_F(PgPoolTest, AnAutocommitStatementCommitsByItselfAndMapsErrorsAlike) {
  auto pool = MakePool(1);
  ASSERT_NE(pool, nullptr);
  auto insert = [&pool](const char* name, int n) {
    return pool->Autocommit([name, n](pqxx::transaction_base& statement) {
      statement.exec_prepared("things_insert", name, n);
      return absl::OkStatus();
    });
  };
  ASSERT_TRUE(insert("a", 1).ok());
  EXPECT_EQ(insert("a", 1).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(insert("b", -1).code(), absl::StatusCode::kFailedPrecondition);
  // Committed without a COMMIT: another session sees it at once.
  pqxx::connection other(db_.url());
  pqxx::nontransaction read(other);
  EXPECT_EQ(read.exec1("SELECT count(*) FROM things")[0].as<long>(), 1);
  // No transaction block was open around it.
  bool in_block = true;
  ASSERT_TRUE(pool->Autocommit([&in_block](pqxx::transaction_base& statement) {
                    // now() is the statement's own start outside a block; inside one it would
                    // be the block's, equal to the transaction's.
                    in_block = statement
                                   .exec1(
                                       "SELECT pg_current_xact_id_if_assigned() IS NOT "
                                       "NULL OR now() <> statement_timestamp()")[0]
                                   .as<bool>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_FALSE(in_block);
}

TEST_F(PgPoolTest, AnAutocommitStatementOnAKilledConnectionIsUnavailableAndTheNextReconnects) {
  auto pool = MakePool(1);
  ASSERT_NE(pool, nullptr);
  int pid = 0;
  ASSERT_TRUE(pool->Autocommit([&pid](pqxx::transaction_base& statement) {
                    pid = statement.exec_prepared1("backend_pid")[0].as<int>();
                    return absl::OkStatus();
                  })
                  .ok());
  {
    pqxx::connection admin(db_.url());
    pqxx::nontransaction tx(admin);
    tx.exec_params("SELECT pg_terminate_backend($1)", pid);
  }
  int runs = 0;
  absl::Status lost = pool->Autocommit([&runs](pqxx::transaction_base& statement) {
    ++runs;
    statement.exec_prepared("things_insert", "maybe", 1);
    return absl::OkStatus();
  });
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable) << lost;
  EXPECT_EQ(runs, 1);  // never run twice: a write's outcome would be unknown
  int new_pid = 0;
  ASSERT_TRUE(pool->Autocommit([&new_pid](pqxx::transaction_base& statement) {
                    new_pid = statement.exec_prepared1("backend_pid")[0].as<int>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_NE(new_pid, pid);
}

TEST_F(PgPoolTest, AnExhaustedPoolAnswersUnavailableAfterTheAcquireTimeout) {
  auto pool = MakePool(1);
  ASSERT_NE(pool, nullptr);
  std::promise<void> holding;
  std::promise<void> release;
  auto holder = std::async(std::launch::async, [&] {
    return pool->InTransaction([&](pqxx::work&) {
      holding.set_value();
      release.get_future().wait();
      return absl::OkStatus();
    });
  });
  holding.get_future().wait();
  absl::Status starved = pool->InTransaction([](pqxx::work&) { return absl::OkStatus(); });
  EXPECT_EQ(starved.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(starved), "DB_POOL_EXHAUSTED");
  release.set_value();
  EXPECT_TRUE(holder.get().ok());
}

TEST_F(PgPoolTest, SessionsEndThatIdleTooLongInsideATransaction) {
  PgPool::Options options;
  options.url = db_.url();
  options.size = 1;
  options.idle_in_transaction_timeout = std::chrono::milliseconds(1500);
  auto pool = PgPool::Create(options, nullptr);
  ASSERT_TRUE(pool.ok()) << pool.status();
  std::string setting;
  ASSERT_TRUE((*pool)
                  ->InTransaction([&setting](pqxx::work& tx) {
                    setting =
                        tx.exec1("SHOW idle_in_transaction_session_timeout")[0].as<std::string>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(setting, "1500ms");
}

TEST(PgPoolCreateTest, FailsFastOnABadUrl) {
  PgPool::Options options;
  options.url = testing::WithDatabase(testing::TestPgUrl(), "no_such_database_here");
  auto pool = PgPool::Create(options, nullptr);
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace oms
