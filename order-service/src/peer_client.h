// What order-service reads from its peers outside the sagas: the catalog (inventory) and the
// tax quote (billing) at capture, payments (billing) and shipments (shipping) for the timeline.
// Blocking calls with a deadline, made on the executor.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oms/billing/v1/billing.pb.h"
#include "oms/inventory/v1/inventory.pb.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace grpc {
class Channel;
}

namespace oms::order {

class PeerClient {
 public:
  virtual ~PeerClient() = default;
  [[nodiscard]] virtual absl::StatusOr<inventory::v1::BatchGetProductsResponse> Products(
      const std::vector<std::string>& skus, const std::string& request_id) = 0;
  [[nodiscard]] virtual absl::StatusOr<billing::v1::Invoice> QuoteTax(
      const billing::v1::QuoteTaxRequest& request, const std::string& request_id) = 0;
  [[nodiscard]] virtual absl::StatusOr<billing::v1::ListPaymentsResponse> Payments(
      const std::string& order_id, const std::string& request_id) = 0;
  [[nodiscard]] virtual absl::StatusOr<shipping::v1::ListShipmentsResponse> Shipments(
      const std::string& order_id, const std::string& request_id) = 0;
};

std::unique_ptr<PeerClient> MakeGrpcPeerClient(std::shared_ptr<grpc::Channel> inventory,
                                               std::shared_ptr<grpc::Channel> billing,
                                               std::shared_ptr<grpc::Channel> shipping,
                                               std::chrono::milliseconds deadline);

}  // namespace oms::order
