#include "billing-service/src/billing_peers.h"

namespace oms::billing {

// After ARCHITECTURE.md's call graph: money moves only on order-service's sagas (and its order
// edits, which raise the authorization); the gateway reads payments and invoices; order-service
// reads payments for the timeline; omsctl audits.
MethodPeers BillingServicePeers() {
  using namespace peer;  // NOLINT(build/namespaces): the names read as the table's columns
  return {
      {"AuthorizePayment", {kOrderService}},
      {"CapturePayment", {kOrderService}},
      {"VoidPayment", {kOrderService}},
      {"IncrementAuthorization", {kOrderService}},
      {"RefundPayment", {kOrderService}},
      {"GetPayment", {kOmsctl}},
      {"ListPayments", {kGateway, kOrderService}},
      {"ListInvoices", {kGateway}},
      {"QuoteTax", {kOrderService}},
      {"AuditOrderFacts", {kOmsctl}},
  };
}

}  // namespace oms::billing
