#include "common/pg_listener.h"

#include <pqxx/notification>
#include <pqxx/pqxx>

#include "common/log.h"
#include "common/pg_pool.h"

namespace oms {
namespace {

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& connection, const std::string& channel,
           const std::function<void(const std::string&)>& notified)
      : pqxx::notification_receiver(connection, channel), notified_(notified) {}
  void operator()(const std::string& payload, int) override {
    if (notified_) notified_(payload);
  }

 private:
  const std::function<void(const std::string&)>& notified_;
};

}  // namespace

PgListener::PgListener(Options options, Hooks hooks)
    : options_(std::move(options)),
      hooks_(std::move(hooks)),
      url_(WithKeepalives(options_.database_url, PgKeepalive())) {}

PgListener::~PgListener() { Stop(); }

void PgListener::Start() {
  thread_ = std::thread([this] { Run(); });
}

void PgListener::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool PgListener::WaitUntilListening(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return listening_; });
}

void PgListener::SetListening(bool listening) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    listening_ = listening;
  }
  cv_.notify_all();
}

bool PgListener::stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

void PgListener::Run() {
  using Clock = std::chrono::steady_clock;
  while (!stopping()) {
    try {
      pqxx::connection connection(url_);
      if (hooks_.connected) hooks_.connected(connection);
      Receiver receiver(connection, options_.channel, hooks_.notified);
      connection.get_notifs();  // the LISTEN is sent on the first round trip
      SetListening(true);
      if (hooks_.resync) hooks_.resync();  // whatever committed while nobody listened
      auto last_resync = Clock::now();
      while (!stopping()) {
        connection.await_notification(0, 250'000);
        if (Clock::now() - last_resync >= options_.resync_interval) {
          if (hooks_.resync) hooks_.resync();
          last_resync = Clock::now();
        }
        if (hooks_.tick) hooks_.tick(connection);
      }
      SetListening(false);
      return;
    } catch (const std::exception& e) {
      SetListening(false);
      log::Warn("", "listener lost its connection; reconnecting",
                {{"channel", options_.channel}, {"error", e.what()}});
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, options_.reconnect_backoff, [this] { return stopping_; });
  }
}

}  // namespace oms
