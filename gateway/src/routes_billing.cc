// Billing routes, forwarded to billing-service: an order's payments, invoices and credit notes.
// Owner-guarded like the shipment reads: a customer-bound credential sees its own orders' only.
#include "common/validation.h"
#include "gateway/src/auth.h"
#include "gateway/src/backends.h"
#include "gateway/src/forward.h"
#include "gateway/src/gateway.h"
#include "gateway/src/routes.h"

namespace oms::gateway {

absl::Status AddBillingRoutes(Gateway& gateway, Backends& backends, const RouteOptions& options) {
  namespace bill = oms::billing::v1;
  bill::BillingService::Stub* stub = &backends.billing();
  std::vector<RouteSpec> routes;

  RouteSpec payments;
  payments.method = "GET";
  payments.path = "/v1/payments";
  payments.operation_id = "ListPayments";
  payments.summary = "The payments of an order, with their provider transactions";
  payments.query = {{"orderId", ParamType::kString, true, "the order whose payments to list"}};
  payments.response = bill::ListPaymentsResponse::descriptor();
  payments.handler = [stub, &backends](std::shared_ptr<Exchange> exchange) {
    const std::string& order_id = *exchange->query("orderId");
    if (!CheckOrFail(*exchange, ValidateEntityId(order_id, "orderId"))) return;
    WhenOrderVisible(exchange, backends, order_id, [stub, exchange, order_id] {
      bill::ListPaymentsRequest request;
      request.set_order_id(order_id);
      Forward<bill::ListPaymentsResponse>(exchange, std::move(request), [stub](auto... args) {
        stub->async()->ListPayments(args...);
      });
    });
  };
  routes.push_back(std::move(payments));

  RouteSpec invoices;
  invoices.method = "GET";
  invoices.path = "/v1/invoices";
  invoices.operation_id = "ListInvoices";
  invoices.summary = "The invoices and credit notes of an order, oldest first";
  invoices.query = {{"orderId", ParamType::kString, true, "the order whose documents to list"}};
  invoices.response = bill::ListInvoicesResponse::descriptor();
  invoices.handler = [stub, &backends](std::shared_ptr<Exchange> exchange) {
    const std::string& order_id = *exchange->query("orderId");
    if (!CheckOrFail(*exchange, ValidateEntityId(order_id, "orderId"))) return;
    WhenOrderVisible(exchange, backends, order_id, [stub, exchange, order_id] {
      bill::ListInvoicesRequest request;
      request.set_order_id(order_id);
      Forward<bill::ListInvoicesResponse>(exchange, std::move(request), [stub](auto... args) {
        stub->async()->ListInvoices(args...);
      });
    });
  };
  routes.push_back(std::move(invoices));

  for (auto& route : routes) {
    route.access.scope = kScopeOrdersRead;
    route.access.owner_guarded = true;
    route.not_found = OrderNotFound;
  }
  return AddRoutes(gateway, std::move(routes), "billing", options.deadline);
}

}  // namespace oms::gateway
