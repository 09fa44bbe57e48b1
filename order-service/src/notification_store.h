// The customer notifier's state in the order database: the notifications handed over (which are
// the local outbox when no mail server is configured), and the notifier's place in the feed under
// a lease, so that one replica at a time tells customers, and each event at most once.
#pragma once

#include <chrono>
#include <map>
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

class NotificationLog {
 public:
  virtual ~NotificationLog() = default;
  // The order's notifications, oldest first.
  [[nodiscard]] virtual absl::Status List(const std::string& order_id,
                                          v1::ListNotificationsResponse* out) = 0;
};

// What a notification about an order needs: the order, and its customer (name, email, locale).
struct Recipient {
  v1::Order order;
  v1::Customer customer;
};

class PgNotificationStore final : public NotificationLog {
 public:
  explicit PgNotificationStore(PgPool& pool) : pool_(pool) {}
  static const std::vector<PreparedStatement>& Statements();

  absl::Status List(const std::string& order_id, v1::ListNotificationsResponse* out) override;

  // The follower `name`'s cursor, leased to `owner` for `lease` (again, when it holds it); none
  // while another replica's lease runs.
  [[nodiscard]] absl::StatusOr<std::optional<FeedPosition>> Claim(const std::string& name,
                                                                  const std::string& owner,
                                                                  std::chrono::milliseconds lease);
  // Records `sent` (an event's notification recorded before is left as it is) and moves the
  // cursor forward to `to`, in one statement, while `owner` holds the lease. False when it does
  // not any more (then nothing is written).
  [[nodiscard]] absl::StatusOr<bool> Advance(const std::string& name, const std::string& owner,
                                             const FeedPosition& to,
                                             const std::vector<v1::Notification>& sent);
  [[nodiscard]] absl::Status Release(const std::string& name, const std::string& owner);
  // The orders of `order_ids` with their customers, by order id, in one read; an order that
  // does not exist (or whose customer does not) is left out.
  [[nodiscard]] absl::Status ReadRecipients(const std::vector<std::string>& order_ids,
                                            std::map<std::string, Recipient>* out);

 private:
  PgPool& pool_;
};

}  // namespace oms::order
