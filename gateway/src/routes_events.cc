// GET /v1/events: the feed of every order's events (order-service's ListEvents), for systems that
// follow all orders from a cursor. It holds every customer's orders, so a customer-bound
// credential is refused outright (403 CUSTOMER_MISMATCH) rather than shown a filtered feed.
// GET /v1/consumers: how far behind order-service's consumers of events are (GetConsumerLag),
// for operators (the console's health strip).
#include "absl/strings/numbers.h"
#include "common/status.h"
#include "gateway/src/auth.h"
#include "gateway/src/backends.h"
#include "gateway/src/forward.h"
#include "gateway/src/gateway.h"
#include "gateway/src/routes.h"

namespace oms::gateway {

namespace ord = oms::order::v1;

absl::Status AddEventRoutes(Gateway& gateway, Backends& backends, const RouteOptions& options) {
  ord::OrderService::Stub* stub = &backends.order();
  RouteSpec feed;
  feed.method = "GET";
  feed.path = "/v1/events";
  feed.operation_id = "ListEvents";
  feed.summary =
      "Every order's events (status changes, the saga steps that reserve, authorize, ship, "
      "capture, invoice, cancel, return and refund, and the shipment events that change a "
      "shipment's status), each shaped as in the order's timeline with "
      "its orderId and cursor. Read on with after=nextCursor (also when no events came): an "
      "event appears once every transaction begun before it has ended, so nothing committed "
      "late is missed and nothing comes twice. A customer-bound credential: 403";
  feed.access.scope = kScopeOrdersRead;
  feed.query = {{"after", ParamType::kString, false,
                 "a cursor or nextCursor answered before; absent: from the first event"},
                {"pageSize", ParamType::kInteger, false, "1 to 500 (0 or absent: 50)"}};
  feed.response = ord::ListEventsResponse::descriptor();
  feed.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (exchange->principal().customer_bound()) {
      exchange->Fail(WithReason(absl::StatusCode::kPermissionDenied, "CUSTOMER_MISMATCH",
                                "the event feed holds every customer's orders: this credential "
                                "acts for one customer"));
      return;
    }
    ord::ListEventsRequest request;
    if (const std::string* after = exchange->query("after")) request.set_after(*after);
    int page_size = 0;
    if (const std::string* size = exchange->query("pageSize")) {
      (void)absl::SimpleAtoi(*size, &page_size);  // an integer: the pipeline checked its type
    }
    request.set_page_size(page_size);
    Forward<ord::ListEventsResponse>(exchange, std::move(request),
                                     [stub](auto... args) { stub->async()->ListEvents(args...); });
  };

  RouteSpec lag;
  lag.method = "GET";
  lag.path = "/v1/consumers";
  lag.operation_id = "GetConsumerLag";
  lag.summary =
      "How far behind each consumer of events is, in seconds (the age of the oldest event it has "
      "not handled; 0 when caught up): shipping-events (order-service taking in shipping's "
      "stream), customer-notifier, and webhook:<id> per subscription; with maxLagSeconds";
  lag.access.scope = kScopeAdmin;
  lag.response = ord::GetConsumerLagResponse::descriptor();
  lag.handler = [stub](std::shared_ptr<Exchange> exchange) {
    Forward<ord::GetConsumerLagResponse>(
        exchange, ord::GetConsumerLagRequest(),
        [stub](auto... args) { stub->async()->GetConsumerLag(args...); });
  };

  std::vector<RouteSpec> routes;
  routes.push_back(std::move(feed));
  routes.push_back(std::move(lag));
  return AddRoutes(gateway, std::move(routes), "events", options.deadline);
}

}  // namespace oms::gateway
