// ModifyOrder: an edit of a confirmed order, priced like a new order (order_edit.h) and carried
// out by the order's EDIT saga (sagas/edit_saga.cc). The call answers once the saga is started,
// with the order still at its current version.
#include <memory>
#include <string>
#include <vector>

#include "common/grpc_interceptors.h"
#include "common/reactor.h"
#include "order-service/src/billing_client.h"
#include "order-service/src/inventory_client.h"
#include "order-service/src/order_edit.h"
#include "order-service/src/order_service.h"
#include "order-service/src/order_validation.h"
#include "order-service/src/pricing.h"

namespace oms::order {

// One ModifyOrder between its stages. The request and the response are gRPC's until Finish.
struct OrderServiceImpl::PendingEdit {
  grpc::ServerUnaryReactor* reactor;
  const v1::ModifyOrderRequest* request;
  v1::Order* response;
  std::string peer_request_id;
  v1::Order order;  // the version in effect
  LineChanges changes;
  v1::CreateOrderRequest repricing;
  inventory::v1::BatchGetProductsResponse products;
  billing::v1::Invoice quote;

  void Fail(const absl::Status& status) const { reactor->Finish(ToGrpcStatus(status)); }
};

grpc::ServerUnaryReactor* OrderServiceImpl::ModifyOrder(grpc::CallbackServerContext* context,
                                                        const v1::ModifyOrderRequest* request,
                                                        v1::Order* response) {
  if (absl::Status invalid = ValidateModifyOrder(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto pending = std::make_shared<PendingEdit>();
  pending->reactor = context->DefaultReactor();
  pending->request = request;
  pending->response = response;
  pending->peer_request_id = RequestIdOf(*context);
  SubmitOrRefuse(executor_, *pending->reactor, [this, pending] { EditRead(pending); });
  return pending->reactor;
}

void OrderServiceImpl::EditRead(const std::shared_ptr<PendingEdit>& pending) {
  const v1::ModifyOrderRequest& request = *pending->request;
  auto answer = [pending, this] {
    pending->reactor->Finish(
        ToGrpcStatus(orders_.GetOrder(pending->request->order_id(), pending->response)));
  };
  auto existing = edits_.FindEdit(request.order_id(), request.request_id());
  if (!existing.ok()) return pending->Fail(existing.status());
  if (!existing->saga_id.empty()) return answer();  // a repeat: the order as it is now
  absl::Status status = orders_.GetOrder(request.order_id(), &pending->order);
  if (!status.ok()) return pending->Fail(status);
  status = CheckEditable(pending->order, request.version());
  if (!status.ok()) return pending->Fail(status);
  pending->changes = DiffLines(pending->order, request.lines());
  if (pending->changes.empty()) return answer();
  pending->repricing = RepricingRequest(pending->order, request.lines());
  std::vector<std::string> skus;
  for (const auto& line : request.lines()) skus.push_back(line.sku());
  peers_.inventory.Products(
      pending->peer_request_id, skus,
      [this, pending](absl::StatusOr<inventory::v1::BatchGetProductsResponse> products) {
        if (!products.ok()) return pending->Fail(products.status());
        pending->products = *std::move(products);
        KeepCapturedPrices(pending->order, &pending->products);
        EditQuote(pending);
      });
}

void OrderServiceImpl::EditQuote(const std::shared_ptr<PendingEdit>& pending) {
  auto billable = BillableLines(pending->repricing, pending->products);
  if (!billable.ok()) return pending->Fail(billable.status());
  billing::v1::QuoteTaxRequest quote_request;
  for (auto& line : *billable) *quote_request.add_lines() = std::move(line);
  *quote_request.mutable_destination() = pending->repricing.shipping_address();
  if (pending->repricing.has_shipping_charge()) {
    *quote_request.mutable_shipping() = pending->repricing.shipping_charge();
  }
  peers_.billing.QuoteTax(pending->peer_request_id, std::move(quote_request),
                          [this, pending](absl::StatusOr<billing::v1::Invoice> quote) {
                            if (!quote.ok()) return pending->Fail(quote.status());
                            pending->quote = *std::move(quote);
                            SubmitOrRefuse(executor_, *pending->reactor,
                                           [this, pending] { EditStart(pending); });
                          });
}

void OrderServiceImpl::EditStart(const std::shared_ptr<PendingEdit>& pending) {
  auto edited = CapturedOrder(pending->repricing, pending->products, pending->quote);
  if (!edited.ok()) return pending->Fail(edited.status());
  edited->set_external_order_id(pending->order.external_order_id());
  const v1::EditPlan plan =
      MakeEditPlan(pending->request->request_id(), pending->order, *edited, pending->changes);
  auto started = edits_.StartEdit(pending->order.id(), plan);
  if (!started.ok()) return pending->Fail(started.status());
  if (started->created) coordinator_.Kick(started->saga_id);
  pending->reactor->Finish(ToGrpcStatus(orders_.GetOrder(pending->order.id(), pending->response)));
}

}  // namespace oms::order
