#include "gateway/src/routes.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gateway/src/gateway.h"
#include "gateway/src/idempotency.h"
#include "gateway/src/route.h"

namespace oms::gateway {

absl::Status OrderNotFound(const Exchange& exchange) {
  const std::string* order_id = exchange.query("orderId");
  return WithReason(absl::StatusCode::kNotFound, "ORDER_NOT_FOUND",
                    absl::StrCat("order ", order_id != nullptr ? *order_id : "", " not found"));
}

absl::Status OrderNotFoundById(const Exchange& exchange) {
  return WithReason(absl::StatusCode::kNotFound, "ORDER_NOT_FOUND",
                    absl::StrCat("order ", exchange.param("id"), " not found"));
}

absl::Status AddRoutes(Gateway& gateway, std::vector<RouteSpec> routes, const std::string& tag,
                       std::optional<std::chrono::milliseconds> deadline) {
  for (auto& route : routes) {
    if (!tag.empty()) route.tag = tag;
    if (deadline.has_value()) route.deadline = *deadline;
    absl::Status added = gateway.AddRoute(std::move(route));
    if (!added.ok()) return added;
  }
  return absl::OkStatus();
}

absl::Status AddAllRoutes(Gateway& gateway, Backends& backends, const RouteOptions& options) {
  for (auto add :
       {AddSystemRoutes, AddApiKeyRoutes, AddCatalogRoutes, AddOrderRoutes, AddCustomerRoutes,
        AddOrderFollowUpRoutes, AddOrderWatchRoutes, AddShippingRoutes, AddBillingRoutes,
        AddSagaRoutes, AddConsoleRoutes, AddEventRoutes, AddWebhookRoutes}) {
    absl::Status status = add(gateway, backends, options);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

std::optional<std::string> KeyedRequestId(const Exchange& exchange) {
  const std::string* key = exchange.header("Idempotency-Key");
  if (key == nullptr) return std::nullopt;
  return ParticipantRequestId(exchange.principal(), exchange.route().method, exchange.route().path,
                              *key);
}

}  // namespace oms::gateway
