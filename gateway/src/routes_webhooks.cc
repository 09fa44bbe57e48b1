// Webhook subscriptions, forwarded to order-service, which delivers them (admin only): create
// (the signing secret is in this one answer only, which no cache may keep), list, delete, and a
// subscription's delivery log with its redeliver action.
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/validation.h"
#include "gateway/src/auth.h"
#include "gateway/src/backends.h"
#include "gateway/src/forward.h"
#include "gateway/src/gateway.h"
#include "gateway/src/page_params.h"
#include "gateway/src/routes.h"

namespace oms::gateway {
namespace {

namespace ord = oms::order::v1;

absl::Status WebhookNotFound(const Exchange& exchange) {
  return WithReason(absl::StatusCode::kNotFound, "WEBHOOK_NOT_FOUND",
                    absl::StrCat("webhook ", exchange.param("id"), " not found"));
}

absl::Status DeliveryNotFound(const Exchange& exchange) {
  return WithReason(absl::StatusCode::kNotFound, "WEBHOOK_DELIVERY_NOT_FOUND",
                    absl::StrCat("webhook ", exchange.param("id"), " has no delivery ",
                                 exchange.param("deliveryId")));
}

// An id that is no subscription's is answered as a missing one, without asking.
bool WebhookIdOrFail(Exchange& exchange) {
  if (ValidateUuid(exchange.param("id"), "id", "a webhook id").ok()) return true;
  exchange.Fail(WebhookNotFound(exchange));
  return false;
}

RouteSpec AdminRoute(const std::string& method, const std::string& path,
                     const std::string& operation_id, const std::string& summary) {
  RouteSpec route;
  route.method = method;
  route.path = path;
  route.operation_id = operation_id;
  route.summary = summary;
  route.access.scope = kScopeAdmin;
  route.not_found = WebhookNotFound;
  return route;
}

}  // namespace

absl::Status AddWebhookRoutes(Gateway& gateway, Backends& backends, const RouteOptions& options) {
  ord::OrderService::Stub* stub = &backends.order();
  std::vector<RouteSpec> routes;

  RouteSpec create = AdminRoute(
      "POST", "/v1/webhooks", "CreateWebhook",
      "Subscribe an endpoint: {url (http or https; a private, loopback or link-local address "
      "only when order-service's --webhook_allowed_networks names it), eventTypes (prefixes "
      "such as order.status or saga.capture; none: every event)}. Every event of the feed "
      "(GET /v1/events) committed from now on whose type matches is POSTed to it, one at a "
      "time in feed order, signed as Standard Webhooks sign (webhook-id, webhook-timestamp, "
      "webhook-signature), at least once: deduplicate by webhook-id. 201 with the subscription "
      "and its secret (whsec_...), shown this once; a repeat of the Idempotency-Key answers 409 "
      "SECRET_NOT_REPLAYED. Every answer carries Cache-Control: no-store");
  create.not_found = nullptr;
  create.body = ord::CreateWebhookRequest::descriptor();
  create.response = ord::CreatedWebhook::descriptor();
  create.success_status = 201;
  create.secret_answer = true;  // never kept for Idempotency-Key replays
  create.handler = [stub](std::shared_ptr<Exchange> exchange) {
    ord::CreateWebhookRequest request;
    if (!ParseBodyOrFail(*exchange, &request)) return;
    Forward<ord::CreatedWebhook>(exchange, std::move(request),
                                 [stub](auto... args) { stub->async()->CreateWebhook(args...); });
  };
  routes.push_back(std::move(create));

  RouteSpec list = AdminRoute(
      "GET", "/v1/webhooks", "ListWebhooks",
      "Webhook subscriptions, newest first, deleted ones too: url, eventTypes, cursor (the last "
      "event delivered or dead-lettered), and while the endpoint fails: failingSince, "
      "failedAttempts, lastError, nextAttemptTime; never a secret");
  list.not_found = nullptr;
  list.query = PageParams();
  list.response = ord::ListWebhooksResponse::descriptor();
  list.handler = [stub](std::shared_ptr<Exchange> exchange) {
    ord::ListWebhooksRequest request;
    ReadPage(*exchange, &request);
    Forward<ord::ListWebhooksResponse>(exchange, std::move(request), [stub](auto... args) {
      stub->async()->ListWebhooks(args...);
    });
  };
  routes.push_back(std::move(list));

  RouteSpec remove =
      AdminRoute("DELETE", "/v1/webhooks/{id}", "DeleteWebhook",
                 "Stop a subscription (a delivery in flight may still arrive). Answers it with its "
                 "deleteTime; deleting again answers the same");
  remove.response = ord::Webhook::descriptor();
  remove.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!WebhookIdOrFail(*exchange)) return;
    ord::DeleteWebhookRequest request;
    request.set_id(exchange->param("id"));
    Forward<ord::Webhook>(exchange, std::move(request),
                          [stub](auto... args) { stub->async()->DeleteWebhook(args...); });
  };
  routes.push_back(std::move(remove));

  RouteSpec log = AdminRoute(
      "GET", "/v1/webhooks/{id}/deliveries", "ListWebhookDeliveries",
      "A subscription's delivery log, newest first: every event delivered or dead-lettered "
      "(outcome), with its eventId (the webhook-id sent), eventType, orderId, attempts, the "
      "last status code and error, and redeliveryPending");
  log.query = PageParams();
  log.response = ord::ListWebhookDeliveriesResponse::descriptor();
  log.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!WebhookIdOrFail(*exchange)) return;
    ord::ListWebhookDeliveriesRequest request;
    ReadPage(*exchange, &request);
    request.set_webhook_id(exchange->param("id"));
    Forward<ord::ListWebhookDeliveriesResponse>(exchange, std::move(request), [stub](auto... args) {
      stub->async()->ListWebhookDeliveries(args...);
    });
  };
  routes.push_back(std::move(log));

  RouteSpec redeliver = AdminRoute(
      "POST", "/v1/webhooks/{id}/deliveries/{deliveryId}:redeliver", "RedeliverWebhook",
      "Send a logged delivery again (a dead-lettered one, typically), with its first body and "
      "webhook-id, before the subscription's next events; the log shows the outcome. 404 "
      "WEBHOOK_DELIVERY_NOT_FOUND when there is no such subscription or delivery");
  redeliver.response = ord::WebhookDelivery::descriptor();
  redeliver.not_found = DeliveryNotFound;
  redeliver.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!WebhookIdOrFail(*exchange)) return;
    ord::RedeliverWebhookRequest request;
    request.set_webhook_id(exchange->param("id"));
    request.set_delivery_id(exchange->param("deliveryId"));
    Forward<ord::WebhookDelivery>(exchange, std::move(request), [stub](auto... args) {
      stub->async()->RedeliverWebhook(args...);
    });
  };
  routes.push_back(std::move(redeliver));

  return AddRoutes(gateway, std::move(routes), "webhooks", options.deadline);
}

}  // namespace oms::gateway
