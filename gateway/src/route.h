// What a route is (the one table the router, the pipeline and the OpenAPI document are all made
// from) and the Exchange a handler answers through. No gRPC or Beast headers here.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gateway/src/auth.h"
#include "gateway/src/http_types.h"
#include "gateway/src/router.h"

namespace google::protobuf {
class Descriptor;
class Message;
}  // namespace google::protobuf

namespace oms::gateway {

enum class ParamType { kString, kInteger, kBoolean };

struct QueryParamSpec {
  std::string name;  // lowerCamelCase, as in the JSON mapping
  ParamType type = ParamType::kString;
  bool required = false;
  std::string description;
};

struct Access {
  bool authenticate = true;  // false: public (health, the OpenAPI document)
  std::string scope;         // needed besides authentication; "" for none; `admin` always does
  // Things that belong to one customer (orders, and the shipments, payments and invoices of an
  // order). For a customer-bound credential the handler must establish that the thing is that
  // customer's (Exchange::MarkOwnerVerified) before it answers with success; a success answered
  // without it becomes the route's `not_found`, so a route that forgets the check fails closed.
  // A foreign thing answers `not_found` too: byte for byte what a missing one answers.
  bool owner_guarded = false;
};

// Every POST route takes an Idempotency-Key (Gateway::AddRoute makes kNone kOptional there);
// kRequired refuses a request without one.
enum class IdempotencyKey { kNone, kOptional, kRequired };

// Who keeps an Idempotency-Key's record: the gateway, in its IdempotencyStore (idempotency.h),
// or the route's backend, which deduplicates by the key itself (POST /v1/orders: order-service
// gets the key as CreateOrderRequest.request_id, refuses it with another request as
// IDEMPOTENCY_KEY_REUSED and while its first request runs as IDEMPOTENCY_KEY_IN_USE, and answers
// a replay with the order as it is now, marked by the Idempotent-Replayed header the handler
// sets). The gateway then neither claims nor stores the key: two calls and two transactions
// fewer per request.
enum class IdempotencyRecord { kGateway, kBackend };

class Exchange;
using Handler = std::function<void(std::shared_ptr<Exchange>)>;

struct RouteSpec {
  std::string method;        // "GET", "POST", "DELETE"
  std::string path;          // template, e.g. "/v1/products/{sku}"
  std::string operation_id;  // OpenAPI operationId, e.g. "GetProduct"
  std::string summary;
  std::string tag;  // OpenAPI grouping: "system", "catalog", "shipping", "billing"
  Access access;
  std::vector<QueryParamSpec> query;
  IdempotencyKey idempotency_key = IdempotencyKey::kNone;
  IdempotencyRecord idempotency_record = IdempotencyRecord::kGateway;
  // The success answer holds a secret shown once (POST /v1/apiKeys): it is never stored, so a
  // repeat of the Idempotency-Key gets 409 SECRET_NOT_REPLAYED, not the secret (nor a second),
  // and every answer of the route carries Cache-Control: no-store, so that no browser or proxy
  // keeps it either.
  bool secret_answer = false;
  const google::protobuf::Descriptor* body = nullptr;  // JSON body, when the route takes one
  // The body may be left out (POST /v1/orders/{id}:cancel: the reason is optional).
  bool body_optional = false;
  // Top-level body fields (JSON names) the gateway sets from the path or headers, or the server
  // assigns: refused in the body, left out of the documented schema.
  std::vector<std::string> body_excluded;
  const google::protobuf::Descriptor* response = nullptr;  // success body
  std::string response_schema;  // OpenAPI schema JSON when `response` is null
  std::string response_content_type = "application/json";  // of the success answer
  int success_status = 200;
  // Further success statuses the route answers with the same body (POST /v1/orders: 200 for a
  // replay, 202 while the order is still PENDING).
  std::vector<int> other_successes;
  std::chrono::milliseconds deadline{5000};  // passed downstream as the gRPC deadline
  // Documented error statuses beyond those the pipeline derives (409, 422, ...).
  std::vector<int> extra_errors;
  // The NOT_FOUND a missing resource answers; routes map backend NOT_FOUND through it too, so
  // that hidden and missing resources cannot be told apart.
  std::function<absl::Status(const Exchange&)> not_found;
  Handler handler;
};

// One request in flight: what the pipeline established and the way to answer. Answered exactly
// once; an Exchange dropped without an answer answers 500, so no connection is left hanging.
class Exchange {
 public:
  using Done = std::function<void(Response)>;

  Exchange(const RouteSpec& route, Request request, PathParams params, QueryParams query,
           Principal principal, std::string request_id,
           std::chrono::system_clock::time_point deadline, Done done);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const RouteSpec& route() const { return route_; }
  const Request& request() const { return request_; }
  // A path variable ("" when the template has none of that name).
  const std::string& param(const std::string& name) const;
  // A query parameter, or null when absent.
  const std::string* query(const std::string& name) const;
  const std::string* header(absl::string_view name) const;
  const Principal& principal() const { return principal_; }
  const std::string& request_id() const { return request_id_; }
  std::chrono::system_clock::time_point deadline() const { return deadline_; }

  void Reply(Response response);
  void ReplyJson(int status, std::string json);
  // The message as the proto3 JSON mapping with the route's success status.
  void ReplyMessage(const google::protobuf::Message& message);
  // The same with another success status (one of the route's other_successes).
  void ReplyMessage(const google::protobuf::Message& message, int status);
  // The principal may see what this exchange answers with (see Access::owner_guarded).
  void MarkOwnerVerified() { owner_verified_.store(true); }
  void Fail(const absl::Status& status);
  // NOT_FOUND from a backend becomes the route's own not-found answer.
  void FailMappingNotFound(const absl::Status& status);

 private:
  const RouteSpec& route_;
  Request request_;
  PathParams params_;
  QueryParams query_;
  Principal principal_;
  std::string request_id_;
  std::chrono::system_clock::time_point deadline_;
  Done done_;
  std::atomic<bool> answered_{false};
  std::atomic<bool> owner_verified_{false};
};

}  // namespace oms::gateway
