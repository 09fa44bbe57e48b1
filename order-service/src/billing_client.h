// order-service's one client of billing-service: the tax quote at capture, the payments the
// timeline shows, and the sagas' payment calls. The stub is created once from the channel; every
// call gets a fresh context with the client's deadline and carries `request_id` as x-request-id.
// Answers: peer_client.h.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "oms/billing/v1/billing.pb.h"
#include "order-service/src/peer_client.h"

namespace grpc {
class Channel;
}

namespace oms::order {

class BillingClient {
 public:
  virtual ~BillingClient() = default;

  virtual void QuoteTax(const std::string& request_id, billing::v1::QuoteTaxRequest request,
                        ReadDone<billing::v1::Invoice> done) = 0;
  // The order's payments with their transactions.
  virtual void Payments(const std::string& request_id, const std::string& order_id,
                        ReadDone<billing::v1::ListPaymentsResponse> done) = 0;

  virtual void AuthorizePayment(const std::string& request_id,
                                billing::v1::AuthorizePaymentRequest request,
                                CallDone<billing::v1::Payment> done) = 0;
  virtual void VoidPayment(const std::string& request_id, billing::v1::VoidPaymentRequest request,
                           CallDone<billing::v1::Payment> done) = 0;
  virtual void IncrementAuthorization(const std::string& request_id,
                                      billing::v1::IncrementAuthorizationRequest request,
                                      CallDone<billing::v1::Payment> done) = 0;
  virtual void CapturePayment(const std::string& request_id,
                              billing::v1::CapturePaymentRequest request,
                              CallDone<billing::v1::CapturePaymentResponse> done) = 0;
  virtual void RefundPayment(const std::string& request_id,
                             billing::v1::RefundPaymentRequest request,
                             CallDone<billing::v1::RefundPaymentResponse> done) = 0;
};

std::unique_ptr<BillingClient> MakeGrpcBillingClient(std::shared_ptr<grpc::Channel> channel,
                                                     std::chrono::milliseconds deadline);

}  // namespace oms::order
