#include "billing-service/src/billing_service.h"

#include "billing-service/src/requests.h"
#include "common/grpc_interceptors.h"
#include "common/grpc_status.h"
#include "common/reactor.h"

namespace oms::billing {
namespace {

// Bad input is answered on the gRPC thread: it costs no executor slot and changes nothing.
grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* BillingServiceImpl::AuthorizePayment(
    grpc::CallbackServerContext* context, const v1::AuthorizePaymentRequest* request,
    v1::Payment* response) {
  if (absl::Status invalid = ValidateAuthorize(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto authorize = [this, request, response] { return billing_.Authorize(*request, response); };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(authorize)));
}

grpc::ServerUnaryReactor* BillingServiceImpl::CapturePayment(
    grpc::CallbackServerContext* context, const v1::CapturePaymentRequest* request,
    v1::CapturePaymentResponse* response) {
  if (absl::Status invalid = ValidateCapture(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto capture = [this, request, response] { return billing_.Capture(*request, response); };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(capture)));
}

grpc::ServerUnaryReactor* BillingServiceImpl::VoidPayment(grpc::CallbackServerContext* context,
                                                          const v1::VoidPaymentRequest* request,
                                                          v1::Payment* response) {
  if (absl::Status invalid = ValidateVoid(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto void_payment = [this, request, response] { return billing_.Void(*request, response); };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(void_payment)));
}

grpc::ServerUnaryReactor* BillingServiceImpl::IncrementAuthorization(
    grpc::CallbackServerContext* context, const v1::IncrementAuthorizationRequest* request,
    v1::Payment* response) {
  if (absl::Status invalid = ValidateIncrement(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto increment = [this, request, response] {
    return billing_.IncrementAuthorization(*request, response);
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(increment)));
}

grpc::ServerUnaryReactor* BillingServiceImpl::RefundPayment(grpc::CallbackServerContext* context,
                                                            const v1::RefundPaymentRequest* request,
                                                            v1::RefundPaymentResponse* response) {
  if (absl::Status invalid = ValidateRefund(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto refund = [this, request, response] { return billing_.Refund(*request, response); };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(refund)));
}

grpc::ServerUnaryReactor* BillingServiceImpl::GetPayment(grpc::CallbackServerContext* context,
                                                         const v1::GetPaymentRequest* request,
                                                         v1::Payment* response) {
  if (absl::Status invalid = ValidatePaymentId(request->id(), "id"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return billing_.GetPayment(request->id(), response);
  });
}

grpc::ServerUnaryReactor* BillingServiceImpl::ListPayments(grpc::CallbackServerContext* context,
                                                           const v1::ListPaymentsRequest* request,
                                                           v1::ListPaymentsResponse* response) {
  if (absl::Status invalid = ValidateEntityId(request->order_id(), "order_id"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return billing_.ListPayments(request->order_id(), response);
  });
}

grpc::ServerUnaryReactor* BillingServiceImpl::ListInvoices(grpc::CallbackServerContext* context,
                                                           const v1::ListInvoicesRequest* request,
                                                           v1::ListInvoicesResponse* response) {
  if (absl::Status invalid = ValidateEntityId(request->order_id(), "order_id"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return billing_.ListInvoices(request->order_id(), response);
  });
}

grpc::ServerUnaryReactor* BillingServiceImpl::QuoteTax(grpc::CallbackServerContext* context,
                                                       const v1::QuoteTaxRequest* request,
                                                       v1::Invoice* response) {
  if (absl::Status invalid = ValidateQuoteTax(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_,
                     [this, request, response] { return billing_.QuoteTax(*request, response); });
}

grpc::ServerUnaryReactor* BillingServiceImpl::AuditOrderFacts(
    grpc::CallbackServerContext* context, const v1::AuditOrderFactsRequest* request,
    v1::AuditOrderFactsResponse* response) {
  auto page = ParseAuditPage(request->page());
  if (!page.ok()) return Refuse(context, page.status());
  return RunBlocking(context, executor_, [this, audit_page = *std::move(page), response] {
    return billing_.AuditOrderFacts(audit_page, response);
  });
}

}  // namespace oms::billing
