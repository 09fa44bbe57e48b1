#include "inventory-service/src/inventory_use_cases.h"

#include <map>

#include <pqxx/pqxx>

#include "common/idempotency.h"
#include "common/pagination.h"
#include "common/pg_pool.h"
#include "inventory-service/src/backorder_fills.h"
#include "inventory-service/src/backorder_queue.h"
#include "inventory-service/src/catalog_store.h"
#include "inventory-service/src/stock_ledger.h"
#include "inventory-service/src/stock_store.h"
#include "inventory-service/src/warehouse_store.h"

namespace oms::inventory {
namespace {

// Puts the first `size` of `rows` (read with a limit of one more) into `page`; returns the next
// page's token, made of the key of the page's last item, or "" when no page follows.
template <class Message, class Key>
std::string FillPage(std::vector<Message> rows, int size,
                     google::protobuf::RepeatedPtrField<Message>* page, Key key) {
  for (auto& row : rows) {
    if (page->size() == size) return EncodePageToken(key(page->Get(size - 1)));
    *page->Add() = std::move(row);
  }
  return "";
}

// The code of the warehouse, once the product and the warehouse exist and their level does too.
absl::StatusOr<std::string> PrepareLevel(pqxx::work& tx, const std::string& sku,
                                         const std::string& warehouse_id) {
  auto warehouse_code = CheckTarget(tx, sku, warehouse_id);
  if (warehouse_code.ok()) EnsureLevel(tx, sku, warehouse_id);
  return warehouse_code;
}

}  // namespace

absl::Status PgInventoryUseCases::CreateProduct(const v1::Product& product, v1::Product* out) {
  return pool_.InTransaction([&](pqxx::work& tx) { return InsertProduct(tx, product, out); });
}

absl::Status PgInventoryUseCases::UpdateProduct(const v1::Product& product,
                                                const ProductFields& fields, v1::Product* out) {
  return pool_.InTransaction(
      [&](pqxx::work& tx) { return inventory::UpdateProduct(tx, product, fields, out); });
}

absl::Status PgInventoryUseCases::GetProduct(const std::string& sku, v1::Product* out) {
  return pool_.Autocommit(
      [&](pqxx::transaction_base& statement) { return ReadProduct(statement, sku, out); });
}

absl::Status PgInventoryUseCases::BatchGetProducts(const std::vector<std::string>& skus,
                                                   v1::BatchGetProductsResponse* out) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    std::map<std::string, v1::Product> found;
    for (auto& product : ReadProducts(statement, skus)) found[product.sku()] = std::move(product);
    for (const auto& sku : skus) {
      auto it = found.find(sku);
      if (it != found.end()) *out->add_products() = it->second;
    }
    return absl::OkStatus();
  });
}

absl::Status PgInventoryUseCases::ListProducts(const PageRequest& page, bool active_only,
                                               v1::ListProductsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    out->set_next_page_token(
        FillPage(inventory::ListProducts(tx, page.after, active_only, page.size + 1), page.size,
                 out->mutable_products(), [](const v1::Product& p) { return p.sku(); }));
    return absl::OkStatus();
  });
}

absl::Status PgInventoryUseCases::CreateWarehouse(const v1::Warehouse& warehouse,
                                                  v1::Warehouse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) { return InsertWarehouse(tx, warehouse, out); });
}

absl::Status PgInventoryUseCases::ListWarehouses(const PageRequest& page,
                                                 v1::ListWarehousesResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    out->set_next_page_token(FillPage(inventory::ListWarehouses(tx, page.after, page.size + 1),
                                      page.size, out->mutable_warehouses(),
                                      [](const v1::Warehouse& w) { return w.code(); }));
    return absl::OkStatus();
  });
}

absl::Status PgInventoryUseCases::AdjustStock(const v1::AdjustStockRequest& request,
                                              v1::AdjustStockResponse* out, Outcome* outcome) {
  *outcome = Outcome{};
  return pool_.InTransaction([&](pqxx::work& tx) {
    auto adjust = [&]() -> absl::Status {
      *outcome = Outcome{};  // a retried transaction starts again
      auto warehouse_code = PrepareLevel(tx, request.sku(), request.warehouse_id());
      if (!warehouse_code.ok()) return warehouse_code.status();
      // Units going up (any reason) fill the SKU's backorder queue; its locks come before the
      // level's (backorder_queue.h).
      const bool fills = request.delta() > 0;
      if (fills) LockBackorderQueues(tx, {request.sku()});
      const MovementKind kind = AdjustmentKind(request.reason());
      auto moved =
          ApplyMoves(tx, {MoveOf(kind, request.sku(), request.warehouse_id(), request.delta())},
                     {kind, request.note(), request.request_id(), "", ""}, "STOCK_BELOW_ZERO");
      if (!moved.ok()) return moved.status();
      outcome->movements = static_cast<int>(moved->size());
      out->set_movement_id(moved->front().movement_id);
      std::vector<FilledUnits> filled;
      if (fills) {
        absl::Status filling =
            FillEach(tx, {{request.warehouse_id(), request.sku(), request.delta()}},
                     request.request_id(), outcome, &filled);
        if (!filling.ok()) return filling;
      }
      *out->mutable_level() =
          ReadStockLevel(tx, request.sku(), request.warehouse_id(), *warehouse_code);
      RecordFills(tx, filled);
      return absl::OkStatus();
    };
    return RunOnce(tx, request.request_id(), "AdjustStock", request, out, adjust,
                   &outcome->replayed);
  });
}

absl::Status PgInventoryUseCases::GetAvailability(const std::string& sku,
                                                  v1::GetAvailabilityResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    v1::Product product;
    absl::Status known = ReadProduct(tx, sku, &product);
    if (known.ok()) {
      ReadAvailability(tx, sku, out);
      out->set_total_backordered(QueuedUnitsOfSku(tx, sku));
    }
    return known;
  });
}

absl::Status PgInventoryUseCases::Restock(const v1::RestockReturnRequest& request,
                                          v1::RestockReturnResponse* out, Outcome* outcome) {
  *outcome = Outcome{};
  return pool_.InTransaction([&](pqxx::work& tx) {
    auto restock = [&]() -> absl::Status {
      *outcome = Outcome{};  // a retried transaction starts again
      auto warehouse_code = PrepareLevel(tx, request.sku(), request.warehouse_id());
      if (!warehouse_code.ok()) return warehouse_code.status();
      int rows = 0;
      std::vector<FilledUnits> filled;
      if (request.resellable_quantity() > 0) {
        // Units back on hand fill the SKU's backorder queue, as a receipt's do.
        LockBackorderQueues(tx, {request.sku()});
        auto moved = ApplyMoves(
            tx,
            {MoveOf(MovementKind::kRestock, request.sku(), request.warehouse_id(),
                    request.resellable_quantity())},
            {MovementKind::kRestock, request.note(), request.request_id(), "", request.order_id()});
        if (!moved.ok()) return moved.status();
        rows += static_cast<int>(moved->size());
        absl::Status filling =
            FillEach(tx, {{request.warehouse_id(), request.sku(), request.resellable_quantity()}},
                     request.request_id(), outcome, &filled);
        if (!filling.ok()) return filling;
      }
      if (request.damaged_quantity() > 0) {
        rows += RecordDamaged(
            tx, request.sku(), request.warehouse_id(), request.damaged_quantity(),
            {MovementKind::kDamaged, request.note(), request.request_id(), "", request.order_id()});
      }
      outcome->movements = rows;
      *out->mutable_level() =
          ReadStockLevel(tx, request.sku(), request.warehouse_id(), *warehouse_code);
      RecordFills(tx, filled);
      return absl::OkStatus();
    };
    return RunOnce(tx, request.request_id(), "RestockReturn", request, out, restock,
                   &outcome->replayed);
  });
}

}  // namespace oms::inventory
