// The gateway's gRPC clients: one channel per backend, created once and shared by every request,
// each with the grpc_client_* metrics interceptor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/grpc_credentials.h"
#include "common/transport_security.h"
#include "oms/billing/v1/billing.grpc.pb.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "oms/order/v1/idempotency.grpc.pb.h"
#include "oms/order/v1/order.grpc.pb.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"

namespace grpc {
class Channel;
}
namespace prometheus {
class Registry;
}

namespace oms::gateway {

struct BackendAddresses {
  std::string inventory = "127.0.0.1:50052";
  std::string billing = "127.0.0.1:50053";
  std::string shipping = "127.0.0.1:50054";
  std::string order = "127.0.0.1:50051";
};

class Backends {
 public:
  struct Backend {
    std::string name;  // "inventory", as /readyz reports it
    std::shared_ptr<grpc::Channel> channel;
  };

  // `registry` null: no client metrics (tests that never call out). `security`: the gateway's
  // certificate for mutual TLS, or plain text.
  Backends(const BackendAddresses& addresses, prometheus::Registry* registry,
           const TransportSecurity& security = DefaultChannelSecurity());
  ~Backends();

  inventory::v1::InventoryService::Stub& inventory() { return *inventory_; }
  billing::v1::BillingService::Stub& billing() { return *billing_; }
  shipping::v1::ShippingService::Stub& shipping() { return *shipping_; }
  order::v1::OrderService::Stub& order() { return *order_; }
  // The Idempotency-Key records, on order-service's channel.
  order::v1::IdempotencyService::Stub& idempotency() { return *idempotency_; }
  // The backends /readyz checks: those the routes call.
  const std::vector<Backend>& called() const { return called_; }

 private:
  std::vector<Backend> called_;
  std::unique_ptr<inventory::v1::InventoryService::Stub> inventory_;
  std::unique_ptr<billing::v1::BillingService::Stub> billing_;
  std::unique_ptr<shipping::v1::ShippingService::Stub> shipping_;
  std::unique_ptr<order::v1::OrderService::Stub> order_;
  std::unique_ptr<order::v1::IdempotencyService::Stub> idempotency_;
};

}  // namespace oms::gateway
