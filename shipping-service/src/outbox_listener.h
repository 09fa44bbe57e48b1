// Wakes the event streams of this process when an outbox-writing transaction commits on any
// replica (LISTEN/NOTIFY through common/pg_listener.h), and twice per heartbeat interval of the
// hub so that idle streams send their heartbeats; keeps the outbox lag gauge and the shared read
// mark up to date on the same connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace pqxx {
class connection_base;
}

namespace oms {
class PgListener;
}

namespace oms::shipping {

class EventHub;
class ShippingMetrics;

class OutboxListener {
 public:
  struct Options {
    std::string database_url;
    std::chrono::milliseconds recheck_interval{10000};
    std::chrono::milliseconds lag_interval{1000};
    std::chrono::milliseconds reconnect_backoff{1000};
  };

  // `metrics` may be null.
  OutboxListener(Options options, EventHub& hub, ShippingMetrics* metrics);
  ~OutboxListener();  // Stop()s
  OutboxListener(const OutboxListener&) = delete;
  OutboxListener& operator=(const OutboxListener&) = delete;

  void Start();
  // Returns within about a quarter of a second.
  void Stop();

  // True once the LISTEN is in place (tests wait for it before writing).
  bool WaitUntilListening(std::chrono::milliseconds timeout);

 private:
  void Tick(pqxx::connection_base& connection);
  void UpdateLag(pqxx::connection_base& connection);

  const Options options_;
  EventHub& hub_;
  ShippingMetrics* metrics_;
  // Touched only on the listener's thread.
  std::chrono::steady_clock::time_point last_lag_{};
  std::chrono::steady_clock::time_point last_heartbeat_wake_{};
  std::int64_t mark_written_ = -1;
  std::unique_ptr<PgListener> listener_;
};

}  // namespace oms::shipping
