// One LISTEN connection per process. PostgreSQL delivers a NOTIFY when (and only when) the
// transaction that sent it commits, whichever replica wrote it, so a stream on replica A follows
// commits made on replica B at once.
//
// A notification can be lost while the listening connection is down, so after every (re)connect
// and on a long, bounded period the listener calls `resync` (wake everyone, re-read); the hot
// path is never a sleep loop.
//
// A LISTEN connection idles by design, so a server that vanished would go unnoticed: it gets TCP
// keepalives (PgKeepalive's defaults in common/pg_pool.h, unless the URL sets them), which end a
// dead connection within about a minute; the listener then reconnects and resyncs. It gets no
// statement_timeout: the owner's periodic work on it (tick) is its own business.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace pqxx {
class connection_base;
}

namespace oms {

class PgListener {
 public:
  struct Options {
    std::string database_url;
    std::string channel;
    std::chrono::milliseconds resync_interval{10000};
    std::chrono::milliseconds reconnect_backoff{1000};
  };
  struct Hooks {
    std::function<void(const std::string& payload)> notified;
    std::function<void()> resync;
    // Optional: on each new connection (to prepare statements), and about every quarter second
    // on the listening thread (for the owner's periodic work on that same connection).
    std::function<void(pqxx::connection_base&)> connected;
    std::function<void(pqxx::connection_base&)> tick;
  };

  PgListener(Options options, Hooks hooks);
  ~PgListener();  // Stop()s
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  void Start();
  // Returns within about a quarter of a second.
  void Stop();

  // True once the LISTEN is in place (tests wait for it before writing).
  bool WaitUntilListening(std::chrono::milliseconds timeout);

 private:
  void Run();
  void SetListening(bool listening);
  bool stopping();

  const Options options_;
  const Hooks hooks_;
  const std::string url_;  // options_.database_url with keepalives
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool listening_ = false;
  std::thread thread_;
};

}  // namespace oms
