#include "order-service/src/notifications.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace oms::order {
namespace {

struct Template {
  const char* subject;
  const char* body;
};

// {name}, {order}, {total} and {parcels} are filled in; the messages are plain text.
const std::map<std::pair<std::string, std::string>, Template>& Templates() {
  static const std::map<std::pair<std::string, std::string>, Template> kTemplates = {
      {{kNotifyConfirmed, "en"},
       {"Your order {order} is confirmed",
        "Hello {name},\n\nthank you for your order {order}. We have confirmed it and are "
        "preparing it for shipping.\n\nTotal: {total}\n"}},
      {{kNotifyConfirmed, "de"},
       {"Ihre Bestellung {order} ist bestätigt",
        "Hallo {name},\n\nvielen Dank für Ihre Bestellung {order}. Wir haben sie bestätigt und "
        "bereiten den Versand vor.\n\nSumme: {total}\n"}},
      {{kNotifyShipped, "en"},
       {"Your order {order} is on its way",
        "Hello {name},\n\nyour order {order} has shipped.\n\n{parcels}"}},
      {{kNotifyShipped, "de"},
       {"Ihre Bestellung {order} ist unterwegs",
        "Hallo {name},\n\nIhre Bestellung {order} wurde versandt.\n\n{parcels}"}},
      {{kNotifyDelivered, "en"},
       {"Your order {order} was delivered",
        "Hello {name},\n\nyour order {order} was delivered. We hope you enjoy it.\n"}},
      {{kNotifyDelivered, "de"},
       {"Ihre Bestellung {order} wurde zugestellt",
        "Hallo {name},\n\nIhre Bestellung {order} wurde zugestellt. Viel Freude damit!\n"}},
      {{kNotifyRefunded, "en"},
       {"A refund for your order {order}",
        "Hello {name},\n\nwe have received your return of order {order} and refunded it to your "
        "original payment method.\n"}},
      {{kNotifyRefunded, "de"},
       {"Erstattung zu Ihrer Bestellung {order}",
        "Hallo {name},\n\nwir haben Ihre Rücksendung zur Bestellung {order} erhalten und den "
        "Betrag auf Ihr ursprüngliches Zahlungsmittel erstattet.\n"}},
  };
  return kTemplates;
}

std::string Money(const common::v1::Money& money) {
  const int64_t minor = money.amount_minor();
  return absl::StrFormat("%s %d.%02d", money.currency(), minor / 100, std::llabs(minor % 100));
}

std::string ParcelLines(const std::string& locale, const std::vector<Parcel>& parcels) {
  std::string lines;
  for (const Parcel& parcel : parcels) {
    absl::StrAppend(&lines, locale == "de" ? "Sendungsnummer " : "Tracking number ", parcel.carrier,
                    " ", parcel.tracking_number, "\n");
  }
  return lines;
}

}  // namespace

bool IsNotificationLocale(absl::string_view locale) {
  return std::any_of(std::begin(kNotificationLocales), std::end(kNotificationLocales),
                     [locale](const char* known) { return locale == known; });
}

std::optional<std::string> NotificationKindFor(const v1::TimelineEvent& event) {
  if (event.source() == "order") {
    if (event.kind() == "STATUS_CONFIRMED") return kNotifyConfirmed;
    if (event.kind() == "STATUS_SHIPPED" || event.kind() == "STATUS_PARTIALLY_SHIPPED") {
      return kNotifyShipped;
    }
    if (event.kind() == "STATUS_DELIVERED") return kNotifyDelivered;
  }
  if (event.source() == "saga" && event.kind() == "refund FORWARD OK") return kNotifyRefunded;
  return std::nullopt;
}

RenderedNotification RenderNotification(const std::string& kind, const v1::Customer& customer,
                                        const v1::Order& order,
                                        const std::vector<Parcel>& parcels) {
  const std::string locale = IsNotificationLocale(customer.locale()) ? customer.locale() : "en";
  auto found = Templates().find({kind, locale});
  if (found == Templates().end()) found = Templates().find({kind, "en"});
  if (found == Templates().end()) return {kind, ""};  // no such kind: nothing to say
  const Template& chosen = found->second;
  const std::vector<std::pair<const absl::string_view, std::string>> fields = {
      {"{name}", customer.name()},
      {"{order}", order.id()},
      {"{total}", Money(order.total())},
      {"{parcels}", ParcelLines(locale, parcels)}};
  return {absl::StrReplaceAll(chosen.subject, fields), absl::StrReplaceAll(chosen.body, fields)};
}

std::string MailMessage(const v1::Notification& notification, const std::string& from,
                        absl::Time date) {
  std::string body = absl::StrReplaceAll(notification.body(), {{"\r\n", "\n"}});
  body = absl::StrReplaceAll(body, {{"\n", "\r\n"}});
  return absl::StrCat(
      "Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", date, absl::UTCTimeZone()),
      "\r\nFrom: ", from, "\r\nTo: <", notification.recipient(), ">\r\nMessage-ID: <",
      notification.event_id(), "@oms.notifications>\r\nSubject: =?UTF-8?B?",
      absl::Base64Escape(notification.subject()),
      "?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n",
      body);
}

}  // namespace oms::order
