// The route groups. Each lives in its own routes_<group>.cc and registers its RouteSpecs; adding
// a group (orders, customers, API keys) is one file and one line in AddAllRoutes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace oms::gateway {

class Backends;
class Exchange;
class Gateway;
struct RouteSpec;
class StreamSlots;

struct RouteOptions {
  std::chrono::milliseconds deadline{5000};  // default per route, passed downstream
  // POST /v1/orders: how long the saga may run before the answer is 202 with the PENDING order.
  std::chrono::milliseconds order_deadline{15000};
  // Server-sent event streams: a comment heartbeat after this long without an event.
  std::chrono::milliseconds watch_heartbeat{15000};
  // The caps on open streams; null: every watch answers 503 (it must outlive the routes).
  StreamSlots* streams = nullptr;
  // How often an open stream's credential is verified again; a stream whose credential is
  // refused (a revoked key, an expired token) ends. Zero: never.
  std::chrono::milliseconds watch_recheck{60000};
  // Where the operations console's files are (--console_dir); empty: its routes answer 404.
  std::string console_dir;
};

[[nodiscard]] absl::Status AddSystemRoutes(Gateway& gateway, Backends& backends,
                                           const RouteOptions& options);
[[nodiscard]] absl::Status AddCatalogRoutes(Gateway& gateway, Backends& backends,
                                            const RouteOptions& options);
[[nodiscard]] absl::Status AddShippingRoutes(Gateway& gateway, Backends& backends,
                                             const RouteOptions& options);
[[nodiscard]] absl::Status AddBillingRoutes(Gateway& gateway, Backends& backends,
                                            const RouteOptions& options);

// Customer profiles (routes_customers.cc).
[[nodiscard]] absl::Status AddCustomerRoutes(Gateway& gateway, Backends& backends,
                                             const RouteOptions& options);
// Parked sagas and the operators' retry and resolve (routes_sagas.cc).
[[nodiscard]] absl::Status AddSagaRoutes(Gateway& gateway, Backends& backends,
                                         const RouteOptions& options);
// GET /v1/events, the feed of every order's events (routes_events.cc).
[[nodiscard]] absl::Status AddEventRoutes(Gateway& gateway, Backends& backends,
                                          const RouteOptions& options);
// Webhook subscriptions and their delivery logs (routes_webhooks.cc).
[[nodiscard]] absl::Status AddWebhookRoutes(Gateway& gateway, Backends& backends,
                                            const RouteOptions& options);
// POST and GET /v1/apiKeys, DELETE /v1/apiKeys/{id} (routes_api_keys.cc).
[[nodiscard]] absl::Status AddApiKeyRoutes(Gateway& gateway, Backends& backends,
                                           const RouteOptions& options);
[[nodiscard]] absl::Status AddOrderRoutes(Gateway& gateway, Backends& backends,
                                          const RouteOptions& options);
// What follows a placed order (routes_orders_after.cc): cancelling it, its timeline, returns.
[[nodiscard]] absl::Status AddOrderFollowUpRoutes(Gateway& gateway, Backends& backends,
                                                  const RouteOptions& options);
// GET /v1/orders/{id}:watch, the timeline as server-sent events (routes_watch.cc).
[[nodiscard]] absl::Status AddOrderWatchRoutes(Gateway& gateway, Backends& backends,
                                               const RouteOptions& options);
// The operations console's files under /console (routes_console.cc).
[[nodiscard]] absl::Status AddConsoleRoutes(Gateway& gateway, Backends& backends,
                                            const RouteOptions& options);

// The answer for an order, named by the `orderId` query parameter, that does not exist or that
// the caller may not see: the routes that look things up by order share it.
[[nodiscard]] absl::Status OrderNotFound(const Exchange& exchange);
// The same for an order named by the `id` path variable.
[[nodiscard]] absl::Status OrderNotFoundById(const Exchange& exchange);

// Runs `then` once the exchange's principal may see order `order_id`: at once for credentials
// not bound to a customer; for a customer-bound one after order-service's GetOrder shows the
// order is that customer's (and marks the exchange owner-verified). An order of another
// customer, or none, answers the route's not-found; a failed lookup answers its error.
void WhenOrderVisible(const std::shared_ptr<Exchange>& exchange, Backends& backends,
                      const std::string& order_id, std::function<void()> then);

// Registers a group's routes in order through Gateway::AddRoute; the first refusal stops it and
// is returned. A non-empty `tag` and a given `deadline` are set on every route of the group
// (routes that differ in them set their own and pass neither).
[[nodiscard]] absl::Status AddRoutes(Gateway& gateway, std::vector<RouteSpec> routes,
                                     const std::string& tag = "",
                                     std::optional<std::chrono::milliseconds> deadline = {});

// The request id the exchange's Idempotency-Key becomes at a participant (ParticipantRequestId:
// scoped by the client and the route); null when the request has no key.
std::optional<std::string> KeyedRequestId(const Exchange& exchange);

// Every group above, in the order the OpenAPI document lists them.
[[nodiscard]] absl::Status AddAllRoutes(Gateway& gateway, Backends& backends,
                                        const RouteOptions& options);

}  // namespace oms::gateway
