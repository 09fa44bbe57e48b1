#include "order-service/src/customer_notifier.h"

#include <future>
#include <map>
#include <memory>
#include <vector>

#include "common/log.h"
#include "order-service/src/notifications.h"

namespace oms::order {
namespace {

// The parcels of the order that left the warehouse, with their carrier and tracking number.
absl::StatusOr<std::vector<Parcel>> ShippedParcels(ShippingClient& shipping,
                                                   const std::string& request_id,
                                                   const std::string& order_id) {
  auto promise =
      std::make_shared<std::promise<absl::StatusOr<shipping::v1::ListShipmentsResponse>>>();
  auto answer = promise->get_future();
  shipping.Shipments(request_id, order_id,
                     [promise](absl::StatusOr<shipping::v1::ListShipmentsResponse> reply) {
                       promise->set_value(std::move(reply));
                     });
  auto shipments = answer.get();
  if (!shipments.ok()) return shipments.status();
  std::vector<Parcel> parcels;
  for (const auto& shipment : shipments->shipments()) {
    if (shipment.kind() == shipping::v1::SHIPMENT_KIND_OUTBOUND &&
        !shipment.tracking_number().empty()) {
      parcels.push_back({shipment.carrier(), shipment.tracking_number()});
    }
  }
  return parcels;
}

}  // namespace

CustomerNotifier::CustomerNotifier(const NotifierSources& sources, NotificationSender& sender,
                                   CustomerNotifierOptions options)
    : sources_(sources),
      sender_(sender),
      options_(std::move(options)),
      loop_([this] { return Step(); }) {}

CustomerNotifier::~CustomerNotifier() { Stop(); }

void CustomerNotifier::Start() { loop_.Start(); }

void CustomerNotifier::Stop() {
  loop_.Stop();
  (void)sources_.store.Release(kCustomerNotifier, options_.owner);  // another replica may go on
}

absl::StatusOr<v1::Notification> CustomerNotifier::Compose(const v1::FeedEvent& fed,
                                                           const std::string& kind,
                                                           const Recipient& recipient) {
  const v1::Order& order = recipient.order;
  const v1::Customer& customer = recipient.customer;
  std::vector<Parcel> parcels;
  if (kind == kNotifyShipped) {
    auto shipped = ShippedParcels(sources_.shipping, "notify-" + fed.cursor(), order.id());
    if (!shipped.ok()) return shipped.status();
    parcels = *std::move(shipped);
  }
  const RenderedNotification rendered = RenderNotification(kind, customer, order, parcels);
  v1::Notification notification;
  notification.set_event_id(fed.cursor());
  notification.set_order_id(order.id());
  notification.set_kind(kind);
  notification.set_locale(IsNotificationLocale(customer.locale()) ? customer.locale() : "en");
  notification.set_recipient(customer.email());
  notification.set_subject(rendered.subject);
  notification.set_body(rendered.body);
  notification.set_channel(sender_.channel());
  return notification;
}

std::optional<std::chrono::milliseconds> CustomerNotifier::Step() {
  auto claimed = sources_.store.Claim(kCustomerNotifier, options_.owner, options_.lease);
  if (!claimed.ok() || !claimed->has_value()) return options_.idle_pause;
  v1::ListEventsResponse page;
  if (!sources_.feed.ReadFeed(**claimed, options_.page_size, &page).ok()) {
    return options_.retry_pause;
  }
  // The page's orders and customers in one read, not two per event.
  std::vector<std::string> order_ids;
  for (const auto& fed : page.events()) {
    if (NotificationKindFor(fed.event())) order_ids.push_back(fed.order_id());
  }
  std::map<std::string, Recipient> recipients;
  if (absl::Status read = sources_.store.ReadRecipients(order_ids, &recipients); !read.ok()) {
    log::Warn("", "customer notifications not composed", {{"error", read.ToString()}});
    return options_.retry_pause;
  }
  FeedPosition to = **claimed;
  std::vector<v1::Notification> sent;
  bool failed = false;
  for (const auto& fed : page.events()) {
    const auto kind = NotificationKindFor(fed.event());
    const auto recipient = recipients.find(fed.order_id());
    // An order (or its customer) that is gone is told nothing.
    if (kind && recipient != recipients.end()) {
      auto notification = Compose(fed, *kind, recipient->second);
      absl::Status status = notification.status();
      if (status.ok()) status = sender_.Send(*notification);
      if (!status.ok()) {
        log::Warn("", "customer notification not sent",
                  {{"event", fed.cursor()}, {"error", status.ToString()}});
        failed = true;
        break;
      }
      sent.push_back(*std::move(notification));
    }
    to = *ParseFeedCursor(fed.cursor());
  }
  if (**claimed < to) {
    auto advanced = sources_.store.Advance(kCustomerNotifier, options_.owner, to, sent);
    if (!advanced.ok()) return options_.retry_pause;
  }
  if (failed) return options_.retry_pause;
  return page.events_size() < options_.page_size ? options_.idle_pause
                                                 : std::chrono::milliseconds(0);
}

}  // namespace oms::order
