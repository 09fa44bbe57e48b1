// Delivers the feed to webhook subscriptions (the contract is in order.proto, CreateWebhook):
// one thread claims due subscriptions, up to `max_in_flight` at once, each under a lease so that
// only one replica delivers it, and sends each subscription's events one at a time in feed
// order through one WebhookSender (no thread waits on an endpoint). A failure gives the lease
// up until the backoff has passed, so a dead endpoint costs the others nothing; an event that
// fails for the whole retry window is dead-lettered and the next one is tried.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/background_loop.h"
#include "order-service/src/event_feed.h"
#include "order-service/src/webhook_sender.h"
#include "order-service/src/webhook_store.h"

namespace prometheus {
class Counter;
class Gauge;
template <typename T>
class Family;
class Histogram;
class Registry;
}  // namespace prometheus

namespace oms::order {

struct WebhookDispatcherOptions {
  std::string owner;  // this replica, for the leases
  std::size_t max_in_flight = 16;
  std::chrono::milliseconds lease{60000};
  std::chrono::milliseconds idle_pause{500};  // a subscription with nothing to send: asked again
  std::chrono::milliseconds retry_base{1000};
  std::chrono::milliseconds retry_cap{std::chrono::hours(1)};
  std::chrono::milliseconds retry_window{std::chrono::hours(24)};
  int page_size = 100;
  WebhookSenderOptions sender;
};

// oms_order_webhook_*: deliveries by outcome, their duration, and the subscriptions failing;
// oms_order_feed_consumer_lag_seconds: each follower's lag behind the feed.
class WebhookMetrics {
 public:
  explicit WebhookMetrics(prometheus::Registry& registry);
  void Attempt(const std::string& outcome, double seconds);  // delivered, failed
  void DeadLettered();
  void Failing(int subscriptions, double longest_seconds);
  // One series per follower in `lags` (AddFollowerLags); a follower gone (a deleted
  // subscription) loses its series.
  void FollowerLags(const v1::GetConsumerLagResponse& lags);

 private:
  prometheus::Family<prometheus::Gauge>* follower_lag_;
  std::map<std::string, prometheus::Gauge*> follower_lag_series_;
  prometheus::Counter* delivered_;
  prometheus::Counter* failed_;
  prometheus::Counter* dead_lettered_;
  prometheus::Histogram* seconds_;
  prometheus::Gauge* failing_;
  prometheus::Gauge* longest_failing_;
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(PgWebhookStore& store, EventFeed& feed, WebhookMetrics& metrics,
                    WebhookDispatcherOptions options);
  ~WebhookDispatcher();
  void Start();
  void Stop();

 private:
  // A claimed subscription: what it sends now and what comes after, from the page of the feed
  // read last (`page_end`: that page's last position).
  struct Active {
    ClaimedWebhook webhook;
    std::deque<OutgoingEvent> queue;
    std::optional<OutgoingEvent> sending;
    FeedPosition page_end;
  };

  std::optional<std::chrono::milliseconds> Step();
  void ClaimWhileRoom();
  // Sends the subscription's next event; false when it has none (then it is released).
  bool SendNext(std::uint64_t tag, Active& active);
  void Answered(std::uint64_t tag, const WebhookAnswer& answer);
  void ReportFailing();

  PgWebhookStore& store_;
  EventFeed& feed_;
  WebhookMetrics& metrics_;
  const WebhookDispatcherOptions options_;
  WebhookSender sender_;
  std::map<std::uint64_t, Active> active_;
  std::uint64_t next_tag_ = 1;
  std::chrono::steady_clock::time_point next_report_{};
  BackgroundLoop loop_;
};

}  // namespace oms::order
