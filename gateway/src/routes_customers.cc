// Customer routes, forwarded to order-service: creating, listing and updating profiles is for
// admins; reading one is orders:read, and a customer-bound credential reads only its own.
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gateway/src/auth.h"
#include "gateway/src/backends.h"
#include "gateway/src/forward.h"
#include "gateway/src/gateway.h"
#include "gateway/src/page_params.h"
#include "gateway/src/routes.h"
#include "gateway/src/update_mask.h"

namespace oms::gateway {
namespace {

namespace ord = oms::order::v1;

absl::Status CustomerNotFound(const Exchange& exchange) {
  return WithReason(absl::StatusCode::kNotFound, "CUSTOMER_NOT_FOUND",
                    absl::StrCat("customer ", exchange.param("id"), " not found"));
}

// Fields a client may not write: the id comes from the path, the times from the server.
const std::vector<std::string>& ServerOwnedFields() {
  static const std::vector<std::string> kFields = {"id", "createTime", "updateTime"};
  return kFields;
}

}  // namespace

absl::Status AddCustomerRoutes(Gateway& gateway, Backends& backends, const RouteOptions& options) {
  ord::OrderService::Stub* stub = &backends.order();
  std::vector<RouteSpec> routes;

  RouteSpec create;
  create.method = "POST";
  create.path = "/v1/customers";
  create.operation_id = "CreateCustomer";
  create.summary = "Create a customer profile with addresses (body: the Customer)";
  create.access.scope = kScopeAdmin;
  create.body = ord::Customer::descriptor();
  create.body_excluded = ServerOwnedFields();
  create.response = ord::Customer::descriptor();
  create.success_status = 201;
  create.extra_errors = {409};
  create.handler = [stub](std::shared_ptr<Exchange> exchange) {
    ord::CreateCustomerRequest request;
    if (!ParseBodyOrFail(*exchange, request.mutable_customer(), exchange->route().body_excluded)) {
      return;
    }
    Forward<ord::Customer>(exchange, std::move(request),
                           [stub](auto... args) { stub->async()->CreateCustomer(args...); });
  };
  routes.push_back(std::move(create));

  RouteSpec list;
  list.method = "GET";
  list.path = "/v1/customers";
  list.operation_id = "ListCustomers";
  list.summary = "Customer profiles, oldest first, paginated";
  list.access.scope = kScopeAdmin;
  list.query = PageParams();
  list.response = ord::ListCustomersResponse::descriptor();
  list.handler = [stub](std::shared_ptr<Exchange> exchange) {
    ord::ListCustomersRequest request;
    ReadPage(*exchange, &request);
    Forward<ord::ListCustomersResponse>(exchange, std::move(request), [stub](auto... args) {
      stub->async()->ListCustomers(args...);
    });
  };
  routes.push_back(std::move(list));

  RouteSpec get;
  get.method = "GET";
  get.path = "/v1/customers/{id}";
  get.operation_id = "GetCustomer";
  get.summary = "A customer profile; a customer-bound credential sees only its own";
  get.access.scope = kScopeOrdersRead;
  get.access.owner_guarded = true;
  get.response = ord::Customer::descriptor();
  get.not_found = CustomerNotFound;
  get.handler = [stub](std::shared_ptr<Exchange> exchange) {
    const Principal& principal = exchange->principal();
    if (principal.customer_bound()) {
      if (exchange->param("id") != principal.customer_id) {
        exchange->Fail(CustomerNotFound(*exchange));
        return;
      }
      exchange->MarkOwnerVerified();
    }
    ord::GetCustomerRequest request;
    request.set_id(exchange->param("id"));
    Forward<ord::Customer>(exchange, std::move(request),
                           [stub](auto... args) { stub->async()->GetCustomer(args...); });
  };
  routes.push_back(std::move(get));

  RouteSpec update;
  update.method = "PATCH";
  update.path = "/v1/customers/{id}";
  update.operation_id = "UpdateCustomer";
  update.summary =
      "Update a customer profile: the body is the Customer, updateMask names the fields written "
      "(name, email, phone, addresses, locale; all of them when absent). 200 with the profile as "
      "stored";
  update.access.scope = kScopeAdmin;
  update.query = {UpdateMaskParam()};
  update.body = ord::Customer::descriptor();
  update.body_excluded = ServerOwnedFields();
  update.response = ord::Customer::descriptor();
  update.extra_errors = {409};
  update.not_found = CustomerNotFound;
  update.handler = [stub](std::shared_ptr<Exchange> exchange) {
    ord::UpdateCustomerRequest request;
    if (!ParseBodyOrFail(*exchange, request.mutable_customer(), exchange->route().body_excluded) ||
        !CheckOrFail(*exchange, ReadUpdateMask(*exchange, request.mutable_update_mask()))) {
      return;
    }
    request.mutable_customer()->set_id(exchange->param("id"));
    Forward<ord::Customer>(exchange, std::move(request),
                           [stub](auto... args) { stub->async()->UpdateCustomer(args...); });
  };
  routes.push_back(std::move(update));

  return AddRoutes(gateway, std::move(routes), "customers", options.deadline);
}

}  // namespace oms::gateway
