#include "order-service/src/peer_client.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_interceptors.h"
#include "common/grpc_status.h"
#include "oms/billing/v1/billing.grpc.pb.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"

namespace oms::order {
namespace {

class GrpcPeerClient : public PeerClient {
 public:
  GrpcPeerClient(std::shared_ptr<grpc::Channel> inventory, std::shared_ptr<grpc::Channel> billing,
                 std::shared_ptr<grpc::Channel> shipping, std::chrono::milliseconds deadline)
      : inventory_(inventory::v1::InventoryService::NewStub(inventory)),
        billing_(billing::v1::BillingService::NewStub(billing)),
        shipping_(shipping::v1::ShippingService::NewStub(shipping)),
        deadline_(deadline) {}

  absl::StatusOr<inventory::v1::BatchGetProductsResponse> Products(
      const std::vector<std::string>& skus, const std::string& request_id) override {
    inventory::v1::BatchGetProductsRequest request;
    for (const auto& sku : skus) request.add_skus(sku);
    inventory::v1::BatchGetProductsResponse response;
    auto context = Context(request_id);
    return Answer(inventory_->BatchGetProducts(context.get(), request, &response), response,
                  "inventory");
  }

  absl::StatusOr<billing::v1::Invoice> QuoteTax(const billing::v1::QuoteTaxRequest& request,
                                                const std::string& request_id) override {
    billing::v1::Invoice response;
    auto context = Context(request_id);
    return Answer(billing_->QuoteTax(context.get(), request, &response), response, "billing");
  }

  absl::StatusOr<billing::v1::ListPaymentsResponse> Payments(
      const std::string& order_id, const std::string& request_id) override {
    billing::v1::ListPaymentsRequest request;
    request.set_order_id(order_id);
    billing::v1::ListPaymentsResponse response;
    auto context = Context(request_id);
    return Answer(billing_->ListPayments(context.get(), request, &response), response, "billing");
  }

  absl::StatusOr<shipping::v1::ListShipmentsResponse> Shipments(
      const std::string& order_id, const std::string& request_id) override {
    shipping::v1::ListShipmentsRequest request;
    request.set_order_id(order_id);
    shipping::v1::ListShipmentsResponse response;
    auto context = Context(request_id);
    return Answer(shipping_->ListShipments(context.get(), request, &response), response,
                  "shipping");
  }

 private:
  std::unique_ptr<grpc::ClientContext> Context(const std::string& request_id) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + deadline_);
    SetRequestId(*context, request_id);
    return context;
  }

  // A dependency's failure is ours to report as UNAVAILABLE (the client may retry), except bad
  // input, which the caller caused.
  template <class Response>
  static absl::StatusOr<Response> Answer(const grpc::Status& status, const Response& response,
                                         const char* peer) {
    if (status.ok()) return response;
    absl::Status failed = FromGrpcStatus(status);
    if (failed.code() == absl::StatusCode::kInvalidArgument) return failed;
    return absl::UnavailableError(absl::StrCat(peer, " is unavailable: ", failed.message()));
  }

  std::unique_ptr<inventory::v1::InventoryService::Stub> inventory_;
  std::unique_ptr<billing::v1::BillingService::Stub> billing_;
  std::unique_ptr<shipping::v1::ShippingService::Stub> shipping_;
  const std::chrono::milliseconds deadline_;
};

}  // namespace

std::unique_ptr<PeerClient> MakeGrpcPeerClient(std::shared_ptr<grpc::Channel> inventory,
                                               std::shared_ptr<grpc::Channel> billing,
                                               std::shared_ptr<grpc::Channel> shipping,
                                               std::chrono::milliseconds deadline) {
  return std::make_unique<GrpcPeerClient>(std::move(inventory), std::move(billing),
                                          std::move(shipping), deadline);
}

}  // namespace oms::order
