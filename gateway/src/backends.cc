#include "gateway/src/backends.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "common/grpc_interceptors.h"

namespace oms::gateway {
namespace {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           const std::shared_ptr<RpcMetrics>& metrics) {
  grpc::ChannelArguments args;
  // Reconnect quickly after a backend restarts, rather than after gRPC's default 20 s backoff.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  if (metrics) factories.push_back(MakeClientInterceptorFactory(metrics));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, grpc::InsecureChannelCredentials(), args, std::move(factories));
}

}  // namespace

Backends::Backends(const BackendAddresses& addresses, prometheus::Registry* registry) {
  std::shared_ptr<RpcMetrics> metrics;
  if (registry != nullptr) {
    metrics = MakeRpcMetrics(*registry, RpcSide::kClient,
                             {inventory::v1::InventoryService::service_full_name(),
                              billing::v1::BillingService::service_full_name(),
                              shipping::v1::ShippingService::service_full_name(),
                              order::v1::OrderService::service_full_name()});
  }
  called_ = {{"inventory", MakeChannel(addresses.inventory, metrics)},
             {"billing", MakeChannel(addresses.billing, metrics)},
             {"shipping", MakeChannel(addresses.shipping, metrics)},
             {"order", MakeChannel(addresses.order, metrics)}};
  inventory_ = inventory::v1::InventoryService::NewStub(called_[0].channel);
  billing_ = billing::v1::BillingService::NewStub(called_[1].channel);
  shipping_ = shipping::v1::ShippingService::NewStub(called_[2].channel);
  order_ = order::v1::OrderService::NewStub(called_[3].channel);
}

Backends::~Backends() = default;

}  // namespace oms::gateway
