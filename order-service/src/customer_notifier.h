// Tells customers about their orders: a follower of the feed (event_feed.h) that, for each event
// calling for a notification (notifications.h), renders it in the customer's language and hands
// it to the sender, then records it and moves its cursor past the event in one statement. One
// replica at a time runs it, under a lease; an event is told once (a crash between a mail and its
// record sends that mail again, at most).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/background_loop.h"
#include "order-service/src/event_feed.h"
#include "order-service/src/notification_sender.h"
#include "order-service/src/notification_store.h"
#include "order-service/src/shipping_client.h"

namespace oms::order {

inline constexpr char kCustomerNotifier[] = "customer-notifier";

struct CustomerNotifierOptions {
  std::string owner;  // this replica, for the lease
  std::chrono::milliseconds lease{60000};
  std::chrono::milliseconds idle_pause{1000};   // caught up with the feed
  std::chrono::milliseconds retry_pause{5000};  // a read or the sender failed
  int page_size = 100;
};

// What the notifier reads and where it sends.
struct NotifierSources {
  PgNotificationStore& store;  // orders and their customers are read through it too
  EventFeed& feed;
  ShippingClient& shipping;
};

class CustomerNotifier {
 public:
  CustomerNotifier(const NotifierSources& sources, NotificationSender& sender,
                   CustomerNotifierOptions options);
  ~CustomerNotifier();
  void Start();
  void Stop();

  // One round: claim, read a page of the feed, notify, record. The pause before the next.
  std::optional<std::chrono::milliseconds> Step();

 private:
  // The notification `kind` of `fed`, rendered for `recipient`.
  absl::StatusOr<v1::Notification> Compose(const v1::FeedEvent& fed, const std::string& kind,
                                           const Recipient& recipient);

  NotifierSources sources_;
  NotificationSender& sender_;
  const CustomerNotifierOptions options_;
  BackgroundLoop loop_;
};

}  // namespace oms::order
