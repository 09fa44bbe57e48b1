// Raw bytes as a client sends them to the gateway: Beast's parser with the server's limits and,
// for a request read whole, the gateway's pipeline (request id, CORS, routing, the in-flight
// cap, the body limit, authentication by the bootstrap key or a JWT, scopes, rate limit, query
// parameters, the Idempotency-Key) in front of routes of the API's shapes whose handlers map
// the JSON body onto the route's message and answer it back. Every request read is answered
// exactly once, with a status from 200 to 599, and so is every one refused before it was whole.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include <boost/beast/http.hpp>

#include "common/fuzz/fuzz_input.h"
#include "common/log.h"
#include "gateway/fuzz/fuzz_identity.h"
#include "gateway/src/auth.h"
#include "gateway/src/gateway.h"
#include "gateway/src/json_mapping.h"
#include "gateway/src/route.h"
#include "oms/order/v1/order.pb.h"

namespace {

namespace http = boost::beast::http;
namespace gw = oms::gateway;
namespace ord = oms::order::v1;

// Answers with the body as the route's message (or {} for a route without one).
void EchoBody(const std::shared_ptr<gw::Exchange>& exchange) {
  exchange->MarkOwnerVerified();
  const gw::RouteSpec& route = exchange->route();
  if (route.body == nullptr) {
    exchange->ReplyJson(route.success_status, "{}");
    return;
  }
  ord::CreateOrderRequest order;
  ord::CancelOrderRequest cancel;
  google::protobuf::Message* message = route.body == ord::CreateOrderRequest::descriptor()
                                           ? static_cast<google::protobuf::Message*>(&order)
                                           : &cancel;
  const std::string& body = exchange->request().body;
  if (route.body_optional && body.empty()) {
    exchange->ReplyMessage(*message);
    return;
  }
  const absl::Status parsed = gw::ParseJsonBody(body, message, route.body_excluded);
  if (!parsed.ok()) {
    exchange->Fail(parsed);
    return;
  }
  exchange->ReplyMessage(*message);
}

gw::RouteSpec Route(const char* method, const char* path, const char* scope) {
  gw::RouteSpec route;
  route.method = method;
  route.path = path;
  route.operation_id = std::string(method) + path;
  route.tag = "orders";
  route.access.scope = scope;
  route.handler = EchoBody;
  return route;
}

gw::Gateway& TheGateway() {
  static gw::Gateway* gateway = [] {
    oms::log::Init("gateway-fuzz", oms::log::Level::kError);  // no access log per input
    gw::GatewayOptions options;
    options.max_body_bytes = 64 * 1024;
    options.rate_per_second = 1e9;
    options.rate_burst = 1e9;
    options.auth_failure_rate_per_second = 1e9;
    options.auth_failure_burst = 1e9;
    options.cors_origins = {"https://shop.example"};
    auto* built =
        new gw::Gateway(options,
                        std::make_unique<gw::Authenticator>("fuzz-admin-key-0123456789",
                                                            oms::gateway::fuzz::MakeVerifier()),
                        /*metrics=*/nullptr);
    gw::RouteSpec create = Route("POST", "/v1/orders", "orders:write");
    create.body = ord::CreateOrderRequest::descriptor();
    create.body_excluded = {"requestId", "clientId"};
    create.idempotency_key = gw::IdempotencyKey::kRequired;
    create.success_status = 201;
    gw::RouteSpec list = Route("GET", "/v1/orders", "orders:read");
    list.query = {{"pageSize", gw::ParamType::kInteger, false, ""},
                  {"status", gw::ParamType::kString, false, ""},
                  {"descending", gw::ParamType::kBoolean, false, ""}};
    gw::RouteSpec get = Route("GET", "/v1/orders/{id}", "orders:read");
    get.access.owner_guarded = true;
    get.not_found = [](const gw::Exchange&) { return absl::NotFoundError("id: no such order"); };
    gw::RouteSpec cancel = Route("POST", "/v1/orders/{id}:cancel", "orders:write");
    cancel.body = ord::CancelOrderRequest::descriptor();
    cancel.body_optional = true;
    cancel.body_excluded = {"id"};
    gw::RouteSpec health = Route("GET", "/healthz", "");
    health.access.authenticate = false;
    for (gw::RouteSpec* route : {&create, &list, &get, &cancel, &health}) {
      const absl::Status added = built->AddRoute(std::move(*route));
      if (!added.ok()) {  // the fuzzer is broken
        std::fprintf(stderr, "http_request_fuzz: %s\n", added.ToString().c_str());
        oms::fuzz::Fail();
      }
    }
    return built;
  }();
  return *gateway;
}

void ExpectAnsweredOnce(int answers, int status) {
  if (answers != 1 || status < 200 || status > 599) oms::fuzz::Fail();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gw::Gateway& gateway = TheGateway();
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(gateway.max_body_bytes());
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);  // the client closed after its bytes
  if (ec || !parser.is_done()) {
    gw::Request partial;
    if (parser.is_header_done()) partial.method = std::string(parser.get().method_string());
    const gw::Response refused =
        gateway.Refuse(partial, absl::InvalidArgumentError("malformed HTTP request"),
                       ec == http::error::body_limit ? 413 : 400);
    ExpectAnsweredOnce(1, refused.status);
    return 0;
  }
  const auto& message = parser.get();
  gw::Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = message.body();
  request.peer = "192.0.2.1";
  int answers = 0, status = 0;
  gateway.Handle(std::move(request), [&](gw::Response response) {
    ++answers;
    status = response.status;
  });
  // The handlers answer at once, so the answer has come when Handle returns.
  ExpectAnsweredOnce(answers, status);
  if (gateway.in_flight() != 0) oms::fuzz::Fail();
  return 0;
}
