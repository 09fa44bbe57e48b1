// A PostgreSQL connection pool for libpqxx 6.4, which has none: exclusive leases, every
// statement prepared on connect, broken connections replaced, and one place where libpqxx
// exceptions become absl::Status.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/connection>
#include <pqxx/transaction>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace prometheus {
class Registry;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace oms {

// A named prepared statement: `name` is `<table>_<verb>`, `sql` uses $1, $2, ... only.
struct PreparedStatement {
  const char* name;
  const char* sql;
};

// The one mapping from a libpqxx (or std) exception to a status, by SQLSTATE class.
[[nodiscard]] absl::Status PgErrorToStatus(const std::exception& error);

class PgPool {
 public:
  struct Options {
    std::string url;  // libpq URI or key=value string
    std::size_t size = 8;
    std::chrono::milliseconds acquire_timeout{2000};
    std::vector<PreparedStatement> statements;
    // > 0: the server ends a session that idles this long inside a transaction, so a process
    // stalled (paused, swapped out) mid-transaction cannot hold its row locks for ever.
    std::chrono::milliseconds idle_in_transaction_timeout{0};
  };

  // Opens one connection at once so that a bad URL or password fails at start-up; the rest open
  // on demand. `registry` may be null (tests).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PgPool>> Create(
      Options options, prometheus::Registry* registry);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // Runs `work` in one read-committed transaction and commits when it returns OK. A connection
  // found broken before the commit is replaced and `work` runs once more; a commit whose outcome
  // is unknown answers UNAVAILABLE (callers rely on request-id idempotency to retry safely).
  [[nodiscard]] absl::Status InTransaction(const std::function<absl::Status(pqxx::work&)>& work);

  std::size_t size() const { return options_.size; }

 private:
  explicit PgPool(Options options, prometheus::Registry* registry);
  [[nodiscard]] absl::StatusOr<std::size_t> Acquire();
  void Release(std::size_t slot, bool broken);
  [[nodiscard]] absl::Status EnsureConnected(std::size_t slot);
  void UpdateGauges();  // with mu_ held

  const Options options_;
  std::mutex mu_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<pqxx::connection>> connections_;
  std::vector<std::size_t> idle_;
  prometheus::Gauge* idle_gauge_ = nullptr;
  prometheus::Gauge* in_use_gauge_ = nullptr;
  prometheus::Histogram* wait_seconds_ = nullptr;
};

}  // namespace oms
