// Parked sagas, for operators (admin): the sagas a refusal left in NEEDS_ATTENTION, and the two
// things to do about one: retry it (a fresh retry budget, new request ids) or resolve it by hand
// with a note, forwarded to order-service. A saga that is not parked answers 409
// SAGA_NOT_PARKED; an unknown one 404 SAGA_NOT_FOUND.
#include "absl/strings/numbers.h"
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

absl::Status SagaNotFound(const Exchange& exchange) {
  return WithReason(absl::StatusCode::kNotFound, "SAGA_NOT_FOUND",
                    absl::StrCat("saga ", exchange.param("id"), " not found"));
}

// An id that is no saga's is answered as a missing saga, without asking.
bool SagaIdOrFail(Exchange& exchange) {
  if (ValidateUuid(exchange.param("id"), "id", "a saga id").ok()) return true;
  exchange.Fail(SagaNotFound(exchange));
  return false;
}

RouteSpec SagaAction(const std::string& action, const std::string& operation_id,
                     const std::string& summary) {
  RouteSpec route;
  route.method = "POST";
  route.path = absl::StrCat("/v1/sagas/{id}:", action);
  route.operation_id = operation_id;
  route.summary = summary;
  route.access.scope = kScopeAdmin;
  route.response = ord::Saga::descriptor();
  route.extra_errors = {404, 409};
  route.not_found = SagaNotFound;
  return route;
}

}  // namespace

absl::Status AddSagaRoutes(Gateway& gateway, Backends& backends, const RouteOptions& options) {
  ord::OrderService::Stub* stub = &backends.order();
  std::vector<RouteSpec> routes;

  RouteSpec parked;
  parked.method = "GET";
  parked.path = "/v1/sagas:parked";
  parked.operation_id = "ListParkedSagas";
  parked.summary =
      "Sagas parked in NEEDS_ATTENTION (a participant refused, an operator must decide), the "
      "longest waiting first: id, orderId, phase, step, attempts, failureReason, updateTime";
  parked.access.scope = kScopeAdmin;
  parked.query = {{"pageSize", ParamType::kInteger, false, "1 to 500 (0 or absent: 50)"}};
  parked.response = ord::ListStuckSagasResponse::descriptor();
  parked.handler = [stub](std::shared_ptr<Exchange> exchange) {
    ord::ListStuckSagasRequest request;
    int page_size = 0;
    if (const std::string* size = exchange->query("pageSize")) {
      (void)absl::SimpleAtoi(*size, &page_size);  // an integer: the pipeline checked its type
    }
    request.set_page_size(page_size);
    Forward<ord::ListStuckSagasResponse>(exchange, std::move(request), [stub](auto... args) {
      stub->async()->ListStuckSagas(args...);
    });
  };
  routes.push_back(std::move(parked));

  RouteSpec retry = SagaAction(
      "retry", "RetrySaga",
      "Resume a parked saga where it stopped, with a fresh retry budget and new request ids "
      "(the refused call would only be refused again). 200 with the saga, running again");
  retry.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!SagaIdOrFail(*exchange)) return;
    ord::RetrySagaRequest request;
    request.set_saga_id(exchange->param("id"));
    Forward<ord::Saga>(exchange, std::move(request),
                       [stub](auto... args) { stub->async()->RetrySaga(args...); });
  };
  routes.push_back(std::move(retry));

  RouteSpec resolve = SagaAction(
      "resolve", "ResolveSaga",
      "End a parked saga by hand once an operator did what it could not: {note} (required), "
      "kept in its journal. 200 with the saga, ended where it was going (a compensation: "
      "COMPENSATED)");
  resolve.body = ord::ResolveSagaRequest::descriptor();
  resolve.body_excluded = {"sagaId"};
  resolve.handler = [stub](std::shared_ptr<Exchange> exchange) {
    if (!SagaIdOrFail(*exchange)) return;
    ord::ResolveSagaRequest request;
    if (!ParseBodyOrFail(*exchange, &request, exchange->route().body_excluded)) return;
    request.set_saga_id(exchange->param("id"));
    Forward<ord::Saga>(exchange, std::move(request),
                       [stub](auto... args) { stub->async()->ResolveSaga(args...); });
  };
  routes.push_back(std::move(resolve));

  return AddRoutes(gateway, std::move(routes), "sagas", options.deadline);
}

}  // namespace oms::gateway
