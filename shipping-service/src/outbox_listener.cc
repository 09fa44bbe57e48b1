#include "shipping-service/src/outbox_listener.h"

#include <pqxx/notification>
#include <pqxx/pqxx>

#include "common/log.h"
#include "shipping-service/src/event_hub.h"
#include "shipping-service/src/shipping_metrics.h"
#include "shipping-service/src/shipping_store.h"

namespace oms::shipping {
namespace {

constexpr char kOutboxReadMarkAdvance[] = "outbox_read_mark_advance";
constexpr char kOutboxEventsLag[] = "outbox_events_lag";

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& connection, EventHub& hub)
      : pqxx::notification_receiver(connection, kOutboxChannel), hub_(hub) {}
  void operator()(const std::string&, int) override { hub_.WakeAll(); }

 private:
  EventHub& hub_;
};

}  // namespace

OutboxListener::OutboxListener(Options options, EventHub& hub, ShippingMetrics* metrics)
    : options_(std::move(options)), hub_(hub), metrics_(metrics) {}

OutboxListener::~OutboxListener() { Stop(); }

void OutboxListener::Start() { thread_ = std::thread([this] { Run(); }); }

void OutboxListener::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool OutboxListener::WaitUntilListening(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return listening_; });
}

void OutboxListener::SetListening(bool listening) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    listening_ = listening;
  }
  cv_.notify_all();
}

void OutboxListener::Run() {
  using Clock = std::chrono::steady_clock;
  auto stopping = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  };
  while (!stopping()) {
    try {
      pqxx::connection connection(options_.database_url);
      connection.prepare(kOutboxReadMarkAdvance,
                         "UPDATE outbox_read_mark SET last_read = GREATEST(last_read, $1) "
                         "WHERE id = 1");
      // Age of the oldest event past the highest sequence any replica has sent to a consumer.
      connection.prepare(kOutboxEventsLag,
                         "SELECT COALESCE(extract(epoch FROM now() - min(e.created_at)), 0)::float8 "
                         "FROM outbox_events e, outbox_read_mark m "
                         "WHERE m.id = 1 AND e.sequence > m.last_read");
      Receiver receiver(connection, hub_);
      connection.get_notifs();  // the LISTEN is sent on the first round trip
      SetListening(true);
      hub_.WakeAll();  // whatever committed while nobody listened
      auto last_recheck = Clock::now();
      auto last_lag = Clock::time_point();
      std::int64_t mark_written = -1;
      while (!stopping()) {
        connection.await_notification(0, 250'000);
        const auto now = Clock::now();
        if (now - last_recheck >= options_.recheck_interval) {
          hub_.WakeAll();
          last_recheck = now;
        }
        if (now - last_lag >= options_.lag_interval) {
          last_lag = now;
          pqxx::nontransaction tx(connection);
          const std::int64_t mark = hub_.sent_mark();
          if (mark > mark_written) {
            tx.exec_prepared(kOutboxReadMarkAdvance, mark);
            mark_written = mark;
          }
          const double lag = tx.exec_prepared1(kOutboxEventsLag)[0].as<double>();
          if (metrics_ != nullptr) metrics_->SetOutboxLagSeconds(lag);
        }
      }
      SetListening(false);
      return;
    } catch (const std::exception& e) {
      SetListening(false);
      log::Warn("", "outbox listener lost its connection; reconnecting", {{"error", e.what()}});
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, options_.reconnect_backoff, [this] { return stopping_; });
  }
}

}  // namespace oms::shipping
