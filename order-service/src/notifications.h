// Customer notifications: which events of the feed a customer is told about (the order confirmed,
// shipped with its tracking, delivered, refunded) and the message for each, from templates per
// locale. Pure: the notifier (customer_notifier.h) reads the order, customer and shipments.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

// The locales with templates; a customer's `locale` is one of them ("en" when left out).
inline constexpr const char* kNotificationLocales[] = {"en", "de"};
bool IsNotificationLocale(absl::string_view locale);

// What a customer is told about, as the notifications table stores it.
inline constexpr char kNotifyConfirmed[] = "ORDER_CONFIRMED";
inline constexpr char kNotifyShipped[] = "ORDER_SHIPPED";
inline constexpr char kNotifyDelivered[] = "ORDER_DELIVERED";
inline constexpr char kNotifyRefunded[] = "ORDER_REFUNDED";

// The kind of notification an event of the feed calls for: its order confirmed, shipped (in
// part or whole), delivered, or a refund made (a return's refund step); none for anything else.
std::optional<std::string> NotificationKindFor(const v1::TimelineEvent& event);

struct Parcel {
  std::string carrier;
  std::string tracking_number;
};

// A message ready to hand to a sender.
struct RenderedNotification {
  std::string subject;
  std::string body;
};

// The message of `kind` in the customer's locale (English when it has no templates): the
// customer's name, the order's id and total, and for ORDER_SHIPPED each parcel's carrier and
// tracking number.
RenderedNotification RenderNotification(const std::string& kind, const v1::Customer& customer,
                                        const v1::Order& order, const std::vector<Parcel>& parcels);

// `notification` as an email (RFC 5322): Date, From, To, Message-ID (from its event id), the
// subject encoded for UTF-8 (RFC 2047), a plain text UTF-8 body, every line ending in CRLF.
std::string MailMessage(const v1::Notification& notification, const std::string& from,
                        absl::Time date);

}  // namespace oms::order
