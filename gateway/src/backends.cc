#include "gateway/src/backends.h"

#include <grpcpp/channel.h>

#include "common/grpc_channel.h"
#include "common/grpc_interceptors.h"

namespace oms::gateway {

Backends::Backends(const BackendAddresses& addresses, prometheus::Registry* registry,
                   const TransportSecurity& security) {
  std::shared_ptr<RpcMetrics> metrics;
  if (registry != nullptr) {
    metrics = MakeRpcMetrics(*registry, RpcSide::kClient,
                             {inventory::v1::InventoryService::service_full_name(),
                              billing::v1::BillingService::service_full_name(),
                              shipping::v1::ShippingService::service_full_name(),
                              order::v1::OrderService::service_full_name(),
                              order::v1::IdempotencyService::service_full_name()});
  }
  called_ = {{"inventory", MakeClientChannel(addresses.inventory, metrics, {}, security)},
             {"billing", MakeClientChannel(addresses.billing, metrics, {}, security)},
             {"shipping", MakeClientChannel(addresses.shipping, metrics, {}, security)},
             {"order", MakeClientChannel(addresses.order, metrics, {}, security)}};
  inventory_ = inventory::v1::InventoryService::NewStub(called_[0].channel);
  billing_ = billing::v1::BillingService::NewStub(called_[1].channel);
  shipping_ = shipping::v1::ShippingService::NewStub(called_[2].channel);
  order_ = order::v1::OrderService::NewStub(called_[3].channel);
  idempotency_ = order::v1::IdempotencyService::NewStub(called_[3].channel);
}

Backends::~Backends() = default;

}  // namespace oms::gateway
