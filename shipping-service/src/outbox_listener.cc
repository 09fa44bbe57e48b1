#include "shipping-service/src/outbox_listener.h"

#include <pqxx/pqxx>

#include "common/pg_listener.h"
#include "shipping-service/src/event_hub.h"
#include "shipping-service/src/outbox_store.h"
#include "shipping-service/src/shipping_metrics.h"

namespace oms::shipping {
namespace {

constexpr char kOutboxReadMarkAdvance[] = "outbox_read_mark_advance";
constexpr char kOutboxEventsLag[] = "outbox_events_lag";

}  // namespace

OutboxListener::OutboxListener(Options options, EventHub& hub, ShippingMetrics* metrics)
    : options_(std::move(options)), hub_(hub), metrics_(metrics) {
  PgListener::Hooks hooks;
  hooks.notified = [this](const std::string&) { hub_.WakeAll(); };
  hooks.resync = [this] { hub_.WakeAll(); };
  hooks.connected = [this](pqxx::connection_base& connection) {
    connection.prepare(kOutboxReadMarkAdvance,
                       "UPDATE outbox_read_mark SET last_read = GREATEST(last_read, $1) "
                       "WHERE id = 1");
    // Age of the oldest event past the highest sequence any replica has sent to a consumer.
    connection.prepare(
        kOutboxEventsLag,
        "SELECT COALESCE(extract(epoch FROM now() - min(e.created_at)), 0)::float8 AS lag "
        "FROM outbox_events e, outbox_read_mark m "
        "WHERE m.id = 1 AND e.sequence > m.last_read");
    mark_written_ = -1;
  };
  hooks.tick = [this](pqxx::connection_base& connection) { Tick(connection); };
  listener_ = std::make_unique<PgListener>(
      PgListener::Options{options_.database_url, kOutboxChannel, options_.recheck_interval,
                          options_.reconnect_backoff},
      std::move(hooks));
}

OutboxListener::~OutboxListener() { Stop(); }

void OutboxListener::Start() { listener_->Start(); }

void OutboxListener::Stop() { listener_->Stop(); }

bool OutboxListener::WaitUntilListening(std::chrono::milliseconds timeout) {
  return listener_->WaitUntilListening(timeout);
}

void OutboxListener::Tick(pqxx::connection_base& connection) {
  const auto now = std::chrono::steady_clock::now();
  // Twice per interval: a stream that last sent just after one wake still owes its heartbeat
  // no later than one and a half intervals after its last message.
  if (now - last_heartbeat_wake_ >= hub_.heartbeat_interval() / 2) {
    last_heartbeat_wake_ = now;
    hub_.WakeAll();
  }
  UpdateLag(connection);
}

void OutboxListener::UpdateLag(pqxx::connection_base& connection) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_lag_ < options_.lag_interval) return;
  last_lag_ = now;
  pqxx::nontransaction tx(connection);
  const std::int64_t mark = hub_.sent_mark();
  if (mark > mark_written_) {
    tx.exec_prepared(kOutboxReadMarkAdvance, mark);
    mark_written_ = mark;
  }
  const double lag = tx.exec_prepared1(kOutboxEventsLag)["lag"].as<double>();
  if (metrics_ != nullptr) metrics_->SetOutboxLagSeconds(lag);
}

}  // namespace oms::shipping
