// A PostgreSQL connection pool for libpqxx 6.4, which has none: exclusive leases, every
// statement prepared on connect, session limits set on connect, broken connections replaced, and
// one place where libpqxx exceptions become absl::Status. Also the TCP keepalives every
// connection of ours gets (pool, migrations, LISTEN).
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

// TCP keepalives on a libpq connection. Without them a connection whose server vanished without
// a FIN or RST (a host gone, a failover, a half-open socket after a partition) stays "open" for
// the kernel's defaults (two hours and more): a pooled connection blocks its worker, the LISTEN
// connection hears nothing. With them the kernel ends it after idle + interval * count seconds
// of silence; tcp_user_timeout (the same bound) covers a connection waiting for the answer to
// something it sent, which keepalives do not probe.
struct PgKeepalive {
  std::chrono::seconds idle{30};
  std::chrono::seconds interval{10};
  int count = 3;
};

// `url` (a libpq URI or key=value string) with keepalives=1, keepalives_idle,
// keepalives_interval, keepalives_count and tcp_user_timeout added, each unless `url` sets it
// already (the operator's choice wins).
[[nodiscard]] std::string WithKeepalives(const std::string& url, const PgKeepalive& keepalive);

class PgPool {
 public:
  struct Options {
    std::string url;  // libpq URI or key=value string
    std::size_t size = 8;
    std::chrono::milliseconds acquire_timeout{2000};
    std::vector<PreparedStatement> statements;
    // Per-session limits, set on connect (0: the server's setting). Only pooled connections get
    // them: the requests' short transactions. Migrations and the LISTEN connection run on
    // connections of their own without them, so long legitimate work is never cut.
    // > 0: the server ends a session that idles this long inside a transaction, so a process
    // stalled (paused, swapped out) mid-transaction cannot hold its row locks for ever.
    std::chrono::milliseconds idle_in_transaction_timeout{0};
    // > 0: a statement running longer is cancelled (SQLSTATE 57014, DEADLINE_EXCEEDED), so a
    // runaway query cannot hold a connection and its locks past any caller's deadline.
    std::chrono::milliseconds statement_timeout{0};
    // > 0: waiting longer for a lock fails (55P03, ABORTED: retry), so a transaction stuck behind
    // a stalled one gives its worker back instead of queueing everything behind it.
    std::chrono::milliseconds lock_timeout{0};
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

  // Runs `work`, which must be ONE statement (a read, or a write atomic by itself), without a
  // transaction block: it commits by itself, and the BEGIN and COMMIT round trips of
  // InTransaction are saved. A connection lost during it answers UNAVAILABLE and runs nothing
  // again (a write's outcome is then unknown, as a commit's in doubt is).
  [[nodiscard]] absl::Status Autocommit(
      const std::function<absl::Status(pqxx::transaction_base&)>& work);

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
