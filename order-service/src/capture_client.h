// What order capture asks other services: the catalog (inventory) and the tax quote (billing).
// Blocking calls with a deadline, made on the executor.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oms/billing/v1/billing.pb.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace grpc {
class Channel;
}

namespace oms::order {

class CaptureClient {
 public:
  virtual ~CaptureClient() = default;
  [[nodiscard]] virtual absl::StatusOr<inventory::v1::BatchGetProductsResponse> Products(
      const std::vector<std::string>& skus, const std::string& request_id) = 0;
  [[nodiscard]] virtual absl::StatusOr<billing::v1::Invoice> QuoteTax(
      const billing::v1::QuoteTaxRequest& request, const std::string& request_id) = 0;
};

std::unique_ptr<CaptureClient> MakeGrpcCaptureClient(std::shared_ptr<grpc::Channel> inventory,
                                                     std::shared_ptr<grpc::Channel> billing,
                                                     std::chrono::milliseconds deadline);

}  // namespace oms::order
