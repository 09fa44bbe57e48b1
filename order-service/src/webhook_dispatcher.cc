#include "order-service/src/webhook_dispatcher.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/log.h"
#include "order-service/src/webhooks.h"

namespace oms::order {

WebhookMetrics::WebhookMetrics(prometheus::Registry& registry) {
  auto& deliveries = prometheus::BuildCounter()
                         .Name("oms_order_webhook_deliveries_total")
                         .Help(
                             "Webhook delivery attempts by outcome (delivered, failed), and "
                             "events dead-lettered after the retry window")
                         .Register(registry);
  delivered_ = &deliveries.Add({{"outcome", "delivered"}});
  failed_ = &deliveries.Add({{"outcome", "failed"}});
  dead_lettered_ = &deliveries.Add({{"outcome", "dead_lettered"}});
  seconds_ = &prometheus::BuildHistogram()
                  .Name("oms_order_webhook_delivery_seconds")
                  .Help("How long an endpoint took to answer a delivery attempt (or to fail)")
                  .Register(registry)
                  .Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1,
                                                                   0.25, 0.5, 1, 2.5, 5, 10});
  failing_ = &prometheus::BuildGauge()
                  .Name("oms_order_webhook_failing_subscriptions")
                  .Help("Live webhook subscriptions whose endpoint is failing")
                  .Register(registry)
                  .Add({});
  longest_failing_ = &prometheus::BuildGauge()
                          .Name("oms_order_webhook_failing_seconds_max")
                          .Help(
                              "How long the longest-failing webhook subscription has been "
                              "failing (0 when none is): its oldest event waits at least that "
                              "long")
                          .Register(registry)
                          .Add({});
  follower_lag_ = &prometheus::BuildGauge()
                       .Name("oms_order_feed_consumer_lag_seconds")
                       .Help(
                           "Age of the oldest feed event a follower has not handled yet (0 when "
                           "caught up), by follower: customer-notifier, webhook:<subscription id>")
                       .Register(registry);
}

void WebhookMetrics::Attempt(const std::string& outcome, double seconds) {
  (outcome == "delivered" ? delivered_ : failed_)->Increment();
  seconds_->Observe(seconds);
}

void WebhookMetrics::DeadLettered() { dead_lettered_->Increment(); }

void WebhookMetrics::Failing(int subscriptions, double longest_seconds) {
  failing_->Set(subscriptions);
  longest_failing_->Set(longest_seconds);
}

void WebhookMetrics::FollowerLags(const v1::GetConsumerLagResponse& lags) {
  std::map<std::string, prometheus::Gauge*> current;
  for (const auto& consumer : lags.consumers()) {
    auto known = follower_lag_series_.find(consumer.consumer());
    prometheus::Gauge* gauge = known != follower_lag_series_.end()
                                   ? known->second
                                   : &follower_lag_->Add({{"consumer", consumer.consumer()}});
    gauge->Set(consumer.lag_seconds());
    current[consumer.consumer()] = gauge;
  }
  for (const auto& [name, gauge] : follower_lag_series_) {
    if (current.count(name) == 0) follower_lag_->Remove(gauge);
  }
  follower_lag_series_ = std::move(current);
}

WebhookDispatcher::WebhookDispatcher(PgWebhookStore& store, EventFeed& feed,
                                     WebhookMetrics& metrics, WebhookDispatcherOptions options)
    : store_(store),
      feed_(feed),
      metrics_(metrics),
      options_(std::move(options)),
      sender_(options_.sender),
      loop_([this] { return Step(); }) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() { loop_.Start(); }

void WebhookDispatcher::Stop() { loop_.Stop(); }

std::optional<std::chrono::milliseconds> WebhookDispatcher::Step() {
  ClaimWhileRoom();
  ReportFailing();
  if (active_.empty()) return options_.idle_pause;
  for (const auto& [tag, answer] : sender_.Poll(std::chrono::milliseconds(100))) {
    Answered(tag, answer);
  }
  return std::chrono::milliseconds(0);
}

void WebhookDispatcher::ClaimWhileRoom() {
  while (active_.size() < options_.max_in_flight) {
    auto claimed = store_.Claim(options_.owner, options_.lease);
    if (!claimed.ok()) {
      log::Warn("", "webhooks: cannot claim a subscription",
                {{"error", claimed.status().ToString()}});
      return;
    }
    if (!claimed->has_value()) return;
    const std::uint64_t tag = next_tag_++;
    Active& active = active_[tag];
    active.webhook = std::move(**claimed);
    active.page_end = active.webhook.cursor;
    if (!SendNext(tag, active)) active_.erase(tag);
  }
}

bool WebhookDispatcher::SendNext(std::uint64_t tag, Active& active) {
  const auto release = [&] {
    absl::Status released = store_.Release(active.webhook, options_.owner, options_.idle_pause);
    if (!released.ok()) {
      log::Warn("", "webhooks: cannot release a subscription",
                {{"webhook", active.webhook.id}, {"error", released.ToString()}});
    }
    return false;
  };
  active.sending.reset();
  if (active.queue.empty()) {
    auto redelivery = store_.NextRedelivery(active.webhook.id);
    if (!redelivery.ok()) return release();
    if (redelivery->has_value()) active.sending = std::move(**redelivery);
  }
  // Unwanted events are passed over a page at a time, the cursor moved past them.
  for (int pages = 0; !active.sending.has_value() && active.queue.empty() && pages < 10; ++pages) {
    if (active.webhook.cursor < active.page_end) {
      if (!store_.Skipped(active.webhook, options_.owner, active.page_end).ok()) return release();
      active.webhook.cursor = active.page_end;
    }
    v1::ListEventsResponse page;
    if (!feed_.ReadFeed(active.webhook.cursor, options_.page_size, &page).ok()) return release();
    if (page.events().empty()) return release();
    for (const auto& fed : page.events()) {
      const std::string type = WebhookEventType(fed.event());
      if (!WebhookWants(active.webhook.event_types, type)) continue;
      OutgoingEvent event;
      event.position = *ParseFeedCursor(fed.cursor());
      event.event_id = fed.cursor();
      event.event_type = type;
      event.order_id = fed.order_id();
      event.body = WebhookPayload(fed);
      active.queue.push_back(std::move(event));
    }
    active.page_end = *ParseFeedCursor(page.next_cursor());
  }
  if (!active.sending.has_value()) {
    if (active.queue.empty()) return release();
    active.sending = active.queue.front();
    active.queue.pop_front();
  }
  const OutgoingEvent& event = *active.sending;
  sender_.Start(tag, {active.webhook.url, active.webhook.secret, event.event_id,
                      std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count(),
                      event.body});
  return true;
}

void WebhookDispatcher::Answered(std::uint64_t tag, const WebhookAnswer& answer) {
  auto found = active_.find(tag);
  if (found == active_.end()) return;
  Active& active = found->second;
  const OutgoingEvent event = *active.sending;
  const int attempts = active.webhook.failed_attempts + 1;
  metrics_.Attempt(answer.ok() ? "delivered" : "failed",
                   std::chrono::duration<double>(answer.took).count());
  v1::WebhookDeliveryOutcome outcome = v1::WEBHOOK_DELIVERY_OUTCOME_DELIVERED;
  if (!answer.ok()) {
    log::Info("", "webhook delivery failed",
              {{"webhook", active.webhook.id}, {"event", event.event_id}, {"error", answer.error}});
    auto window_passed = store_.Failed(
        active.webhook, options_.owner, answer.error,
        WebhookBackoff(attempts, options_.retry_base, options_.retry_cap), options_.retry_window);
    if (!window_passed.ok() || !*window_passed) {
      active_.erase(found);  // due again after the backoff, on whichever replica claims it
      return;
    }
    outcome = v1::WEBHOOK_DELIVERY_OUTCOME_DEAD_LETTERED;
    metrics_.DeadLettered();
  }
  auto handled = store_.Handled(active.webhook, options_.owner, event, outcome, attempts,
                                answer.status_code, answer.error, options_.lease);
  if (!handled.ok() || !*handled) {
    // The lease went to another replica (it sends this event again), or the store failed: the
    // lease runs out and the event is sent again then.
    active_.erase(found);
    return;
  }
  active.webhook.failed_attempts = 0;
  if (!event.redelivery_of.has_value()) active.webhook.cursor = event.position;
  if (!SendNext(tag, active)) active_.erase(tag);
}

void WebhookDispatcher::ReportFailing() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_report_) return;
  next_report_ = now + std::chrono::seconds(5);
  auto failing = store_.FailingNow();
  if (failing.ok()) {
    metrics_.Failing(failing->subscriptions, static_cast<double>(failing->longest.count()));
  }
  // One short read per follower: the notifier and each subscription (few, and bounded).
  auto followers = feed_.Followers(kMaxFeedFollowersShown);
  v1::GetConsumerLagResponse lags;
  if (followers.ok() && AddFollowerLags(feed_, *followers,
                                        std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count(),
                                        &lags)
                            .ok()) {
    metrics_.FollowerLags(lags);
  }
}

}  // namespace oms::order
