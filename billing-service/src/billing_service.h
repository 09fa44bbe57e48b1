// gRPC handlers of oms.billing.v1.BillingService: validate, hand the use case to the executor,
// map the status. Nothing here touches the database or the provider directly.
#pragma once

#include "billing-service/src/billing_use_cases.h"
#include "common/executor.h"
#include "oms/billing/v1/billing.grpc.pb.h"

namespace oms::billing {

class BillingServiceImpl final : public v1::BillingService::CallbackService {
 public:
  BillingServiceImpl(BillingUseCases& billing, BoundedExecutor& executor)
      : billing_(billing), executor_(executor) {}

  grpc::ServerUnaryReactor* AuthorizePayment(grpc::CallbackServerContext* context,
                                             const v1::AuthorizePaymentRequest* request,
                                             v1::Payment* response) override;
  grpc::ServerUnaryReactor* CapturePayment(grpc::CallbackServerContext* context,
                                           const v1::CapturePaymentRequest* request,
                                           v1::CapturePaymentResponse* response) override;
  grpc::ServerUnaryReactor* VoidPayment(grpc::CallbackServerContext* context,
                                        const v1::VoidPaymentRequest* request,
                                        v1::Payment* response) override;
  grpc::ServerUnaryReactor* IncrementAuthorization(grpc::CallbackServerContext* context,
                                                   const v1::IncrementAuthorizationRequest* request,
                                                   v1::Payment* response) override;
  grpc::ServerUnaryReactor* RefundPayment(grpc::CallbackServerContext* context,
                                          const v1::RefundPaymentRequest* request,
                                          v1::RefundPaymentResponse* response) override;
  grpc::ServerUnaryReactor* GetPayment(grpc::CallbackServerContext* context,
                                       const v1::GetPaymentRequest* request,
                                       v1::Payment* response) override;
  grpc::ServerUnaryReactor* ListPayments(grpc::CallbackServerContext* context,
                                         const v1::ListPaymentsRequest* request,
                                         v1::ListPaymentsResponse* response) override;
  grpc::ServerUnaryReactor* ListInvoices(grpc::CallbackServerContext* context,
                                         const v1::ListInvoicesRequest* request,
                                         v1::ListInvoicesResponse* response) override;
  grpc::ServerUnaryReactor* QuoteTax(grpc::CallbackServerContext* context,
                                     const v1::QuoteTaxRequest* request,
                                     v1::Invoice* response) override;
  grpc::ServerUnaryReactor* AuditOrderFacts(grpc::CallbackServerContext* context,
                                            const v1::AuditOrderFactsRequest* request,
                                            v1::AuditOrderFactsResponse* response) override;

 private:
  BillingUseCases& billing_;
  BoundedExecutor& executor_;
};

}  // namespace oms::billing
