// One LISTEN connection per process: PostgreSQL delivers the NOTIFY that every outbox-writing
// transaction sends when (and only when) it commits, whichever replica wrote it, and the listener
// wakes every open stream of this process through the EventHub.
//
// Why LISTEN/NOTIFY rather than an in-process signal: writes come from every replica, and a
// stream on replica A must follow commits made on replica B at once. A notification can still be
// lost while the listening connection is down, so on every (re)connect the listener wakes all
// streams, and it re-checks on a long, bounded period as a safety net; the hot path is never a
// sleep loop. The same thread keeps the outbox lag gauge and the shared read mark up to date.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

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
  void Run();
  void SetListening(bool listening);

  const Options options_;
  EventHub& hub_;
  ShippingMetrics* metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool listening_ = false;
  std::thread thread_;
};

}  // namespace oms::shipping
