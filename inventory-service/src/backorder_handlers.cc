// Backorder handlers of InventoryServiceImpl: validate, run the use case on the executor, count
// outcomes. The queue itself fills inside the receipts' and releases' own calls.
#include "common/grpc_interceptors.h"
#include "common/reactor.h"
#include "inventory-service/src/inventory_service.h"
#include "inventory-service/src/reservation_validation.h"

namespace oms::inventory {

grpc::ServerUnaryReactor* InventoryServiceImpl::ListBackorderFills(
    grpc::CallbackServerContext* context, const v1::ListBackorderFillsRequest* request,
    v1::ListBackorderFillsResponse* response) {
  auto page_size = BackorderFillsPageSize(*request);
  if (!page_size.ok()) return Refuse(context, page_size.status());
  return RunBlocking(context, executor_, [this, request, response, size = *page_size] {
    return reservations_.ListBackorderFills(request->after_sequence(), size, response);
  });
}

grpc::ServerUnaryReactor* InventoryServiceImpl::CancelBackorders(
    grpc::CallbackServerContext* context, const v1::CancelBackordersRequest* request,
    v1::CancelBackordersResponse* response) {
  if (absl::Status invalid = ValidateCancelBackorders(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto cancel = [this, request, response] {
    Outcome outcome;
    absl::Status status = reservations_.CancelBackorders(*request, response, &outcome);
    if (status.ok() && !outcome.replayed) metrics_.Backorders(outcome);
    return status;
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(cancel)));
}

}  // namespace oms::inventory
