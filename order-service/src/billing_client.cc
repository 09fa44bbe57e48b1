#include "order-service/src/billing_client.h"

#include <grpcpp/channel.h>

#include "oms/billing/v1/billing.grpc.pb.h"
#include "order-service/src/peer_call.h"

namespace oms::order {
namespace {

namespace billing_v1 = ::oms::billing::v1;
using Stub = billing_v1::BillingService::Stub;

class GrpcBillingClient final : public BillingClient {
 public:
  GrpcBillingClient(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds deadline)
      : stub_(billing_v1::BillingService::NewStub(channel)), deadline_(deadline) {}

  void QuoteTax(const std::string& request_id, billing_v1::QuoteTaxRequest request,
                ReadDone<billing_v1::Invoice> done) override {
    CallPeer(stub_->async(), &Stub::async::QuoteTax, request_id, std::move(request), deadline_,
             AsRead("billing", std::move(done)));
  }

  void Payments(const std::string& request_id, const std::string& order_id,
                ReadDone<billing_v1::ListPaymentsResponse> done) override {
    billing_v1::ListPaymentsRequest request;
    request.set_order_id(order_id);
    CallPeer(stub_->async(), &Stub::async::ListPayments, request_id, std::move(request), deadline_,
             AsRead("billing", std::move(done)));
  }

  void AuthorizePayment(const std::string& request_id, billing_v1::AuthorizePaymentRequest request,
                        CallDone<billing_v1::Payment> done) override {
    CallPeer(stub_->async(), &Stub::async::AuthorizePayment, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void VoidPayment(const std::string& request_id, billing_v1::VoidPaymentRequest request,
                   CallDone<billing_v1::Payment> done) override {
    CallPeer(stub_->async(), &Stub::async::VoidPayment, request_id, std::move(request), deadline_,
             std::move(done));
  }

  void IncrementAuthorization(const std::string& request_id,
                              billing_v1::IncrementAuthorizationRequest request,
                              CallDone<billing_v1::Payment> done) override {
    CallPeer(stub_->async(), &Stub::async::IncrementAuthorization, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void CapturePayment(const std::string& request_id, billing_v1::CapturePaymentRequest request,
                      CallDone<billing_v1::CapturePaymentResponse> done) override {
    CallPeer(stub_->async(), &Stub::async::CapturePayment, request_id, std::move(request),
             deadline_, std::move(done));
  }

  void RefundPayment(const std::string& request_id, billing_v1::RefundPaymentRequest request,
                     CallDone<billing_v1::RefundPaymentResponse> done) override {
    CallPeer(stub_->async(), &Stub::async::RefundPayment, request_id, std::move(request), deadline_,
             std::move(done));
  }

 private:
  std::unique_ptr<Stub> stub_;
  const std::chrono::milliseconds deadline_;
};

}  // namespace

std::unique_ptr<BillingClient> MakeGrpcBillingClient(std::shared_ptr<grpc::Channel> channel,
                                                     std::chrono::milliseconds deadline) {
  return std::make_unique<GrpcBillingClient>(std::move(channel), deadline);
}

}  // namespace oms::order
