// AuditOrders of OrderServiceImpl: the read-only page of order facts the cross-service invariant
// check (`omsctl check`) merges with the participants' AuditOrderFacts pages.
#include "common/grpc_status.h"
#include "common/reactor.h"
#include "common/validation.h"
#include "order-service/src/order_service.h"

namespace oms::order {

grpc::ServerUnaryReactor* OrderServiceImpl::AuditOrders(grpc::CallbackServerContext* context,
                                                        const v1::AuditOrdersRequest* request,
                                                        v1::AuditOrdersResponse* response) {
  auto page = ParseAuditPage(request->page());
  absl::Status invalid = page.status();
  // The cursor is an order id: refused here rather than as a failed uuid cast in the database.
  if (page.ok() && !page->after.empty()) {
    invalid = ValidateUuid(page->after, "page.page_token", "an order id");
  }
  if (!invalid.ok()) return Refuse(context, invalid);
  return RunBlocking(context, executor_, [this, audit_page = *std::move(page), response] {
    return audit_.AuditOrders(audit_page, response);
  });
}

}  // namespace oms::order
