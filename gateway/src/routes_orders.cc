// Order routes, forwarded to order-service, and the ownership check every route that shows a
// customer's things shares (WhenOrderVisible). Customers have routes_customers.cc.
//
// Customer-bound credentials (a JWT with `sub`), as decided here and tested end to end:
// - POST /v1/orders naming another customer: 403 PERMISSION_DENIED, reason CUSTOMER_MISMATCH
//   (the client named that customer itself, so the refusal reveals nothing); no customerId:
//   the credential's own customer. A channel in the body: 400 naming channel; the gateway sets
//   "storefront:<customer id>" (AssignChannel).
// - GET /v1/orders?customerId= of another customer: 403 CUSTOMER_MISMATCH, for the same
//   reason; without customerId: the credential's own orders only.
// - GET /v1/orders/{id} (and GET /v1/customers/{id}, routes_customers.cc) of another customer:
//   404, byte for byte what a missing one answers (ids can be guessed; whether one exists must
//   not leak).
#include <algorithm>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/validation.h"
#include "gateway/src/auth.h"
#include "gateway/src/backends.h"
#include "gateway/src/enum_names.h"
#include "gateway/src/forward.h"
#include "gateway/src/gateway.h"
#include "gateway/src/json_mapping.h"
#include "gateway/src/page_params.h"
#include "gateway/src/routes.h"

namespace oms::gateway {
namespace {

namespace ord = oms::order::v1;

constexpr char kReplayHeader[] = "oms-replay";

absl::Status CustomerMismatch(const std::string& field) {
  return WithReason(absl::StatusCode::kPermissionDenied, "CUSTOMER_MISMATCH",
                    absl::StrCat(field, ": this credential acts for another customer"));
}

// A customer's credential places orders in a channel of that customer's own, set here: were the
// channel the client's to choose, a customer could take the next external id of any channel
// (order-service refuses it to every other client), or two customers' apps could collide.
constexpr char kStorefrontChannelPrefix[] = "storefront:";

absl::Status AssignChannel(const Principal& principal, ord::CreateOrderRequest* request) {
  if (principal.customer_bound()) {
    if (!request->channel().empty()) {
      return InvalidField("channel",
                          "is set by the gateway for a credential bound to a customer; leave it "
                          "out");
    }
    request->set_channel(absl::StrCat(kStorefrontChannelPrefix, principal.customer_id));
    return absl::OkStatus();
  }
  if (absl::StartsWith(request->channel(), kStorefrontChannelPrefix)) {
    return InvalidField("channel", absl::StrCat("channels starting with ", kStorefrontChannelPrefix,
                                                " belong to customers' own credentials"));
  }
  return absl::OkStatus();
}

// "CONFIRMED" or "ORDER_STATUS_CONFIRMED" (enum_names.h).
absl::StatusOr<ord::OrderStatus> ParseStatus(const std::string& text) {
  const auto* value = FindEnumValue(*ord::OrderStatus_descriptor(), text);
  if (value == nullptr || value->number() == ord::ORDER_STATUS_UNSPECIFIED) {
    return InvalidField("status", "is not an order status (PENDING, CONFIRMED, ...)");
  }
  return static_cast<ord::OrderStatus>(value->number());
}

bool IsReplay(const grpc::ClientContext& context) {
  const auto& metadata = context.GetServerInitialMetadata();
  auto replay = metadata.find(kReplayHeader);
  return replay != metadata.end() && replay->second == "true";
}

// 201 once the saga decided (CONFIRMED, PARTIALLY_BACKORDERED: accepted with units queued, or
// REJECTED), 202 while it has not (PENDING, or an order an operator must look at), 200 for a
// replay of an earlier request.
int CreateOrderStatus(const ord::Order& order, bool replay) {
  if (replay) return 200;
  if (order.status() == ord::ORDER_STATUS_CONFIRMED ||
      order.status() == ord::ORDER_STATUS_PARTIALLY_BACKORDERED ||
      order.status() == ord::ORDER_STATUS_REJECTED) {
    return 201;
  }
  return 202;
}

// Discounts, a shipping charge and an expected total are the channel's own figures: only a
// trusted channel (channel:import) may set them, until the catalog knows coupons of its own.
absl::Status CheckChannelCharges(const Principal& principal,
                                 const ord::CreateOrderRequest& request) {
  if (principal.HasScope(kScopeChannelImport)) return absl::OkStatus();
  std::string field;
  if (!request.adjustments().empty()) field = "adjustments";
  if (request.has_shipping_charge()) field = "shippingCharge";
  if (request.has_expected_total()) field = "expectedTotal";
  for (int i = 0; i < request.lines_size(); ++i) {
    if (!request.lines(i).adjustments().empty()) field = absl::StrCat("lines[", i, "].adjustments");
  }
  if (field.empty()) return absl::OkStatus();
  return WithReason(absl::StatusCode::kPermissionDenied, "MISSING_SCOPE",
                    absl::StrCat(field, ": only a credential with the scope ", kScopeChannelImport,
                                 " may set it"));
}

void CreateOrder(const std::shared_ptr<Exchange>& exchange, ord::OrderService::Stub* stub) {
  ord::CreateOrderRequest request;
  absl::Status parsed =
      ParseJsonBody(exchange->request().body, &request, exchange->route().body_excluded);
  if (!CheckOrFail(*exchange, parsed)) return;
  const Principal& principal = exchange->principal();
  if (principal.customer_bound()) {
    if (request.customer_id().empty()) request.set_customer_id(principal.customer_id);
    if (request.customer_id() != principal.customer_id) {
      exchange->Fail(CustomerMismatch("customerId"));
      return;
    }
  }
  if (!CheckOrFail(*exchange, AssignChannel(principal, &request))) return;
  if (!CheckOrFail(*exchange, CheckChannelCharges(principal, request))) return;
  request.set_request_id(*exchange->header("Idempotency-Key"));
  request.set_client_id(principal.client_id);
  CallBackend<ord::Order>(
      exchange, std::move(request), [stub](auto... args) { stub->async()->CreateOrder(args...); },
      [exchange](absl::Status status, ord::Order* order, grpc::ClientContext* context) {
        if (!status.ok()) {
          exchange->Fail(status);
          return;
        }
        const Principal& caller = exchange->principal();
        if (caller.customer_bound()) {
          if (order->customer_id() != caller.customer_id) {
            // Not expected (order-service refuses another client's external id, and this
            // customer's channel is its own), but never show another customer's order; the
            // external id is taken, which is all this says.
            exchange->Fail(
                WithReason(absl::StatusCode::kAlreadyExists, "EXTERNAL_ORDER_ID_IN_USE",
                           "externalOrderId: the channel already has an order with this id"));
            return;
          }
          exchange->MarkOwnerVerified();
        }
        auto json = ToJson(*order);
        if (!json.ok()) {
          exchange->Fail(json.status());
          return;
        }
        const bool replay = IsReplay(*context);
        Response response;
        response.status = CreateOrderStatus(*order, replay);
        response.SetHeader("Content-Type", "application/json");
        if (replay) response.SetHeader(kReplayedHeader, "true");
        response.body = std::move(*json);
        exchange->Reply(std::move(response));
      });
}

void ListOrders(const std::shared_ptr<Exchange>& exchange, ord::OrderService::Stub* stub) {
  ord::ListOrdersRequest request;
  if (const std::string* customer = exchange->query("customerId")) {
    if (!CheckOrFail(*exchange, ValidateUuid(*customer, "customerId", "a customer id"))) return;
    request.set_customer_id(*customer);
  }
  if (const std::string* status_text = exchange->query("status")) {
    auto status = ParseStatus(*status_text);
    if (!CheckOrFail(*exchange, status.status())) return;
    request.set_status(*status);
  }
  for (const auto& [name, time] : {std::pair{"createdAfter", request.mutable_created_after()},
                                   std::pair{"createdBefore", request.mutable_created_before()}}) {
    const std::string* text = exchange->query(name);
    if (text != nullptr && !google::protobuf::util::TimeUtil::FromString(*text, time)) {
      exchange->Fail(InvalidField(name, "must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z"));
      return;
    }
  }
  if (const std::string* channel = exchange->query("channel")) request.set_channel(*channel);
  if (const std::string* sku = exchange->query("sku")) request.set_sku(*sku);
  if (const std::string* external = exchange->query("externalOrderId")) {
    request.set_external_order_id(*external);
  }
  ReadPage(*exchange, &request);
  const Principal& principal = exchange->principal();
  if (principal.customer_bound()) {
    if (request.customer_id().empty()) request.set_customer_id(principal.customer_id);
    if (request.customer_id() != principal.customer_id) {
      exchange->Fail(CustomerMismatch("customerId"));
      return;
    }
    exchange->MarkOwnerVerified();  // filtered to its own customer
  }
  Forward<ord::ListOrdersResponse>(exchange, std::move(request),
                                   [stub](auto... args) { stub->async()->ListOrders(args...); });
}

void GetOrder(const std::shared_ptr<Exchange>& exchange, ord::OrderService::Stub* stub) {
  ord::GetOrderRequest request;
  request.set_id(exchange->param("id"));
  CallBackend<ord::Order>(
      exchange, std::move(request), [stub](auto... args) { stub->async()->GetOrder(args...); },
      [exchange](absl::Status status, ord::Order* order, grpc::ClientContext*) {
        if (!status.ok()) {
          exchange->FailMappingNotFound(status);
          return;
        }
        const Principal& principal = exchange->principal();
        if (principal.customer_bound()) {
          if (order->customer_id() != principal.customer_id) {
            exchange->Fail(OrderNotFoundById(*exchange));
            return;
          }
          exchange->MarkOwnerVerified();
        }
        exchange->ReplyMessage(*order);
      });
}

}  // namespace

void WhenOrderVisible(const std::shared_ptr<Exchange>& exchange, Backends& backends,
                      const std::string& order_id, std::function<void()> then) {
  if (!exchange->principal().customer_bound()) {
    then();
    return;
  }
  auto hidden = [exchange] {
    const RouteSpec& route = exchange->route();
    exchange->Fail(route.not_found ? route.not_found(*exchange) : absl::NotFoundError("not found"));
  };
  // Not an order id at all: no such order, without asking.
  if (!ValidateUuid(order_id, "orderId", "an order id").ok()) {
    hidden();
    return;
  }
  ord::GetOrderRequest request;
  request.set_id(order_id);
  ord::OrderService::Stub* stub = &backends.order();
  CallBackend<ord::Order>(
      exchange, std::move(request), [stub](auto... args) { stub->async()->GetOrder(args...); },
      [exchange, hidden, then = std::move(then)](absl::Status status, ord::Order* order,
                                                 grpc::ClientContext*) {
        if (status.code() == absl::StatusCode::kNotFound ||
            (status.ok() && order->customer_id() != exchange->principal().customer_id)) {
          hidden();
          return;
        }
        if (!status.ok()) {
          exchange->Fail(status);
          return;
        }
        exchange->MarkOwnerVerified();
        then();
      });
}

absl::Status AddOrderRoutes(Gateway& gateway, Backends& backends, const RouteOptions& options) {
  ord::OrderService::Stub* stub = &backends.order();
  std::vector<RouteSpec> routes;

  RouteSpec create;
  create.method = "POST";
  create.path = "/v1/orders";
  create.operation_id = "CreateOrder";
  create.summary =
      "Place an order and run its saga. 201 with the order once CONFIRMED, "
      "PARTIALLY_BACKORDERED or REJECTED "
      "(rejectionReason says why), 202 with the PENDING order when the saga outlives the "
      "request, 200 with the same order for a replay of the Idempotency-Key or of "
      "(channel, externalOrderId), showing the order as it is now; the same key with another "
      "body: 422 IDEMPOTENCY_KEY_REUSED; while the first request with the key runs: 409 "
      "IDEMPOTENCY_KEY_IN_USE. (channel, externalOrderId) belongs to the client that placed "
      "the order: another client naming it gets 409 EXTERNAL_ORDER_ID_IN_USE. A credential "
      "bound to a customer may not set channel (400): the gateway sets storefront:<customerId>, "
      "a channel no other credential may name";
  create.access.scope = kScopeOrdersWrite;
  create.access.owner_guarded = true;
  create.idempotency_key = IdempotencyKey::kRequired;
  // order-service keeps the key's record (CreateOrderRequest.request_id, with the request's
  // fingerprint and when its first request answers) and answers a repeat with the order as it
  // is now (200), rather than the PENDING order a first 202 may have shown. Refusals made
  // before the order was stored (an unknown customer or SKU) are not kept: nothing ran, and a
  // repeat is decided afresh.
  create.idempotency_record = IdempotencyRecord::kBackend;
  create.body = ord::CreateOrderRequest::descriptor();
  create.body_excluded = {"requestId", "clientId"};
  create.response = ord::Order::descriptor();
  create.success_status = 201;
  create.other_successes = {200, 202};
  // CreateOrder waits for the saga (reserve, authorize, ship), which calls three services.
  create.deadline = options.order_deadline;
  create.extra_errors = {404, 409, 422};
  create.not_found = OrderNotFound;
  create.handler = [stub](std::shared_ptr<Exchange> exchange) { CreateOrder(exchange, stub); };
  routes.push_back(std::move(create));

  RouteSpec list;
  list.method = "GET";
  list.path = "/v1/orders";
  list.operation_id = "ListOrders";
  list.summary =
      "Orders, newest first, paginated, filtered by any of customer, status, channel, the "
      "channel's external id, a time range and an SKU; a customer-bound credential sees only "
      "its own customer's";
  list.access.scope = kScopeOrdersRead;
  list.access.owner_guarded = true;
  list.query = {
      {"customerId", ParamType::kString, false, "only this customer's orders"},
      {"status", ParamType::kString, false,
       "only orders in this status (PENDING, CONFIRMED, ...; the ORDER_STATUS_ prefix "
       "is optional)"},
      {"channel", ParamType::kString, false, "only orders of this sales channel"},
      {"externalOrderId", ParamType::kString, false,
       "only the order the channel knows by this id (needs channel)"},
      {"createdAfter", ParamType::kString, false,
       "only orders placed at or after this RFC 3339 time"},
      {"createdBefore", ParamType::kString, false, "only orders placed before this RFC 3339 time"},
      {"sku", ParamType::kString, false, "only orders with a line of this SKU"}};
  const std::vector<QueryParamSpec> page_params = PageParams();
  list.query.insert(list.query.end(), page_params.begin(), page_params.end());
  list.response = ord::ListOrdersResponse::descriptor();
  list.deadline = options.deadline;
  list.not_found = OrderNotFound;
  list.handler = [stub](std::shared_ptr<Exchange> exchange) { ListOrders(exchange, stub); };
  routes.push_back(std::move(list));

  RouteSpec get;
  get.method = "GET";
  get.path = "/v1/orders/{id}";
  get.operation_id = "GetOrder";
  get.summary = "An order with lines, totals, status, shipments, payment and allocation";
  get.access.scope = kScopeOrdersRead;
  get.access.owner_guarded = true;
  get.response = ord::Order::descriptor();
  get.deadline = options.deadline;
  get.not_found = OrderNotFoundById;
  get.handler = [stub](std::shared_ptr<Exchange> exchange) { GetOrder(exchange, stub); };
  routes.push_back(std::move(get));

  return AddRoutes(gateway, std::move(routes), "orders");
}

}  // namespace oms::gateway
