// RunOnce against a real PostgreSQL: a refusal is kept as the answer to its request id while the
// effect's writes are undone, a concurrent repeat gets the same answer, a transient failure keeps
// nothing, and the caller's deadline stops work that would start, run or commit after it.
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/idempotency.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "common/testing/pg_test_database.h"
#include "google/rpc/error_details.pb.h"

namespace oms {
namespace {

constexpr char kDetailTypeUrl[] = "type.googleapis.com/test.Shortfall";

class RunOnceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    {
      pqxx::connection setup(db_.url());
      pqxx::nontransaction tx(setup);
      // As the services' migrations make it (0001, then the refusal columns).
      tx.exec(
          "CREATE TABLE request_results (request_id text PRIMARY KEY, method text NOT NULL, "
          "request_hash text NOT NULL, response bytea, "
          "created_at timestamptz NOT NULL DEFAULT now(), refusal_code integer, "
          "refusal_message text, refusal_details bytea, "
          "CHECK (refusal_code IS NULL OR (refusal_code > 0 AND response IS NULL)))");
      tx.exec("CREATE TABLE effects (note text PRIMARY KEY)");
    }
    pool_ = MakePool(std::chrono::milliseconds(0));
    ASSERT_NE(pool_, nullptr);
  }

  // A pool of `size` sessions that carry `statement_timeout` (0: none).
  std::unique_ptr<PgPool> MakePool(std::chrono::milliseconds statement_timeout, int size = 2) {
    PgPool::Options options;
    options.url = db_.url();
    options.size = size;
    options.statement_timeout = statement_timeout;
    options.statements = IdempotencyStatements();
    options.statements.push_back({"effects_insert", "INSERT INTO effects (note) VALUES ($1)"});
    options.statements.push_back({"sleep", "SELECT pg_sleep($1)"});
    options.statements.push_back(
        {"bound_ms",
         "SELECT (extract(epoch FROM current_setting('statement_timeout')::interval) * 1000)"
         "::bigint AS ms"});
    auto pool = PgPool::Create(options, nullptr);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? std::move(*pool) : nullptr;
  }

  // The statement_timeout, in ms, that the work of a call under `deadline` runs with.
  int64_t BoundOfACallUntil(absl::Time deadline) {
    CallDeadlineScope scope(deadline);
    int64_t bound = -1;
    const std::string id = "bound-" + std::to_string(++bounds_read_);
    EXPECT_TRUE(Run(id, id, [&](pqxx::work& tx) {
                  bound = tx.exec_prepared1("bound_ms")["ms"].as<int64_t>();
                  return absl::OkStatus();
                }).ok());
    return bound;
  }

  // RunOnce of the request `note` under `request_id` in a transaction of its own; the effect
  // writes `note` to `effects`, runs `more` and answers with its status (and the response
  // "done:<note>").
  absl::Status Run(const std::string& request_id, const std::string& note,
                   const std::function<absl::Status(pqxx::work&)>& more,
                   google::rpc::ErrorInfo* out = nullptr, bool* replayed = nullptr) {
    google::rpc::ErrorInfo request;
    request.set_reason(note);
    google::rpc::ErrorInfo response;
    absl::Status status = pool_->InTransaction([&](pqxx::work& tx) {
      return RunOnce(
          tx, request_id, "Test", request, &response,
          [&] {
            ++effects_run_;
            tx.exec_prepared("effects_insert", note);
            response.set_domain("done:" + note);
            return more(tx);
          },
          replayed);
    });
    if (out != nullptr) *out = response;
    return status;
  }

  long long Query(const std::string& sql) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    return tx.exec1(sql)[0].as<long long>();
  }

  testing::PgTestDatabase db_{"run_once"};
  std::unique_ptr<PgPool> pool_;
  std::atomic<int> effects_run_ = 0;
  int bounds_read_ = 0;
};

absl::Status NoStock() {
  absl::Status refusal =
      WithReason(absl::StatusCode::kFailedPrecondition, "INSUFFICIENT_STOCK", "no stock left");
  refusal.SetPayload(kDetailTypeUrl, absl::Cord("3 short"));
  return refusal;
}

TEST_F(RunOnceTest, ARefusalIsTheAnswerToItsRequestIdAndItsWritesAreUndone) {
  bool replayed = true;
  absl::Status first = Run(
      "r1", "first", [](pqxx::work&) { return NoStock(); }, nullptr, &replayed);
  EXPECT_EQ(first, NoStock());
  EXPECT_FALSE(replayed);
  EXPECT_EQ(Query("SELECT count(*) FROM effects"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM request_results WHERE refusal_code = 9 AND response IS "
                  "NULL AND refusal_message = 'no stock left'"),
            1);

  // The world changed (the effect would succeed now): the repeat still gets the refusal, with
  // its reason and details, and runs nothing.
  absl::Status again = Run(
      "r1", "first", [](pqxx::work&) { return absl::OkStatus(); }, nullptr, &replayed);
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.message(), "no stock left");
  EXPECT_EQ(ReasonOf(again), "INSUFFICIENT_STOCK");
  EXPECT_EQ(again.GetPayload(kDetailTypeUrl), absl::Cord("3 short"));
  EXPECT_TRUE(replayed);
  EXPECT_EQ(effects_run_, 1);
  EXPECT_EQ(Query("SELECT count(*) FROM effects"), 0);

  // The same id for another request is still told so.
  EXPECT_EQ(ReasonOf(Run("r1", "other", [](pqxx::work&) { return absl::OkStatus(); })),
            "IDEMPOTENCY_KEY_REUSED");
}

TEST_F(RunOnceTest, ARefusalAfterAFailedStatementIsRememberedToo) {
  ASSERT_TRUE(Run("r0", "taken", [](pqxx::work&) { return absl::OkStatus(); }).ok());
  // The effect's failed statement aborted the transaction; the refusal is kept all the same.
  auto duplicate = [](pqxx::work& tx) -> absl::Status {
    try {
      tx.exec_prepared("effects_insert", "taken");
    } catch (const pqxx::unique_violation&) {
      return absl::AlreadyExistsError("taken already");
    }
    return absl::OkStatus();
  };
  EXPECT_EQ(Run("r1", "fresh", duplicate).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Query("SELECT count(*) FROM effects"), 1);
  EXPECT_EQ(Query("SELECT count(*) FROM request_results WHERE refusal_code = 6"), 1);
  EXPECT_EQ(Run("r1", "fresh", duplicate).message(), "taken already");
  EXPECT_EQ(effects_run_, 2);
}

// The refused call's transaction is rolled back before its refusal is kept, so a repeat waiting
// on its claim may claim the id in between. Whichever answer is kept is the id's: the refusal,
// which both callers get; or the repeat's response, which the refused caller is told to ask for
// again (ABORTED, retried) and then gets. The effect took place exactly when that answer is OK.
TEST_F(RunOnceTest, AConcurrentRepeatOfARefusedRequestGetsTheSameAnswer) {
  for (int round = 0; round < 5; ++round) {
    const std::string id = absl::StrCat("race-", round);
    std::promise<void> first_running;
    std::promise<void> repeat_waiting;
    google::rpc::ErrorInfo repeat_out;
    bool first_replayed = false, repeat_replayed = false;
    absl::Status first_status, repeat_status;
    std::thread first([&] {
      first_status = Run(
          id, id,
          [&](pqxx::work&) {
            first_running.set_value();
            repeat_waiting.get_future().wait();
            return NoStock();
          },
          nullptr, &first_replayed);
    });
    first_running.get_future().wait();
    // The world changed since: the repeat's effect would succeed.
    std::thread repeat([&] {
      repeat_status = Run(
          id, id, [](pqxx::work&) { return absl::OkStatus(); }, &repeat_out, &repeat_replayed);
    });
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (Query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                 "AND datname = current_database()") == 0 &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    repeat_waiting.set_value();
    first.join();
    repeat.join();

    const std::string effects =
        absl::StrCat("SELECT count(*) FROM effects WHERE note = '", id, "'");
    const std::string answers =
        absl::StrCat("SELECT count(*) FROM request_results WHERE request_id = '", id, "'");
    if (repeat_status.ok()) {
      EXPECT_FALSE(repeat_replayed) << round;
      EXPECT_EQ(repeat_out.domain(), "done:" + id);
      EXPECT_EQ(first_status.code(), absl::StatusCode::kAborted) << first_status;
      EXPECT_EQ(Query(effects), 1) << round;
      EXPECT_EQ(Query(answers + " AND response IS NOT NULL"), 1) << round;
      // Asked again, the refused caller gets the response and runs nothing.
      google::rpc::ErrorInfo again;
      bool replayed = false;
      EXPECT_TRUE(Run(
                      id, id, [](pqxx::work&) { return NoStock(); }, &again, &replayed)
                      .ok());
      EXPECT_TRUE(replayed);
      EXPECT_EQ(again.domain(), "done:" + id);
      EXPECT_EQ(Query(effects), 1) << round;
    } else {
      EXPECT_EQ(first_status, NoStock()) << round;
      EXPECT_FALSE(first_replayed) << round;
      EXPECT_EQ(repeat_status.code(), absl::StatusCode::kFailedPrecondition) << round;
      EXPECT_EQ(ReasonOf(repeat_status), "INSUFFICIENT_STOCK") << round;
      EXPECT_TRUE(repeat_replayed) << round;
      EXPECT_EQ(Query(effects), 0) << round;
      EXPECT_EQ(Query(answers + " AND refusal_code = 9"), 1) << round;
    }
  }
}

// Keeping a refusal can wait on a concurrent claim of the same id made in the moment between the
// rollback and the record; that wait is bounded by the caller's time left, as the claim's is.
// (Which of the two gets the id first is up to PostgreSQL, so the rounds go on until the other
// claim does.)
TEST_F(RunOnceTest, KeepingARefusalWaitsNoLongerThanTheCallersTimeLeft) {
  int held_first = 0;
  for (int round = 0; round < 8 && held_first == 0; ++round) {
    const std::string id = absl::StrCat("held-", round);
    std::promise<void> release;
    std::atomic<bool> holder_claimed = false;
    std::thread holder([&] {
      pqxx::connection connection(db_.url());
      pqxx::work tx(connection);
      try {
        tx.exec_params(
            "INSERT INTO request_results (request_id, method, request_hash) "
            "VALUES ($1, 'Test', 'other')",
            id);
        holder_claimed = true;
      } catch (const pqxx::unique_violation&) {
        return;  // the refusal was kept first
      }
      release.get_future().wait_for(std::chrono::seconds(6));
    });
    absl::Status status;
    const auto start = std::chrono::steady_clock::now();
    {
      CallDeadlineScope soon(absl::Now() + absl::Seconds(1));
      status = Run(id, id, [&](pqxx::work&) {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (Query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                     "AND datname = current_database()") == 0 &&
               std::chrono::steady_clock::now() < give_up) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return NoStock();
      });
    }
    const auto took = std::chrono::steady_clock::now() - start;
    release.set_value();
    holder.join();
    EXPECT_LT(took, std::chrono::seconds(3)) << round;
    if (holder_claimed) {
      ++held_first;
      EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
    } else {
      EXPECT_EQ(status, NoStock()) << round;
    }
  }
  EXPECT_EQ(held_first, 1);
}

// A connection lost while a refused request rolls back is replaced by the pool, with the pool's
// session settings, and the request runs again: its refusal is kept once.
TEST_F(RunOnceTest, AConnectionLostWhileARefusalRollsBackIsReplacedByThePool) {
  pool_ = MakePool(std::chrono::milliseconds(400), 1);
  ASSERT_NE(pool_, nullptr);
  int runs = 0;
  absl::Status status = Run("r1", "lost", [&](pqxx::work& tx) {
    if (++runs == 1) {  // the first run's session ends under it, then it refuses
      const int pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
      Query(absl::StrCat("SELECT count(*) FROM (SELECT pg_terminate_backend(", pid, ")) AS t"));
    }
    return NoStock();
  });
  EXPECT_EQ(status, NoStock());
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(Query("SELECT count(*) FROM request_results WHERE refusal_code = 9"), 1);
  EXPECT_EQ(Query("SELECT count(*) FROM effects"), 0);
  EXPECT_EQ(BoundOfACallUntil(absl::InfiniteFuture()), 400);  // the session's own setting
}

TEST_F(RunOnceTest, ATransientFailureKeepsNothingSoTheRetryRunsAgain) {
  for (absl::Status transient :
       {absl::UnavailableError("provider away"), absl::AbortedError("lost a race"),
        absl::InternalError("bug"), absl::DeadlineExceededError("too slow")}) {
    EXPECT_EQ(Run("r1", "note", [&](pqxx::work&) { return transient; }), transient);
  }
  EXPECT_EQ(Query("SELECT count(*) FROM request_results"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM effects"), 0);

  google::rpc::ErrorInfo out;
  bool replayed = true;
  ASSERT_TRUE(Run(
                  "r1", "note", [](pqxx::work&) { return absl::OkStatus(); }, &out, &replayed)
                  .ok());
  EXPECT_FALSE(replayed);
  EXPECT_EQ(out.domain(), "done:note");
  out.Clear();
  ASSERT_TRUE(Run(
                  "r1", "note", [](pqxx::work&) { return NoStock(); }, &out, &replayed)
                  .ok());
  EXPECT_TRUE(replayed);
  EXPECT_EQ(out.domain(), "done:note");
  EXPECT_EQ(effects_run_, 5);
  EXPECT_EQ(Query("SELECT count(*) FROM effects"), 1);
}

TEST_F(RunOnceTest, ACallWhoseDeadlineHasPassedRunsNothingAndKeepsNothing) {
  {
    CallDeadlineScope expired(absl::Now() - absl::Milliseconds(1));
    absl::Status status = Run("r1", "late", [](pqxx::work&) { return absl::OkStatus(); });
    EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  }
  EXPECT_EQ(effects_run_, 0);
  EXPECT_EQ(Query("SELECT count(*) FROM request_results"), 0);
  // No claim was left behind: a caller still waiting runs it.
  CallDeadlineScope waiting(absl::Now() + absl::Minutes(1));
  EXPECT_TRUE(Run("r1", "late", [](pqxx::work&) { return absl::OkStatus(); }).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM effects"), 1);
}

TEST_F(RunOnceTest, StatementsAreBoundedByTheTimeTheCallerHasLeft) {
  CallDeadlineScope soon(absl::Now() + absl::Seconds(1));
  absl::Status status = Run("r1", "slow", [](pqxx::work& tx) {
    tx.exec_prepared("sleep", 60);  // cancelled by statement_timeout long before it ends
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_EQ(Query("SELECT count(*) FROM request_results"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM effects"), 0);
}

TEST_F(RunOnceTest, TheBoundIsTheShorterOfTheCallersTimeAndTheSessionsOwn) {
  const int64_t one_minute = BoundOfACallUntil(absl::Now() + absl::Minutes(1));
  EXPECT_GT(one_minute, 50000);
  EXPECT_LE(one_minute, 60000);
  EXPECT_EQ(BoundOfACallUntil(absl::InfiniteFuture()), 0);  // none, as the session has none

  pool_ = MakePool(std::chrono::milliseconds(400));
  ASSERT_NE(pool_, nullptr);
  EXPECT_EQ(BoundOfACallUntil(absl::Now() + absl::Minutes(1)), 400);
  const int64_t one_tenth = BoundOfACallUntil(absl::Now() + absl::Milliseconds(100));
  EXPECT_GT(one_tenth, 0);
  EXPECT_LE(one_tenth, 100);
}

TEST_F(RunOnceTest, WorkWhoseDeadlinePassesWhileItRunsIsNotKept) {
  for (absl::Status answer : {absl::OkStatus(), NoStock()}) {
    const absl::Time deadline = absl::Now() + absl::Seconds(1);
    CallDeadlineScope soon(deadline);
    absl::Status status = Run("r1", "slow", [&](pqxx::work&) {
      while (absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
      return answer;
    });
    EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  }
  EXPECT_EQ(Query("SELECT count(*) FROM request_results"), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM effects"), 0);
}

}  // namespace
}  // namespace oms
