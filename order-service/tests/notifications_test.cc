// Which feed events tell a customer something, and the message in their language.
#include "order-service/src/notifications.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "order-service/tests/timeline_event_of.h"

namespace oms::order {
namespace {

v1::Customer Erika(const std::string& locale) {
  v1::Customer customer;
  customer.set_name("Erika Mustermann");
  customer.set_email("erika@example.com");
  customer.set_locale(locale);
  return customer;
}

v1::Order Order() {
  v1::Order order;
  order.set_id("2f1e7f4e-0000-4000-8000-000000000001");
  order.mutable_total()->set_currency("EUR");
  order.mutable_total()->set_amount_minor(1546);
  return order;
}

TEST(NotificationKindTest, ConfirmedShippedDeliveredAndRefundedOnly) {
  EXPECT_EQ(NotificationKindFor(TimelineEventOf("order", "STATUS_CONFIRMED")), kNotifyConfirmed);
  EXPECT_EQ(NotificationKindFor(TimelineEventOf("order", "STATUS_PARTIALLY_SHIPPED")),
            kNotifyShipped);
  EXPECT_EQ(NotificationKindFor(TimelineEventOf("order", "STATUS_SHIPPED")), kNotifyShipped);
  EXPECT_EQ(NotificationKindFor(TimelineEventOf("order", "STATUS_DELIVERED")), kNotifyDelivered);
  EXPECT_EQ(NotificationKindFor(TimelineEventOf("saga", "refund FORWARD OK")), kNotifyRefunded);
  for (const auto& [source, kind] :
       {std::pair{"order", "STATUS_PENDING"}, std::pair{"order", "STATUS_REJECTED"},
        std::pair{"saga", "refund FORWARD TRANSIENT"}, std::pair{"saga", "capture FORWARD OK"},
        std::pair{"shipping", "SHIPPED"}}) {
    EXPECT_FALSE(NotificationKindFor(TimelineEventOf(source, kind)).has_value())
        << source << " " << kind;
  }
}

TEST(RenderNotificationTest, SpeaksTheCustomersLanguageWithTheOrdersFacts) {
  const RenderedNotification en = RenderNotification(kNotifyConfirmed, Erika("en"), Order(), {});
  EXPECT_EQ(en.subject, "Your order 2f1e7f4e-0000-4000-8000-000000000001 is confirmed");
  EXPECT_TRUE(absl::StrContains(en.body, "Hello Erika Mustermann")) << en.body;
  EXPECT_TRUE(absl::StrContains(en.body, "Total: EUR 15.46")) << en.body;

  const RenderedNotification de =
      RenderNotification(kNotifyShipped, Erika("de"), Order(), {{"DHL", "00340434161234567890"}});
  EXPECT_EQ(de.subject, "Ihre Bestellung 2f1e7f4e-0000-4000-8000-000000000001 ist unterwegs");
  EXPECT_TRUE(absl::StrContains(de.body, "Sendungsnummer DHL 00340434161234567890")) << de.body;

  // A language without templates reads English.
  EXPECT_EQ(RenderNotification(kNotifyDelivered, Erika("fr"), Order(), {}).subject,
            "Your order 2f1e7f4e-0000-4000-8000-000000000001 was delivered");
  EXPECT_TRUE(IsNotificationLocale("de"));
  EXPECT_FALSE(IsNotificationLocale("fr"));
}

TEST(MailMessageTest, EncodesTheSubjectAndEndsEveryLineWithCrLf) {
  v1::Notification notification;
  notification.set_event_id("812.0.5");
  notification.set_recipient("erika@example.com");
  notification.set_subject("Ihre Bestellung ist bestätigt");
  notification.set_body("Hallo Erika,\n\nSumme: EUR 15.46\n");
  const std::string mail =
      MailMessage(notification, "Shop <orders@shop.example>", absl::FromUnixSeconds(1800000000));
  EXPECT_TRUE(absl::StartsWith(mail, "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n")) << mail;
  EXPECT_TRUE(absl::StrContains(mail, "\r\nFrom: Shop <orders@shop.example>\r\n"));
  EXPECT_TRUE(absl::StrContains(mail, "\r\nTo: <erika@example.com>\r\n"));
  EXPECT_TRUE(absl::StrContains(mail, "\r\nMessage-ID: <812.0.5@oms.notifications>\r\n"));
  EXPECT_TRUE(absl::StrContains(
      mail, "\r\nSubject: =?UTF-8?B?" + absl::Base64Escape(notification.subject()) + "?=\r\n"));
  EXPECT_TRUE(absl::EndsWith(mail, "\r\n\r\nHallo Erika,\r\n\r\nSumme: EUR 15.46\r\n")) << mail;
  EXPECT_FALSE(absl::StrContains(absl::StrReplaceAll(mail, {{"\r\n", ""}}), "\n"));
}

}  // namespace
}  // namespace oms::order
