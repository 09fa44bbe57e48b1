#include "order-service/src/order_peers.h"

namespace oms::order {

// After ARCHITECTURE.md's call graph: external clients reach orders, customers and API keys only
// through the gateway, which authenticates and scopes them (customer profiles and parked sagas
// are its admins' routes); operators (omsctl) load the demo customer, audit, and handle parked
// sagas. Nobody else may mint or verify an API key.
MethodPeers OrderServicePeers() {
  using namespace peer;  // NOLINT(build/namespaces): the names read as the table's columns
  return {
      {"CreateCustomer", {kGateway, kOmsctl}},
      {"GetCustomer", {kGateway}},
      {"UpdateCustomer", {kGateway, kOmsctl}},
      {"ListCustomers", {kGateway, kOmsctl}},
      {"CreateOrder", {kGateway}},
      {"GetOrder", {kGateway}},
      {"ListOrders", {kGateway}},
      {"CancelOrder", {kGateway}},
      {"ModifyOrder", {kGateway}},
      {"ReshipShipment", {kGateway, kOmsctl}},
      {"RefundShipment", {kGateway, kOmsctl}},
      {"GetOrderTimeline", {kGateway}},
      {"WatchOrder", {kGateway}},
      {"ListEvents", {kGateway}},
      {"StreamEvents", {kGateway}},
      {"GetConsumerLag", {kGateway}},
      {"CreateWebhook", {kGateway}},
      {"ListWebhooks", {kGateway}},
      {"DeleteWebhook", {kGateway}},
      {"ListWebhookDeliveries", {kGateway}},
      {"RedeliverWebhook", {kGateway}},
      {"ListNotifications", {kGateway}},
      {"CreateReturn", {kGateway}},
      {"ReceiveReturn", {kGateway}},
      {"GetReturn", {kGateway}},
      {"ListReturns", {kGateway}},
      {"ListStuckSagas", {kGateway, kOmsctl}},
      {"RetrySaga", {kGateway, kOmsctl}},
      {"ResolveSaga", {kGateway, kOmsctl}},
      {"AuditOrders", {kOmsctl}},
      {"CreateApiKey", {kGateway}},
      {"RevokeApiKey", {kGateway}},
      {"VerifyApiKey", {kGateway}},
      {"ListApiKeys", {kGateway}},
  };
}

// The gateway's Idempotency-Key records.
MethodPeers IdempotencyServicePeers() {
  using namespace peer;  // NOLINT(build/namespaces): the names read as the table's columns
  return {
      {"ClaimIdempotencyKey", {kGateway}},
      {"CompleteIdempotencyKey", {kGateway}},
      {"ReleaseIdempotencyKey", {kGateway}},
  };
}

}  // namespace oms::order
