#include "common/pg_pool.h"

#include <cctype>
#include <set>
#include <utility>

#include <pqxx/except>
#include <pqxx/nontransaction>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "common/status.h"

namespace oms {
namespace {

bool IsUri(const std::string& url) {
  return absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://");
}

// The keywords of a URI's query string ("?sslmode=require&keepalives=0").
std::set<std::string> UriKeywords(const std::string& uri) {
  std::set<std::string> keywords;
  const std::size_t query = uri.find('?');
  if (query == std::string::npos) return keywords;
  for (absl::string_view parameter : absl::StrSplit(uri.substr(query + 1), '&')) {
    keywords.insert(std::string(parameter.substr(0, parameter.find('='))));
  }
  return keywords;
}

// The keywords of a key=value string: `key = value` pairs separated by spaces, a value either
// single-quoted or ending at a space, with backslash escapes in both.
std::set<std::string> KeyValueKeywords(const std::string& conninfo) {
  std::set<std::string> keywords;
  const std::size_t n = conninfo.size();
  std::size_t i = 0;
  auto skip_spaces = [&] {
    while (i < n && std::isspace(static_cast<unsigned char>(conninfo[i]))) ++i;
  };
  for (;;) {
    skip_spaces();
    if (i >= n) break;
    const std::size_t start = i;
    while (i < n && conninfo[i] != '=' && !std::isspace(static_cast<unsigned char>(conninfo[i]))) {
      ++i;
    }
    keywords.insert(conninfo.substr(start, i - start));
    skip_spaces();
    if (i >= n || conninfo[i] != '=') break;  // malformed: libpq will say so on connect
    ++i;
    skip_spaces();
    const bool quoted = i < n && conninfo[i] == '\'';
    if (quoted) ++i;
    while (i < n && (quoted ? conninfo[i] != '\''
                            : !std::isspace(static_cast<unsigned char>(conninfo[i])))) {
      if (conninfo[i] == '\\') ++i;
      ++i;
    }
    if (quoted) ++i;
  }
  return keywords;
}

}  // namespace

std::string WithKeepalives(const std::string& url, const PgKeepalive& keepalive) {
  const bool uri = IsUri(url);
  const std::set<std::string> present = uri ? UriKeywords(url) : KeyValueKeywords(url);
  const auto user_timeout_ms =
      std::chrono::milliseconds(keepalive.idle + keepalive.interval * keepalive.count).count();
  const std::pair<const char*, std::string> wanted[] = {
      {"keepalives", "1"},
      {"keepalives_idle", std::to_string(keepalive.idle.count())},
      {"keepalives_interval", std::to_string(keepalive.interval.count())},
      {"keepalives_count", std::to_string(keepalive.count)},
      {"tcp_user_timeout", std::to_string(user_timeout_ms)}};
  std::vector<std::string> added;
  for (const auto& [keyword, value] : wanted) {
    if (present.count(keyword) == 0) added.push_back(absl::StrCat(keyword, "=", value));
  }
  if (added.empty()) return url;
  if (!uri) return absl::StrCat(url, url.empty() ? "" : " ", absl::StrJoin(added, " "));
  const std::size_t query = url.find('?');
  const char* separator = query == std::string::npos                               ? "?"
                          : (absl::EndsWith(url, "?") || absl::EndsWith(url, "&")) ? ""
                                                                                   : "&";
  return absl::StrCat(url, separator, absl::StrJoin(added, "&"));
}

absl::Status PgErrorToStatus(const std::exception& error) {
  if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) {
    return WithReason(absl::StatusCode::kUnavailable, "COMMIT_IN_DOUBT",
                      "database commit outcome unknown; retry with the same request id");
  }
  // The database's own words name hosts, tables, constraints and the values refused: they go to
  // the log, and the status (which a caller may pass on to a client) says only what kind of
  // failure it was.
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) {
    log::Warn("", "database connection lost", {{"error", error.what()}});
    return absl::UnavailableError("database connection lost");
  }
  // libpqxx 6.4 throws deadlocks and serialization failures as transaction_rollback, which is
  // not an sql_error: the work is safe to run again, so the caller is told to retry.
  if (dynamic_cast<const pqxx::transaction_rollback*>(&error) != nullptr) {
    log::Write(log::Level::kDebug, "", "database conflict", {{"error", error.what()}});
    return absl::AbortedError("database conflict (deadlock or serialization failure); retry");
  }
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error);
  if (sql == nullptr) {
    log::Error("", "database client error", {{"error", error.what()}});
    return absl::InternalError("database client error");
  }
  const std::string state = sql->sqlstate();
  const bool conflict = state == "40001" || state == "40P01" || state == "55P03";
  // Conflicts are retried and expected under load: not worth a warning each.
  log::Write(conflict ? log::Level::kDebug : log::Level::kWarn, "", "database error",
             {{"sqlstate", state}, {"error", error.what()}});
  const std::string message = absl::StrCat("database error (SQLSTATE ", state, ")");
  if (conflict) return absl::AbortedError(message);
  if (state == "23505") return absl::AlreadyExistsError(message);
  if (absl::StartsWith(state, "23")) return absl::FailedPreconditionError(message);
  if (absl::StartsWith(state, "22")) return absl::InvalidArgumentError(message);
  if (state == "57014") return absl::DeadlineExceededError(message);
  // Connection exceptions, too many connections, server shutting down or starting up.
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "53") ||
      absl::StartsWith(state, "57P")) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

PgPool::PgPool(Options options, prometheus::Registry* registry)
    : options_(std::move(options)), connections_(options_.size) {
  for (std::size_t slot = options_.size; slot > 0; --slot) idle_.push_back(slot - 1);
  if (registry != nullptr) {
    auto& connections = prometheus::BuildGauge()
                            .Name("oms_db_pool_connections")
                            .Help("Database pool connection slots by state.")
                            .Register(*registry);
    idle_gauge_ = &connections.Add({{"state", "idle"}});
    in_use_gauge_ = &connections.Add({{"state", "in_use"}});
    wait_seconds_ = &prometheus::BuildHistogram()
                         .Name("oms_db_pool_wait_seconds")
                         .Help("Time spent waiting for a pooled database connection.")
                         .Register(*registry)
                         .Add({}, prometheus::Histogram::BucketBoundaries{
                                      0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5});
  }
  std::lock_guard<std::mutex> lock(mu_);
  UpdateGauges();
}

PgPool::~PgPool() = default;

absl::StatusOr<std::unique_ptr<PgPool>> PgPool::Create(Options options,
                                                       prometheus::Registry* registry) {
  if (options.size == 0) return absl::InvalidArgumentError("database pool size must be >= 1");
  std::unique_ptr<PgPool> pool(new PgPool(std::move(options), registry));
  absl::Status status = pool->EnsureConnected(0);
  if (!status.ok()) return status;
  return pool;
}

void PgPool::UpdateGauges() {
  if (idle_gauge_ == nullptr) return;
  idle_gauge_->Set(static_cast<double>(idle_.size()));
  in_use_gauge_->Set(static_cast<double>(options_.size - idle_.size()));
}

absl::StatusOr<std::size_t> PgPool::Acquire() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  if (!released_.wait_for(lock, options_.acquire_timeout, [this] { return !idle_.empty(); })) {
    return WithReason(absl::StatusCode::kUnavailable, "DB_POOL_EXHAUSTED",
                      "no database connection free within the acquire timeout");
  }
  std::size_t slot = idle_.back();
  idle_.pop_back();
  UpdateGauges();
  if (wait_seconds_ != nullptr) {
    wait_seconds_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return slot;
}

void PgPool::Release(std::size_t slot, bool broken) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (broken) connections_[slot].reset();
    idle_.push_back(slot);
    UpdateGauges();
  }
  released_.notify_one();
}

// Only the holder of `slot` touches connections_[slot], so no lock is needed here.
absl::Status PgPool::EnsureConnected(std::size_t slot) {
  auto& connection = connections_[slot];
  if (connection && connection->is_open()) return absl::OkStatus();
  try {
    auto fresh = std::make_unique<pqxx::connection>(options_.url);
    const std::pair<const char*, std::chrono::milliseconds> limits[] = {
        {"idle_in_transaction_session_timeout", options_.idle_in_transaction_timeout},
        {"statement_timeout", options_.statement_timeout},
        {"lock_timeout", options_.lock_timeout}};
    pqxx::nontransaction session(*fresh);
    for (const auto& [setting, value] : limits) {
      if (value.count() <= 0) continue;  // keep the server's (or role's) own setting
      // Session-wide (is_local false): it outlives the transactions the pool runs on it.
      session.exec_params("SELECT set_config($1, $2, false)", setting,
                          std::to_string(value.count()));
    }
    session.commit();
    for (const auto& statement : options_.statements) fresh->prepare(statement.name, statement.sql);
    connection = std::move(fresh);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    connection.reset();
    return absl::UnavailableError(absl::StrCat("cannot connect to the database: ", e.what()));
  }
}

absl::Status PgPool::Autocommit(const std::function<absl::Status(pqxx::transaction_base&)>& work) {
  auto slot = Acquire();
  if (!slot.ok()) return slot.status();
  bool broken = false;
  absl::Status status = EnsureConnected(*slot);
  if (status.ok()) {
    try {
      pqxx::nontransaction statement(*connections_[*slot]);
      status = work(statement);
    } catch (const pqxx::broken_connection& e) {
      broken = true;
      status = PgErrorToStatus(e);
    } catch (const std::exception& e) {
      status = PgErrorToStatus(e);
    }
  }
  Release(*slot, broken || status.code() == absl::StatusCode::kUnavailable);
  return status;
}

absl::Status PgPool::InTransaction(const std::function<absl::Status(pqxx::work&)>& work) {
  for (int attempt = 0;; ++attempt) {
    auto slot = Acquire();
    if (!slot.ok()) return slot.status();
    bool broken = false;
    absl::Status status = EnsureConnected(*slot);
    if (status.ok()) {
      try {
        pqxx::work tx(*connections_[*slot]);
        status = work(tx);
        if (status.ok()) tx.commit();
      } catch (const pqxx::in_doubt_error& e) {
        broken = true;
        status = PgErrorToStatus(e);
      } catch (const pqxx::broken_connection& e) {
        broken = true;
        status = PgErrorToStatus(e);
        // Nothing was committed, so running the work again on a fresh connection is safe; once
        // is enough to get past a server restart.
        if (attempt == 0) {
          Release(*slot, broken);
          continue;
        }
      } catch (const std::exception& e) {
        status = PgErrorToStatus(e);
      }
    }
    Release(*slot, broken || status.code() == absl::StatusCode::kUnavailable);
    return status;
  }
}

}  // namespace oms
