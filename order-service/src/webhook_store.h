// Webhook subscriptions and their delivery log in the order database: what the admin calls
// change (WebhookStore), and what the dispatcher (webhook_dispatcher.h) claims and records.
// Every dispatcher write is fenced by the lease it claimed: a replica whose lease passed to
// another changes nothing (the other delivers; receivers deduplicate by webhook-id).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/order/v1/order.pb.h"
#include "order-service/src/event_feed.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;
  // A subscription from now on: its cursor stands before every event of a transaction that
  // may still commit.
  [[nodiscard]] virtual absl::Status Create(const v1::CreateWebhookRequest& request,
                                            const std::string& secret, v1::Webhook* out) = 0;
  // Newest first; `after` is a page token's payload ("" for the first page).
  [[nodiscard]] virtual absl::Status List(const std::string& after, int page_size,
                                          v1::ListWebhooksResponse* out) = 0;
  // NOT_FOUND / WEBHOOK_NOT_FOUND when there is none.
  [[nodiscard]] virtual absl::Status Delete(const std::string& id, v1::Webhook* out) = 0;
  [[nodiscard]] virtual absl::Status ListDeliveries(const std::string& webhook_id,
                                                    const std::string& after, int page_size,
                                                    v1::ListWebhookDeliveriesResponse* out) = 0;
  // Marks a logged delivery to be sent again, and the subscription due now. NOT_FOUND /
  // WEBHOOK_DELIVERY_NOT_FOUND when the subscription has no such delivery.
  [[nodiscard]] virtual absl::Status Redeliver(const std::string& webhook_id,
                                               const std::string& delivery_id,
                                               v1::WebhookDelivery* out) = 0;
};

// A subscription claimed for delivery.
struct ClaimedWebhook {
  std::string id;
  std::string url;
  std::string secret;
  google::protobuf::RepeatedPtrField<std::string> event_types;
  FeedPosition cursor;
  int failed_attempts = 0;
};

// What is sent: an event of the feed, or a logged delivery sent again.
struct OutgoingEvent {
  std::optional<int64_t> redelivery_of;  // the delivery's id, for a redelivery
  FeedPosition position;                 // the event's (not moved for a redelivery)
  std::string event_id;
  std::string event_type;
  std::string order_id;
  std::string body;
};

class PgWebhookStore final : public WebhookStore {
 public:
  explicit PgWebhookStore(PgPool& pool) : pool_(pool) {}
  static const std::vector<PreparedStatement>& Statements();

  absl::Status Create(const v1::CreateWebhookRequest& request, const std::string& secret,
                      v1::Webhook* out) override;
  absl::Status List(const std::string& after, int page_size,
                    v1::ListWebhooksResponse* out) override;
  absl::Status Delete(const std::string& id, v1::Webhook* out) override;
  absl::Status ListDeliveries(const std::string& webhook_id, const std::string& after,
                              int page_size, v1::ListWebhookDeliveriesResponse* out) override;
  absl::Status Redeliver(const std::string& webhook_id, const std::string& delivery_id,
                         v1::WebhookDelivery* out) override;

  // A live subscription that is due and not leased, leased to `owner` for `lease`.
  [[nodiscard]] absl::StatusOr<std::optional<ClaimedWebhook>> Claim(
      const std::string& owner, std::chrono::milliseconds lease);
  // The oldest delivery of the subscription waiting to be sent again.
  [[nodiscard]] absl::StatusOr<std::optional<OutgoingEvent>> NextRedelivery(
      const std::string& webhook_id);
  // `event` is done with: the endpoint took it (kDelivered), or failed it for the whole retry
  // window (kDeadLettered, with the last `error`). Logged (a redelivery's log entry updated; it
  // stays DEAD_LETTERED when it failed again), the cursor past it, the failures forgotten, the
  // lease renewed for `lease`. False when the lease was lost, or the event was handled already.
  [[nodiscard]] absl::StatusOr<bool> Handled(const ClaimedWebhook& webhook,
                                             const std::string& owner, const OutgoingEvent& event,
                                             v1::WebhookDeliveryOutcome outcome, int attempts,
                                             int status_code, const std::string& error,
                                             std::chrono::milliseconds lease);
  // The endpoint failed the next event: counted, the next attempt after `backoff`, the lease
  // given up. Unless the subscription has been failing for `window` or longer: then the lease
  // stays, and the answer is true (Handled, kDeadLettered, next). False when the lease was lost
  // too.
  [[nodiscard]] absl::StatusOr<bool> Failed(const ClaimedWebhook& webhook, const std::string& owner,
                                            const std::string& error,
                                            std::chrono::milliseconds backoff,
                                            std::chrono::milliseconds window);
  // Events the subscription does not want, up to `position`: the cursor moves past them.
  [[nodiscard]] absl::Status Skipped(const ClaimedWebhook& webhook, const std::string& owner,
                                     const FeedPosition& position);
  // Nothing more to send now: leased to nobody, due again after `pause`.
  [[nodiscard]] absl::Status Release(const ClaimedWebhook& webhook, const std::string& owner,
                                     std::chrono::milliseconds pause);
  // The longest any live subscription has been failing (zero when none is), and how many are.
  struct Failing {
    std::chrono::seconds longest{0};
    int subscriptions = 0;
  };
  [[nodiscard]] absl::StatusOr<Failing> FailingNow();

 private:
  PgPool& pool_;
};

}  // namespace oms::order
