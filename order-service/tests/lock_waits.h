// For store tests that race two transactions: waits until some session of the database waits on
// a lock (the racing transaction blocked behind the one the test holds open), or until `done`
// (it did not block) or a deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <pqxx/pqxx>

namespace oms::order {

inline void AwaitALockWait(const std::string& database_url, const std::atomic<bool>& done) {
  pqxx::connection watcher(database_url);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    pqxx::nontransaction read(watcher);
    if (read.exec("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'").size() > 0) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace oms::order
