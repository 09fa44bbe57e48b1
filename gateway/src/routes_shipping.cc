// Shipping routes, forwarded to shipping-service. Reads are owner-guarded (Access::owner_guarded):
// a customer-bound credential sees the shipments of its own customer's orders; another's get
// exactly the answer a missing shipment or order gets.
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/validation.h"
#include "gateway/src/auth.h"
#include "gateway/src/backends.h"
#include "gateway/src/enum_names.h"
#include "gateway/src/forward.h"
#include "gateway/src/gateway.h"
#include "gateway/src/page_params.h"
#include "gateway/src/routes.h"

namespace oms::gateway {
namespace {

namespace ship = oms::shipping::v1;

// The one answer for a shipment that does not exist or may not be seen; backend NOT_FOUNDs are
// rewritten to it, so both are the same bytes.
absl::Status ShipmentNotFound(const Exchange& exchange) {
  return WithReason(absl::StatusCode::kNotFound, "SHIPMENT_NOT_FOUND",
                    absl::StrCat("shipment ", exchange.param("id"), " not found"));
}

// A proof that does not exist, belongs to another shipment, or whose shipment may not be seen.
absl::Status ProofNotFound(const Exchange& exchange) {
  return WithReason(absl::StatusCode::kNotFound, "PROOF_NOT_FOUND",
                    absl::StrCat("proof ", exchange.param("sha256"), " of shipment ",
                                 exchange.param("id"), " not found"));
}

absl::Status WarehouseNotFound(const Exchange& exchange) {
  return WithReason(absl::StatusCode::kNotFound, "WAREHOUSE_NOT_FOUND",
                    absl::StrCat("warehouse ", exchange.param("id"), " not found"));
}

// An operator's decision on a parcel returned to sender, POST /v1/shipments/{id}:<verb> (admin)
// with {note}: order-service's `call` (ReshipShipment, RefundShipment) answers the order.
template <class Request, class Call>
RouteSpec ParcelDecision(const std::string& verb, const std::string& operation_id,
                         const std::string& summary, Call call) {
  RouteSpec route;
  route.method = "POST";
  route.path = "/v1/shipments/{id}:" + verb;
  route.operation_id = operation_id;
  route.summary = summary;
  route.access.scope = kScopeAdmin;
  route.body = Request::descriptor();
  route.body_excluded = {"shipmentId"};
  route.response = order::v1::Order::descriptor();
  route.not_found = ShipmentNotFound;
  route.extra_errors = {409};
  route.handler = [call](std::shared_ptr<Exchange> exchange) {
    if (!ValidateUuid(exchange->param("id"), "id", "a shipment id").ok()) {
      exchange->Fail(ShipmentNotFound(*exchange));
      return;
    }
    Request request;
    if (!ParseBodyOrFail(*exchange, &request, exchange->route().body_excluded)) return;
    request.set_shipment_id(exchange->param("id"));
    Forward<order::v1::Order>(exchange, std::move(request), call);
  };
  return route;
}

}  // namespace

absl::Status AddShippingRoutes(Gateway& gateway, Backends& backends, const RouteOptions& options) {
  ship::ShippingService::Stub* stub = &backends.shipping();
  std::vector<RouteSpec> routes;

  RouteSpec list;
  list.method = "GET";
  list.path = "/v1/shipments";
  list.operation_id = "ListShipments";
  list.summary = "The shipments of an order, with items and journal";
  list.access.scope = kScopeOrdersRead;
  list.access.owner_guarded = true;
  list.query = {{"orderId", ParamType::kString, true, "the order whose shipments to list"}};
  list.response = ship::ListShipmentsResponse::descriptor();
  list.not_found = OrderNotFound;
  list.handler = [stub, &backends](std::shared_ptr<Exchange> exchange) {
    const std::string& order_id = *exchange->query("orderId");
    if (!CheckOrFail(*exchange, ValidateEntityId(order_id, "orderId"))) return;
    WhenOrderVisible(exchange, backends, order_id, [stub, exchange, order_id] {
      ship::ListShipmentsRequest request;
      request.set_order_id(order_id);
      Forward<ship::ListShipmentsResponse>(exchange, std::move(request), [stub](auto... args) {
        stub->async()->ListShipments(args...);
      });
    });
  };
  routes.push_back(std::move(list));

  RouteSpec get;
  get.method = "GET";
  get.path = "/v1/shipments/{id}";
  get.operation_id = "GetShipment";
  get.summary = "A shipment with items and journal";
  get.access.scope = kScopeOrdersRead;
  get.access.owner_guarded = true;
  get.response = ship::Shipment::descriptor();
  get.not_found = ShipmentNotFound;
  get.handler = [stub, &backends](std::shared_ptr<Exchange> exchange) {
    if (!CheckOrFail(*exchange, ValidateEntityId(exchange->param("id"), "id"))) return;
    ship::GetShipmentRequest request;
    request.set_shipment_id(exchange->param("id"));
    // The shipment first: only it names its order, whose owner decides.
    CallBackend<ship::Shipment>(
        exchange, std::move(request), [stub](auto... args) { stub->async()->GetShipment(args...); },
        [exchange, &backends](absl::Status status, ship::Shipment* found, grpc::ClientContext*) {
          if (!status.ok()) {
            exchange->FailMappingNotFound(status);
            return;
          }
          // A copy: the lambda below moves the shipment, order id included.
          const std::string order_id = found->order_id();
          WhenOrderVisible(exchange, backends, order_id, [exchange, shipment = std::move(*found)] {
            exchange->ReplyMessage(shipment);
          });
        });
  };
  routes.push_back(std::move(get));

  RouteSpec event;
  event.method = "POST";
  event.path = "/v1/shipments/{id}/events";
  event.operation_id = "RecordShipmentEvent";
  event.summary =
      "Record a warehouse or carrier event: {type, occurredAt, location, note, trackingNumber, "
      "proof, carrierEventId}; a repeat is answered with duplicate set. A key bound to a "
      "warehouse records events only on that warehouse's shipments; another's answers 404 as a "
      "missing shipment";
  event.access.scope = kScopeShipmentsWrite;
  event.idempotency_key = IdempotencyKey::kOptional;
  event.body = ship::RecordShipmentEventRequest::descriptor();
  event.body_excluded = {"requestId", "shipmentId", "warehouseId"};
  event.response = ship::RecordShipmentEventResponse::descriptor();
  event.not_found = ShipmentNotFound;
  event.extra_errors = {409, 422};
  event.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!CheckOrFail(*exchange, ValidateEntityId(exchange->param("id"), "id"))) return;
    ship::RecordShipmentEventRequest request;
    if (!ParseBodyOrFail(*exchange, &request, exchange->route().body_excluded)) return;
    request.set_shipment_id(exchange->param("id"));
    // shipping-service knows each shipment's warehouse, so it judges the binding.
    request.set_warehouse_id(exchange->principal().warehouse_id);
    if (auto id = KeyedRequestId(*exchange)) request.set_request_id(*id);
    Forward<ship::RecordShipmentEventResponse>(exchange, std::move(request), [stub](auto... args) {
      stub->async()->RecordShipmentEvent(args...);
    });
  };
  routes.push_back(std::move(event));

  RouteSpec short_pick;
  short_pick.method = "POST";
  short_pick.path = "/v1/shipments/{id}:shortPick";
  short_pick.operation_id = "ReportShortPick";
  short_pick.summary =
      "A warehouse could not pick some units of a shipment not yet shipped: {missing: [{sku, "
      "quantity}], note}. 200 with the shipment, its lines less the missing units (a shipment "
      "left with none is CANCELLED); the order then takes the units from elsewhere. Once per "
      "shipment: another report answers 409 ALREADY_SHORT_PICKED, a shipment shipped, cancelled, "
      "returned or replacing another 409 SHIPMENT_NOT_PICKABLE; units the shipment does not have "
      "a 400 naming missing[i]. A retry with the same Idempotency-Key answers the first report; "
      "without one, a retry of a report that went through answers 409 ALREADY_SHORT_PICKED. A "
      "key bound to a warehouse reports only on that warehouse's shipments; another's answers "
      "404 as a missing shipment";
  short_pick.access.scope = kScopeShipmentsWrite;
  short_pick.idempotency_key = IdempotencyKey::kOptional;
  short_pick.body = ship::ReportShortPickRequest::descriptor();
  short_pick.body_excluded = {"requestId", "shipmentId", "warehouseId"};
  short_pick.response = ship::Shipment::descriptor();
  short_pick.not_found = ShipmentNotFound;
  short_pick.extra_errors = {409};
  short_pick.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!CheckOrFail(*exchange, ValidateEntityId(exchange->param("id"), "id"))) return;
    ship::ReportShortPickRequest request;
    if (!ParseBodyOrFail(*exchange, &request, exchange->route().body_excluded)) return;
    request.set_shipment_id(exchange->param("id"));
    // shipping-service knows each shipment's warehouse, so it judges the binding.
    request.set_warehouse_id(exchange->principal().warehouse_id);
    // shipping takes each report once per request id. Without a key each call is a report of
    // its own: a fresh id, never the client's X-Request-Id, which may name several calls. The
    // once-per-shipment rule still keeps a retry from taking effect twice.
    request.set_request_id(KeyedRequestId(*exchange).value_or("gw-unkeyed:" + NewRandomId()));
    Forward<ship::Shipment>(exchange, std::move(request),
                            [stub](auto... args) { stub->async()->ReportShortPick(args...); });
  };
  routes.push_back(std::move(short_pick));

  order::v1::OrderService::Stub* orders = &backends.order();
  routes.push_back(ParcelDecision<order::v1::ReshipShipmentRequest>(
      "reship", "ReshipShipment",
      "An operator's decision on a parcel RETURNED_TO_SENDER or LOST: ship its goods again, with "
      "no new charge: {note} (optional). 200 with the order; shipping creates the replacement "
      "shipment (it captures nothing; for a lost parcel its units are first taken off the shelf "
      "at the parcel's warehouse) and the order follows it. Another status: 409 "
      "SHIPMENT_NOT_RETURNED_TO_SENDER; a parcel refunded: 409 SHIPMENT_ALREADY_DECIDED",
      [orders](auto... args) { orders->async()->ReshipShipment(args...); }));
  routes.push_back(ParcelDecision<order::v1::RefundShipmentRequest>(
      "refund", "RefundShipment",
      "The other decision on a parcel RETURNED_TO_SENDER or LOST: a returned parcel's goods go "
      "back on hand at its warehouse (a lost one's are gone), and its invoice is refunded whole, "
      "shipping included: {note} (optional). 200 "
      "with the order; once done the parcel no longer holds the order back (with every other "
      "parcel delivered, or none, it completes). Another status: 409 "
      "SHIPMENT_NOT_RETURNED_TO_SENDER; not captured yet: 409 SHIPMENT_NOT_SETTLED; a parcel "
      "reshipped: 409 SHIPMENT_ALREADY_DECIDED",
      [orders](auto... args) { orders->async()->RefundShipment(args...); }));

  RouteSpec upload;
  upload.method = "POST";
  upload.path = "/v1/shipments/{id}/proofs";
  upload.operation_id = "UploadProof";
  upload.summary =
      "Upload a photo proof of delivery {contentType, data}: data the image base64 (image/jpeg, "
      "image/png or image/webp, checked by its bytes, at most 768 KiB); answers 201 with the "
      "proof {uri, contentType, sha256} to send as an event's proof. The same bytes twice are one "
      "stored proof. A key bound to a warehouse uploads only for that warehouse's shipments";
  upload.access.scope = kScopeShipmentsWrite;
  upload.idempotency_key = IdempotencyKey::kOptional;
  upload.body = ship::UploadProofRequest::descriptor();
  upload.body_excluded = {"shipmentId", "warehouseId"};
  upload.response = ship::ProofOfDelivery::descriptor();
  upload.success_status = 201;
  upload.not_found = ShipmentNotFound;
  upload.extra_errors = {409, 422};
  upload.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!CheckOrFail(*exchange, ValidateEntityId(exchange->param("id"), "id"))) return;
    ship::UploadProofRequest request;
    if (!ParseBodyOrFail(*exchange, &request, exchange->route().body_excluded)) return;
    request.set_shipment_id(exchange->param("id"));
    request.set_warehouse_id(exchange->principal().warehouse_id);
    Forward<ship::ProofOfDelivery>(exchange, std::move(request),
                                   [stub](auto... args) { stub->async()->UploadProof(args...); });
  };
  routes.push_back(std::move(upload));

  RouteSpec proof;
  proof.method = "GET";
  proof.path = "/v1/shipments/{id}/proofs/{sha256}";
  proof.operation_id = "GetProof";
  proof.summary =
      "The image of a proof uploaded for this shipment, with its own Content-Type (not JSON); "
      "another shipment's digest answers 404";
  proof.access.scope = kScopeOrdersRead;
  proof.access.owner_guarded = true;
  proof.response_schema = R"({"type":"string","format":"binary"})";
  proof.response_content_type = "image/*";
  proof.not_found = ProofNotFound;
  proof.handler = [stub, &backends](std::shared_ptr<Exchange> exchange) {
    if (!CheckOrFail(*exchange, ValidateEntityId(exchange->param("id"), "id"))) return;
    ship::GetShipmentRequest request;
    request.set_shipment_id(exchange->param("id"));
    // The shipment first, as GET /v1/shipments/{id}: only it names the order whose owner decides.
    CallBackend<ship::Shipment>(
        exchange, std::move(request), [stub](auto... args) { stub->async()->GetShipment(args...); },
        [exchange, stub, &backends](absl::Status status, ship::Shipment* found,
                                    grpc::ClientContext*) {
          if (!status.ok()) {
            exchange->FailMappingNotFound(status);
            return;
          }
          const std::string order_id = found->order_id();
          WhenOrderVisible(exchange, backends, order_id, [exchange, stub] {
            ship::GetProofRequest read;
            read.set_shipment_id(exchange->param("id"));
            read.set_sha256(exchange->param("sha256"));
            CallBackend<ship::ProofFile>(
                exchange, std::move(read),
                [stub](auto... args) { stub->async()->GetProof(args...); },
                [exchange](absl::Status answer, ship::ProofFile* file, grpc::ClientContext*) {
                  if (!answer.ok()) {
                    exchange->FailMappingNotFound(answer);
                    return;
                  }
                  Response response;
                  response.status = 200;
                  response.SetHeader("Content-Type", file->content_type());
                  response.SetHeader("X-Content-Type-Options", "nosniff");
                  response.SetHeader("Content-Disposition", "inline");
                  response.SetHeader("Cache-Control", "private, max-age=86400");
                  response.body = std::move(*file->mutable_data());
                  exchange->Reply(std::move(response));
                });
          });
        });
  };
  routes.push_back(std::move(proof));

  RouteSpec pick_queue;
  pick_queue.method = "GET";
  pick_queue.path = "/v1/warehouses/{id}/pickQueue";
  pick_queue.operation_id = "ListPickQueue";
  pick_queue.summary =
      "What a warehouse picks and packs next: its outbound shipments not yet shipped (PENDING, "
      "PICKED, PACKED; or the one status asked for), oldest first, with lines and pick lists. A "
      "key bound to a warehouse sees only that warehouse's queue; another's answers 404";
  pick_queue.access.scope = kScopeShipmentsWrite;
  pick_queue.query = PageParams();
  pick_queue.query.insert(pick_queue.query.begin(),
                          {"status", ParamType::kString, false,
                           "PENDING, PICKED or PACKED (the SHIPMENT_STATUS_ prefix is optional)"});
  pick_queue.response = ship::ListPickQueueResponse::descriptor();
  pick_queue.not_found = WarehouseNotFound;
  pick_queue.handler = [stub](std::shared_ptr<Exchange> exchange) {
    const std::string& warehouse = exchange->param("id");
    const std::string& bound = exchange->principal().warehouse_id;
    if (!bound.empty() && bound != warehouse) {
      exchange->Fail(WarehouseNotFound(*exchange));
      return;
    }
    if (!CheckOrFail(*exchange, ValidateEntityId(warehouse, "id"))) return;
    ship::ListPickQueueRequest request;
    request.set_warehouse_id(warehouse);
    if (const std::string* text = exchange->query("status")) {
      const auto* status = FindEnumValue(*ship::ShipmentStatus_descriptor(), *text);
      if (status == nullptr) {
        exchange->Fail(InvalidField("status", "is not a shipment status (PENDING, PICKED, ...)"));
        return;
      }
      request.set_status(static_cast<ship::ShipmentStatus>(status->number()));
    }
    ReadPage(*exchange, &request);
    Forward<ship::ListPickQueueResponse>(exchange, std::move(request), [stub](auto... args) {
      stub->async()->ListPickQueue(args...);
    });
  };
  routes.push_back(std::move(pick_queue));

  return AddRoutes(gateway, std::move(routes), "shipping", options.deadline);
}

}  // namespace oms::gateway
