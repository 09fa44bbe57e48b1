// Liveness, readiness (every backend the routes call answers its gRPC health check) and the
// OpenAPI document. Public: probes and API tooling carry no credentials.
#include <atomic>
#include <mutex>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <nlohmann/json.hpp>

#include "gateway/src/backends.h"
#include "gateway/src/gateway.h"
#include "gateway/src/openapi.h"
#include "gateway/src/routes.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace oms::gateway {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

constexpr char kStatusSchema[] =
    R"({"type":"object","properties":{"status":{"type":"string","enum":["SERVING","NOT_SERVING"]},)"
    R"("backends":{"type":"object","additionalProperties":{"type":"string"}}}})";

// Checks every backend at once; the last answer to arrive replies.
class ReadinessProbe : public std::enable_shared_from_this<ReadinessProbe> {
 public:
  ReadinessProbe(std::shared_ptr<Exchange> exchange, const std::vector<Backends::Backend>& backends)
      : exchange_(std::move(exchange)),
        backends_(backends),
        results_(backends.size()),
        pending_(backends.size()) {}

  void Start() {
    for (std::size_t i = 0; i < backends_.size(); ++i) {
      auto call = std::make_shared<Call>();
      call->stub = Health::NewStub(backends_[i].channel);
      call->context.set_deadline(exchange_->deadline());
      Call* raw = call.get();
      raw->stub->async()->Check(
          &raw->context, &raw->request, &raw->response,
          [self = shared_from_this(), call, i](grpc::Status status) {
            self->Done(i, status.ok()
                              ? HealthCheckResponse::ServingStatus_Name(call->response.status())
                              : "UNREACHABLE");
          });
    }
  }

 private:
  struct Call {
    std::unique_ptr<Health::Stub> stub;
    grpc::ClientContext context;
    HealthCheckRequest request;  // service "": the server as a whole
    HealthCheckResponse response;
  };

  void Done(std::size_t index, std::string status) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      results_[index] = std::move(status);
    }
    if (pending_.fetch_sub(1) != 1) return;
    nlohmann::json backends = nlohmann::json::object();
    bool ready = true;
    for (std::size_t i = 0; i < backends_.size(); ++i) {
      backends[backends_[i].name] = results_[i];
      ready = ready && results_[i] == "SERVING";
    }
    exchange_->ReplyJson(
        ready ? 200 : 503,
        nlohmann::json{{"status", ready ? "SERVING" : "NOT_SERVING"}, {"backends", backends}}
            .dump());
  }

  std::shared_ptr<Exchange> exchange_;
  const std::vector<Backends::Backend>& backends_;
  std::mutex mu_;
  std::vector<std::string> results_;
  std::atomic<std::size_t> pending_;
};

}  // namespace

absl::Status AddSystemRoutes(Gateway& gateway, Backends& backends, const RouteOptions& options) {
  std::vector<RouteSpec> routes;

  RouteSpec health;
  health.method = "GET";
  health.path = "/healthz";
  health.operation_id = "Healthz";
  health.summary = "Liveness: the gateway answers";
  health.access.authenticate = false;
  health.response_schema = kStatusSchema;
  health.handler = [](std::shared_ptr<Exchange> exchange) {
    exchange->ReplyJson(200, R"({"status":"SERVING"})");
  };
  routes.push_back(std::move(health));

  RouteSpec ready;
  ready.method = "GET";
  ready.path = "/readyz";
  ready.operation_id = "Readyz";
  ready.summary = "Readiness: every backend answers its gRPC health check with SERVING";
  ready.access.authenticate = false;
  ready.response_schema = kStatusSchema;
  ready.extra_errors = {503};
  ready.deadline = std::min(options.deadline, std::chrono::milliseconds(2000));
  ready.handler = [&backends](std::shared_ptr<Exchange> exchange) {
    std::make_shared<ReadinessProbe>(exchange, backends.called())->Start();
  };
  routes.push_back(std::move(ready));

  // Made on first use, once every route group has been added.
  struct Document {
    std::once_flag once;
    std::string text;
  };
  auto document = std::make_shared<Document>();
  RouteSpec openapi;
  openapi.method = "GET";
  openapi.path = "/openapi.json";
  openapi.operation_id = "OpenApi";
  openapi.summary = "This document";
  openapi.access.authenticate = false;
  openapi.response_schema = R"({"type":"object"})";
  openapi.handler = [document, &gateway](std::shared_ptr<Exchange> exchange) {
    std::call_once(document->once, [&] { document->text = BuildOpenApi(gateway.routes(), "v1"); });
    exchange->ReplyJson(200, document->text);
  };
  routes.push_back(std::move(openapi));

  return AddRoutes(gateway, std::move(routes), "system");
}

}  // namespace oms::gateway
