// What follows a placed order, forwarded to order-service: cancelling it, its timeline, and
// returns (requested by the customer, received by the warehouse).
//
// Cancel, timeline and return requests are owner-guarded like GET /v1/orders/{id}: a
// customer-bound credential naming another customer's order gets exactly the 404 of a missing
// order, and nothing is cancelled or returned. Receiving a return is a warehouse's act
// (shipments:write, like POST /v1/shipments/{id}/events) and names a return, not an order.

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/validation.h"
#include "gateway/src/auth.h"
#include "gateway/src/backends.h"
#include "gateway/src/forward.h"
#include "gateway/src/gateway.h"
#include "gateway/src/routes.h"

namespace oms::gateway {
namespace {

namespace ord = oms::order::v1;

absl::Status ReturnNotFound(const Exchange& exchange) {
  return WithReason(absl::StatusCode::kNotFound, "RETURN_NOT_FOUND",
                    absl::StrCat("return ", exchange.param("id"), " not found"));
}

void CancelOrder(const std::shared_ptr<Exchange>& exchange, Backends& backends) {
  ord::CancelOrderRequest request;
  // The body ({reason}) is optional: an empty one cancels without a reason.
  if (!absl::StripAsciiWhitespace(exchange->request().body).empty() &&
      !ParseBodyOrFail(*exchange, &request, exchange->route().body_excluded)) {
    return;
  }
  request.set_id(exchange->param("id"));
  ord::OrderService::Stub* stub = &backends.order();
  WhenOrderVisible(exchange, backends, request.id(), [exchange, stub, request] {
    Forward<ord::Order>(exchange, request,
                        [stub](auto... args) { stub->async()->CancelOrder(args...); });
  });
}

void ModifyOrder(const std::shared_ptr<Exchange>& exchange, Backends& backends) {
  ord::ModifyOrderRequest request;
  if (!ParseBodyOrFail(*exchange, &request, exchange->route().body_excluded)) return;
  request.set_order_id(exchange->param("id"));
  request.set_request_id(*KeyedRequestId(*exchange));
  ord::OrderService::Stub* stub = &backends.order();
  WhenOrderVisible(exchange, backends, request.order_id(), [exchange, stub, request] {
    Forward<ord::Order>(exchange, request,
                        [stub](auto... args) { stub->async()->ModifyOrder(args...); });
  });
}

void GetTimeline(const std::shared_ptr<Exchange>& exchange, Backends& backends) {
  ord::GetOrderTimelineRequest request;
  request.set_id(exchange->param("id"));
  ord::OrderService::Stub* stub = &backends.order();
  WhenOrderVisible(exchange, backends, request.id(), [exchange, stub, request] {
    Forward<ord::OrderTimeline>(exchange, request,
                                [stub](auto... args) { stub->async()->GetOrderTimeline(args...); });
  });
}

void CreateReturn(const std::shared_ptr<Exchange>& exchange, Backends& backends) {
  ord::CreateReturnRequest request;
  if (!ParseBodyOrFail(*exchange, &request, exchange->route().body_excluded)) return;
  request.set_order_id(exchange->param("id"));
  request.set_request_id(*KeyedRequestId(*exchange));
  ord::OrderService::Stub* stub = &backends.order();
  WhenOrderVisible(exchange, backends, request.order_id(), [exchange, stub, request] {
    Forward<ord::Return>(exchange, request,
                         [stub](auto... args) { stub->async()->CreateReturn(args...); });
  });
}

void ReceiveReturn(const std::shared_ptr<Exchange>& exchange, ord::OrderService::Stub* stub) {
  ord::ReceiveReturnRequest request;
  if (!ParseBodyOrFail(*exchange, &request, exchange->route().body_excluded)) return;
  request.set_return_id(exchange->param("id"));
  request.set_request_id(*KeyedRequestId(*exchange));
  // order-service knows the warehouse each return is headed to, so it judges the binding.
  request.set_acting_warehouse_id(exchange->principal().warehouse_id);
  Forward<ord::Return>(exchange, std::move(request),
                       [stub](auto... args) { stub->async()->ReceiveReturn(args...); });
}

}  // namespace

absl::Status AddOrderFollowUpRoutes(Gateway& gateway, Backends& backends,
                                    const RouteOptions& options) {
  std::vector<RouteSpec> routes;

  RouteSpec cancel;
  cancel.method = "POST";
  cancel.path = "/v1/orders/{id}:cancel";
  cancel.operation_id = "CancelOrder";
  cancel.summary =
      "Cancel what is still cancellable (body {reason}, optional): unshipped shipments are "
      "cancelled, their stock released and their share of the payment voided; shipped parts stay. "
      "Answers at once with the order (the cancellation runs in the background); a repeat answers "
      "the same. Nothing left to cancel (a final order): 409 NOTHING_TO_CANCEL; an order still "
      "being placed: 409 ORDER_NOT_CONFIRMED; an edit running: 409 EDIT_IN_PROGRESS; a "
      "backorder fill's shipment being created: 409 BACKORDER_FILL_IN_PROGRESS (cancel again "
      "once it is listed, usually within a second)";
  cancel.access.scope = kScopeOrdersWrite;
  cancel.access.owner_guarded = true;
  cancel.idempotency_key = IdempotencyKey::kOptional;  // cancelling is idempotent by itself
  cancel.body = ord::CancelOrderRequest::descriptor();
  cancel.body_optional = true;
  cancel.body_excluded = {"id"};
  cancel.response = ord::Order::descriptor();
  cancel.extra_errors = {409};
  cancel.not_found = OrderNotFoundById;
  cancel.handler = [&backends](std::shared_ptr<Exchange> exchange) {
    CancelOrder(exchange, backends);
  };
  routes.push_back(std::move(cancel));

  RouteSpec modify;
  modify.method = "POST";
  modify.path = "/v1/orders/{id}:modify";
  modify.operation_id = "ModifyOrder";
  modify.summary =
      "Edit a confirmed order before anything of it ships: {version, lines: [{sku, quantity}]}, "
      "the order's lines as they should be (a line left out is cancelled). Existing lines keep "
      "their price and adjustments; added SKUs take today's price. Answers at once with the "
      "order at its current version; the edit runs in the background (reserve and authorize the "
      "difference, rebuild the shipments, release and void the rest) and the order shows "
      "version + 1 once it took effect. Another version: 409 VERSION_CONFLICT; a shipment "
      "shipped: 409 LINE_ALREADY_SHIPPED; not editable: 409 ORDER_NOT_EDITABLE; another edit "
      "running: 409 EDIT_IN_PROGRESS";
  modify.access.scope = kScopeOrdersWrite;
  modify.access.owner_guarded = true;
  modify.idempotency_key = IdempotencyKey::kRequired;
  modify.body = ord::ModifyOrderRequest::descriptor();
  modify.body_excluded = {"requestId", "orderId"};
  modify.response = ord::Order::descriptor();
  modify.extra_errors = {409};
  modify.not_found = OrderNotFoundById;
  modify.handler = [&backends](std::shared_ptr<Exchange> exchange) {
    ModifyOrder(exchange, backends);
  };
  routes.push_back(std::move(modify));

  RouteSpec timeline;
  timeline.method = "GET";
  timeline.path = "/v1/orders/{id}/timeline";
  timeline.operation_id = "GetOrderTimeline";
  timeline.summary =
      "Every event of the order across all services (order status changes, saga steps, payment "
      "transactions, shipment journals), in time order";
  timeline.access.scope = kScopeOrdersRead;
  timeline.access.owner_guarded = true;
  timeline.response = ord::OrderTimeline::descriptor();
  timeline.not_found = OrderNotFoundById;
  timeline.handler = [&backends](std::shared_ptr<Exchange> exchange) {
    GetTimeline(exchange, backends);
  };
  routes.push_back(std::move(timeline));

  RouteSpec notifications;
  notifications.method = "GET";
  notifications.path = "/v1/orders/{id}/notifications";
  notifications.operation_id = "ListNotifications";
  notifications.summary =
      "What the customer was told about the order (ORDER_CONFIRMED, ORDER_SHIPPED with the "
      "parcels' tracking, ORDER_DELIVERED, ORDER_REFUNDED), in the customer's locale, oldest "
      "first: recipient, subject, body, and channel (outbox: kept for another system to send; "
      "smtp: sent by mail)";
  notifications.access.scope = kScopeOrdersRead;
  notifications.access.owner_guarded = true;
  notifications.response = ord::ListNotificationsResponse::descriptor();
  notifications.not_found = OrderNotFoundById;
  notifications.handler = [&backends](std::shared_ptr<Exchange> exchange) {
    ord::ListNotificationsRequest request;
    request.set_order_id(exchange->param("id"));
    ord::OrderService::Stub* stub = &backends.order();
    WhenOrderVisible(exchange, backends, request.order_id(), [exchange, stub, request] {
      Forward<ord::ListNotificationsResponse>(
          exchange, request, [stub](auto... args) { stub->async()->ListNotifications(args...); });
    });
  };
  routes.push_back(std::move(notifications));

  RouteSpec create_return;
  create_return.method = "POST";
  create_return.path = "/v1/orders/{id}/returns";
  create_return.operation_id = "CreateReturn";
  create_return.summary =
      "Request a return of delivered units: {lines: [{sku, quantity}], reason}. 201 with the "
      "return; a retry with the same Idempotency-Key answers the same return. More than was "
      "delivered and not yet returned: 422 RETURN_EXCEEDS_DELIVERED; nothing delivered yet: 409 "
      "ORDER_NOT_DELIVERED";
  create_return.access.scope = kScopeOrdersWrite;
  create_return.access.owner_guarded = true;
  create_return.idempotency_key = IdempotencyKey::kRequired;
  create_return.body = ord::CreateReturnRequest::descriptor();
  create_return.body_excluded = {"requestId", "orderId"};
  create_return.response = ord::Return::descriptor();
  create_return.success_status = 201;
  create_return.extra_errors = {409, 422};
  create_return.not_found = OrderNotFoundById;
  create_return.handler = [&backends](std::shared_ptr<Exchange> exchange) {
    CreateReturn(exchange, backends);
  };
  routes.push_back(std::move(create_return));

  ord::OrderService::Stub* stub = &backends.order();
  RouteSpec receive;
  receive.method = "POST";
  receive.path = "/v1/returns/{id}:receive";
  receive.operation_id = "ReceiveReturn";
  receive.summary =
      "The warehouse received a return: {warehouseId, lines: [{sku, quantity, resellable}]}. "
      "Resellable units are restocked, the returned lines refunded with a credit note. Until the "
      "return shipment exists: 409 RETURN_SHIPMENT_PENDING (retry); more than was returned: 422 "
      "RECEIPT_EXCEEDS_RETURN. A key bound to a warehouse receives only returns headed to it, "
      "into it: another's return answers 404 as a missing one, another warehouseId is a 400";
  receive.access.scope = kScopeShipmentsWrite;
  receive.idempotency_key = IdempotencyKey::kRequired;
  receive.body = ord::ReceiveReturnRequest::descriptor();
  receive.body_excluded = {"requestId", "returnId", "actingWarehouseId"};
  receive.response = ord::Return::descriptor();
  receive.extra_errors = {409, 422};
  receive.not_found = ReturnNotFound;
  receive.handler = [stub](std::shared_ptr<Exchange> exchange) { ReceiveReturn(exchange, stub); };
  routes.push_back(std::move(receive));

  RouteSpec list_returns;
  list_returns.method = "GET";
  list_returns.path = "/v1/returns";
  list_returns.operation_id = "ListReturns";
  list_returns.summary =
      "The returns of an order, oldest first: lines, reason, status, the return shipment, what "
      "was received and refunded";
  list_returns.access.scope = kScopeOrdersRead;
  list_returns.access.owner_guarded = true;
  list_returns.query = {{"orderId", ParamType::kString, true, "the order whose returns to list"}};
  list_returns.response = ord::ListReturnsResponse::descriptor();
  list_returns.not_found = OrderNotFound;
  list_returns.handler = [stub, &backends](std::shared_ptr<Exchange> exchange) {
    const std::string& order_id = *exchange->query("orderId");
    if (!CheckOrFail(*exchange, ValidateUuid(order_id, "orderId", "an order id"))) return;
    WhenOrderVisible(exchange, backends, order_id, [stub, exchange, order_id] {
      ord::ListReturnsRequest request;
      request.set_order_id(order_id);
      Forward<ord::ListReturnsResponse>(exchange, std::move(request), [stub](auto... args) {
        stub->async()->ListReturns(args...);
      });
    });
  };
  routes.push_back(std::move(list_returns));

  RouteSpec get_return;
  get_return.method = "GET";
  get_return.path = "/v1/returns/{id}";
  get_return.operation_id = "GetReturn";
  get_return.summary = "A return; a customer-bound credential sees only its own customer's";
  get_return.access.scope = kScopeOrdersRead;
  get_return.access.owner_guarded = true;
  get_return.response = ord::Return::descriptor();
  get_return.not_found = ReturnNotFound;
  get_return.handler = [stub, &backends](std::shared_ptr<Exchange> exchange) {
    // Not a return id at all: no such return, without asking.
    if (!ValidateUuid(exchange->param("id"), "id", "a return id").ok()) {
      exchange->Fail(ReturnNotFound(*exchange));
      return;
    }
    ord::GetReturnRequest request;
    request.set_id(exchange->param("id"));
    // The return first: only it names its order, whose owner decides.
    CallBackend<ord::Return>(
        exchange, std::move(request), [stub](auto... args) { stub->async()->GetReturn(args...); },
        [exchange, &backends](absl::Status status, ord::Return* found, grpc::ClientContext*) {
          if (!status.ok()) {
            exchange->FailMappingNotFound(status);
            return;
          }
          WhenOrderVisible(exchange, backends, found->order_id(),
                           [exchange, ret = *found] { exchange->ReplyMessage(ret); });
        });
  };
  routes.push_back(std::move(get_return));

  return AddRoutes(gateway, std::move(routes), "orders", options.deadline);
}

}  // namespace oms::gateway
