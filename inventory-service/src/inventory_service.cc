#include "inventory-service/src/inventory_service.h"

#include "absl/strings/str_cat.h"
#include "common/grpc_interceptors.h"
#include "common/grpc_status.h"
#include "common/pagination.h"
#include "common/reactor.h"
#include "common/status.h"
#include "inventory-service/src/catalog.h"
#include "inventory-service/src/stock_moves.h"

namespace oms::inventory {

grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

namespace {

absl::StatusOr<PageRequest> ReadPage(int page_size, const std::string& page_token) {
  auto size = PageSize(page_size);
  if (!size.ok()) return size.status();
  auto after = DecodePageToken(page_token);
  if (!after.ok()) return after.status();
  return PageRequest{*after, *size};
}

}  // namespace

grpc::ServerUnaryReactor* InventoryServiceImpl::CreateProduct(
    grpc::CallbackServerContext* context, const v1::CreateProductRequest* request,
    v1::Product* response) {
  if (absl::Status invalid = ValidateNewProduct(request->product()); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return inventory_.CreateProduct(request->product(), response);
  });
}

grpc::ServerUnaryReactor* InventoryServiceImpl::UpdateProduct(
    grpc::CallbackServerContext* context, const v1::UpdateProductRequest* request,
    v1::Product* response) {
  auto fields = UpdatedProductFields(*request);
  if (!fields.ok()) return Refuse(context, fields.status());
  if (absl::Status invalid = ValidateProductUpdate(request->product(), *fields); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response, fields = *fields] {
    return inventory_.UpdateProduct(request->product(), fields, response);
  });
}

grpc::ServerUnaryReactor* InventoryServiceImpl::GetProduct(grpc::CallbackServerContext* context,
                                                           const v1::GetProductRequest* request,
                                                           v1::Product* response) {
  if (absl::Status invalid = ValidateSku(request->sku(), "sku"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return inventory_.GetProduct(request->sku(), response);
  });
}

grpc::ServerUnaryReactor* InventoryServiceImpl::BatchGetProducts(
    grpc::CallbackServerContext* context, const v1::BatchGetProductsRequest* request,
    v1::BatchGetProductsResponse* response) {
  if (request->skus().empty() || request->skus().size() > 100) {
    return Refuse(context, InvalidField("skus", "must hold 1 to 100 SKUs"));
  }
  for (int i = 0; i < request->skus().size(); ++i) {
    if (absl::Status invalid = ValidateSku(request->skus(i), absl::StrCat("skus[", i, "]"));
        !invalid.ok()) {
      return Refuse(context, invalid);
    }
  }
  return RunBlocking(context, executor_, [this, request, response] {
    std::vector<std::string> skus(request->skus().begin(), request->skus().end());
    return inventory_.BatchGetProducts(skus, response);
  });
}

grpc::ServerUnaryReactor* InventoryServiceImpl::ListProducts(grpc::CallbackServerContext* context,
                                                             const v1::ListProductsRequest* request,
                                                             v1::ListProductsResponse* response) {
  auto page = ReadPage(request->page_size(), request->page_token());
  if (!page.ok()) return Refuse(context, page.status());
  return RunBlocking(context, executor_, [this, request, response, page = *page] {
    return inventory_.ListProducts(page, request->active_only(), response);
  });
}

grpc::ServerUnaryReactor* InventoryServiceImpl::CreateWarehouse(
    grpc::CallbackServerContext* context, const v1::CreateWarehouseRequest* request,
    v1::Warehouse* response) {
  if (absl::Status invalid = ValidateNewWarehouse(request->warehouse()); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return inventory_.CreateWarehouse(request->warehouse(), response);
  });
}

grpc::ServerUnaryReactor* InventoryServiceImpl::ListWarehouses(
    grpc::CallbackServerContext* context, const v1::ListWarehousesRequest* request,
    v1::ListWarehousesResponse* response) {
  auto page = ReadPage(request->page_size(), request->page_token());
  if (!page.ok()) return Refuse(context, page.status());
  return RunBlocking(context, executor_, [this, response, page = *page] {
    return inventory_.ListWarehouses(page, response);
  });
}

grpc::ServerUnaryReactor* InventoryServiceImpl::AdjustStock(grpc::CallbackServerContext* context,
                                                            const v1::AdjustStockRequest* request,
                                                            v1::AdjustStockResponse* response) {
  if (absl::Status invalid = ValidateAdjustment(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto adjust = [this, request, response] {
    Outcome outcome;
    absl::Status status = inventory_.AdjustStock(*request, response, &outcome);
    if (status.ok() && !outcome.replayed) {
      metrics_.Movements(AdjustmentKind(request->reason()), outcome.movements);
      metrics_.Backorders(outcome);
    }
    return status;
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(adjust)));
}

grpc::ServerUnaryReactor* InventoryServiceImpl::GetAvailability(
    grpc::CallbackServerContext* context, const v1::GetAvailabilityRequest* request,
    v1::GetAvailabilityResponse* response) {
  if (absl::Status invalid = ValidateSku(request->sku(), "sku"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return inventory_.GetAvailability(request->sku(), response);
  });
}

}  // namespace oms::inventory
