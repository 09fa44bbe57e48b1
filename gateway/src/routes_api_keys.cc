// API key administration, forwarded to order-service, which stores keys hashed: create (the
// secret is in this one answer only, which no cache may keep), list (never a secret) and
// revoke. Admin only. A revoked key keeps working at most for the gateways' verification cache
// TTL (--api_key_cache_seconds); an expiring key stops at its expiry, which caps that cache.
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

absl::Status ApiKeyNotFound(const Exchange& exchange) {
  return WithReason(absl::StatusCode::kNotFound, "API_KEY_NOT_FOUND",
                    absl::StrCat("API key ", exchange.param("id"), " not found"));
}

}  // namespace

absl::Status AddApiKeyRoutes(Gateway& gateway, Backends& backends, const RouteOptions& options) {
  ord::OrderService::Stub* stub = &backends.order();
  std::vector<RouteSpec> routes;

  RouteSpec create;
  create.method = "POST";
  create.path = "/v1/apiKeys";
  create.operation_id = "CreateApiKey";
  create.summary =
      "Create an API key: {name, scopes, customerId (optional: the key then sees only that "
      "customer's orders and may hold only orders:read and orders:write; admin, catalog:write "
      "or shipments:write with a customer is a 400 naming scopes), warehouseId (optional: a "
      "key with shipments:write and without admin then records events only on that "
      "warehouse's shipments), expireTime (optional, RFC 3339: "
      "in the future and at most 730 days "
      "ahead; the key is refused from then on, as a revoked one)}. 201 with the key and its "
      "secret, shown this once; clients send it as Authorization: Bearer oms_...; the secret is "
      "never stored for replay, so a repeat of the Idempotency-Key answers 409 "
      "SECRET_NOT_REPLAYED (and creates nothing). Every answer carries Cache-Control: no-store";
  create.access.scope = kScopeAdmin;
  create.body = ord::CreateApiKeyRequest::descriptor();
  create.response = ord::CreatedApiKey::descriptor();
  create.success_status = 201;
  create.secret_answer = true;  // never kept for Idempotency-Key replays
  create.extra_errors = {404};
  create.handler = [stub](std::shared_ptr<Exchange> exchange) {
    ord::CreateApiKeyRequest request;
    if (!ParseBodyOrFail(*exchange, &request)) return;
    // A missing customer is the body's fault, not a missing route resource: passed as is.
    CallBackend<ord::CreatedApiKey>(
        exchange, std::move(request),
        [stub](auto... args) { stub->async()->CreateApiKey(args...); },
        [exchange](absl::Status status, ord::CreatedApiKey* created, grpc::ClientContext*) {
          if (status.ok()) {
            exchange->ReplyMessage(*created);
          } else {
            exchange->Fail(status);
          }
        });
  };
  routes.push_back(std::move(create));

  RouteSpec list;
  list.method = "GET";
  list.path = "/v1/apiKeys";
  list.operation_id = "ListApiKeys";
  list.summary =
      "API keys, newest first, paginated, revoked and expired ones too: id, name, scopes, "
      "customerId, warehouseId, createTime, expireTime, revokeTime; never a secret or its hash";
  list.access.scope = kScopeAdmin;
  list.query = PageParams();
  list.response = ord::ListApiKeysResponse::descriptor();
  list.handler = [stub](std::shared_ptr<Exchange> exchange) {
    ord::ListApiKeysRequest request;
    ReadPage(*exchange, &request);
    Forward<ord::ListApiKeysResponse>(exchange, std::move(request), [stub](auto... args) {
      stub->async()->ListApiKeys(args...);
    });
  };
  routes.push_back(std::move(list));

  RouteSpec revoke;
  revoke.method = "DELETE";
  revoke.path = "/v1/apiKeys/{id}";
  revoke.operation_id = "RevokeApiKey";
  revoke.summary =
      "Revoke an API key: it stops working within the gateways' verification cache TTL "
      "(seconds). Answers the key with its revokeTime; revoking again answers the same";
  revoke.access.scope = kScopeAdmin;
  revoke.response = ord::ApiKey::descriptor();
  revoke.not_found = ApiKeyNotFound;
  revoke.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!CheckOrFail(*exchange, ValidateUuid(exchange->param("id"), "id", "an API key id"))) {
      return;
    }
    ord::RevokeApiKeyRequest request;
    request.set_id(exchange->param("id"));
    Forward<ord::ApiKey>(exchange, std::move(request),
                         [stub](auto... args) { stub->async()->RevokeApiKey(args...); });
  };
  routes.push_back(std::move(revoke));

  return AddRoutes(gateway, std::move(routes), "apiKeys", options.deadline);
}

}  // namespace oms::gateway
