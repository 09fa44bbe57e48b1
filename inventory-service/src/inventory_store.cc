#include "inventory-service/src/inventory_store.h"

#include <map>

#include <google/protobuf/util/time_util.h>
#include <pqxx/except>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/pagination.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "inventory-service/src/stock_ledger.h"

namespace oms::inventory {
namespace {

using google::protobuf::util::TimeUtil;

// Column lists shared by the statements that return whole rows, read by ReadProduct and
// ReadWarehouse in this order.
#define OMS_PRODUCT_COLUMNS                                                               \
  "sku, name, description, price_currency, price_minor, cost_currency, cost_minor, "      \
  "weight_grams, image_url, active, (extract(epoch FROM created_at) * 1000000)::bigint, " \
  "(extract(epoch FROM updated_at) * 1000000)::bigint"
#define OMS_WAREHOUSE_COLUMNS                                                           \
  "id, code, name, address_name, address_line1, address_line2, address_city, "          \
  "address_postal_code, address_region, address_country, region, latitude, longitude, " \
  "priority, active, (extract(epoch FROM created_at) * 1000000)::bigint"

constexpr char kProductsInsert[] = "products_insert";
constexpr char kProductsUpdate[] = "products_update";
constexpr char kProductsGet[] = "products_get";
constexpr char kProductsList[] = "products_list";
constexpr char kProductsBatchGet[] = "products_batch_get";
constexpr char kWarehousesInsert[] = "warehouses_insert";
constexpr char kWarehousesList[] = "warehouses_list";
constexpr char kStockLevelsAvailability[] = "stock_levels_availability";

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kProductsInsert,
       "INSERT INTO products (sku, name, description, price_currency, price_minor, "
       "cost_currency, cost_minor, weight_grams, image_url, active) "
       "VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), CASE WHEN $6 = '' THEN NULL ELSE $7::bigint "
       "END, "
       "$8, $9, $10) RETURNING " OMS_PRODUCT_COLUMNS},
      // $2, $4, ... say whether the field after them is written.
      {kProductsUpdate,
       "UPDATE products SET "
       "name = CASE WHEN $2 THEN $3 ELSE name END, "
       "description = CASE WHEN $4 THEN $5 ELSE description END, "
       "price_currency = CASE WHEN $6 THEN $7 ELSE price_currency END, "
       "price_minor = CASE WHEN $6 THEN $8 ELSE price_minor END, "
       "cost_currency = CASE WHEN $9 THEN NULLIF($10, '') ELSE cost_currency END, "
       "cost_minor = CASE WHEN $9 THEN (CASE WHEN $10 = '' THEN NULL ELSE $11::bigint END) "
       "ELSE cost_minor END, "
       "weight_grams = CASE WHEN $12 THEN $13 ELSE weight_grams END, "
       "image_url = CASE WHEN $14 THEN $15 ELSE image_url END, "
       "active = CASE WHEN $16 THEN $17 ELSE active END, "
       "updated_at = now() "
       "WHERE sku = $1 RETURNING " OMS_PRODUCT_COLUMNS},
      {kProductsGet, "SELECT " OMS_PRODUCT_COLUMNS " FROM products WHERE sku = $1"},
      {kProductsBatchGet,
       "SELECT " OMS_PRODUCT_COLUMNS " FROM products WHERE sku = ANY($1::text[])"},
      {kProductsList,
       "SELECT " OMS_PRODUCT_COLUMNS " FROM products WHERE sku > $1 AND (active OR NOT $2) "
       "ORDER BY sku LIMIT $3"},
      {kWarehousesInsert,
       "INSERT INTO warehouses (code, name, address_name, address_line1, address_line2, "
       "address_city, address_postal_code, address_region, address_country, region, latitude, "
       "longitude, priority, active) "
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
       "RETURNING " OMS_WAREHOUSE_COLUMNS},
      {kWarehousesList,
       "SELECT " OMS_WAREHOUSE_COLUMNS " FROM warehouses WHERE code > $1 ORDER BY code LIMIT $2"},
      // Every active warehouse, with zeros where the SKU has never been.
      {kStockLevelsAvailability,
       "SELECT w.id, w.code, COALESCE(s.on_hand, 0), COALESCE(s.reserved, 0) "
       "FROM warehouses w LEFT JOIN stock_levels s ON s.warehouse_id = w.id AND s.sku = $1 "
       "WHERE w.active ORDER BY w.code"},
  };
  return kStatements;
}

void ReadProduct(const pqxx::row& row, v1::Product* product) {
  product->Clear();
  product->set_sku(row[0].as<std::string>());
  product->set_name(row[1].as<std::string>());
  product->set_description(row[2].as<std::string>());
  product->mutable_unit_price()->set_currency(row[3].as<std::string>());
  product->mutable_unit_price()->set_amount_minor(row[4].as<long long>());
  if (!row[5].is_null()) {
    product->mutable_unit_cost()->set_currency(row[5].as<std::string>());
    product->mutable_unit_cost()->set_amount_minor(row[6].as<long long>());
  }
  product->set_weight_grams(row[7].as<long long>());
  product->set_image_url(row[8].as<std::string>());
  product->set_active(row[9].as<bool>());
  *product->mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[10].as<long long>());
  *product->mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(row[11].as<long long>());
}

void ReadWarehouse(const pqxx::row& row, v1::Warehouse* warehouse) {
  warehouse->Clear();
  warehouse->set_id(row[0].as<std::string>());
  warehouse->set_code(row[1].as<std::string>());
  warehouse->set_name(row[2].as<std::string>());
  auto* address = warehouse->mutable_address();
  address->set_name(row[3].as<std::string>());
  address->set_line1(row[4].as<std::string>());
  address->set_line2(row[5].as<std::string>());
  address->set_city(row[6].as<std::string>());
  address->set_postal_code(row[7].as<std::string>());
  address->set_region(row[8].as<std::string>());
  address->set_country(row[9].as<std::string>());
  warehouse->set_region(row[10].as<std::string>());
  warehouse->mutable_location()->set_latitude(row[11].as<double>());
  warehouse->mutable_location()->set_longitude(row[12].as<double>());
  warehouse->set_priority(row[13].as<int>());
  warehouse->set_active(row[14].as<bool>());
  *warehouse->mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[15].as<long long>());
}

const char* MovementKind(v1::AdjustmentReason reason) {
  return reason == v1::ADJUSTMENT_REASON_RECEIPT ? "RECEIPT" : "CORRECTION";
}

}  // namespace

const std::vector<PreparedStatement>& PgInventoryStore::Statements() {
  static const std::vector<PreparedStatement> kAll = [] {
    std::vector<PreparedStatement> all = OwnStatements();
    for (const auto* more : {&IdempotencyStatements(), &StockLedgerStatements()}) {
      all.insert(all.end(), more->begin(), more->end());
    }
    return all;
  }();
  return kAll;
}

absl::Status PgInventoryStore::CreateProduct(const v1::Product& product, v1::Product* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    try {
      const bool has_cost = product.has_unit_cost();
      ReadProduct(tx.exec_prepared1(
                      kProductsInsert, product.sku(), product.name(), product.description(),
                      product.unit_price().currency(), product.unit_price().amount_minor(),
                      has_cost ? product.unit_cost().currency() : std::string(),
                      has_cost ? product.unit_cost().amount_minor() : 0, product.weight_grams(),
                      product.image_url(), product.has_active() ? product.active() : true),
                  out);
    } catch (const pqxx::unique_violation&) {
      return WithReason(absl::StatusCode::kAlreadyExists, "PRODUCT_EXISTS",
                        absl::StrCat("product.sku: ", product.sku(), " already exists"));
    }
    return absl::OkStatus();
  });
}

absl::Status PgInventoryStore::UpdateProduct(const v1::Product& product,
                                             const ProductFields& fields, v1::Product* out) {
  auto writes = [&fields](const char* name) { return fields.count(name) > 0; };
  return pool_.InTransaction([&](pqxx::work& tx) {
    const bool has_cost = product.has_unit_cost();
    pqxx::result rows = tx.exec_prepared(
        kProductsUpdate, product.sku(), writes("name"), product.name(), writes("description"),
        product.description(), writes("unit_price"), product.unit_price().currency(),
        product.unit_price().amount_minor(), writes("unit_cost"),
        has_cost ? product.unit_cost().currency() : std::string(),
        has_cost ? product.unit_cost().amount_minor() : 0, writes("weight_grams"),
        product.weight_grams(), writes("image_url"), product.image_url(), writes("active"),
        product.has_active() ? product.active() : true);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("product ", product.sku(), " does not exist"));
    }
    ReadProduct(rows[0], out);
    return absl::OkStatus();
  });
}

absl::Status PgInventoryStore::GetProduct(const std::string& sku, v1::Product* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_prepared(kProductsGet, sku);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("product ", sku, " does not exist"));
    ReadProduct(rows[0], out);
    return absl::OkStatus();
  });
}

absl::Status PgInventoryStore::BatchGetProducts(const std::vector<std::string>& skus,
                                                v1::BatchGetProductsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    std::map<std::string, v1::Product> found;
    for (const auto& row : tx.exec_prepared(kProductsBatchGet, TextArray(skus))) {
      v1::Product product;
      ReadProduct(row, &product);
      found[product.sku()] = std::move(product);
    }
    for (const auto& sku : skus) {
      auto it = found.find(sku);
      if (it != found.end()) *out->add_products() = it->second;
    }
    return absl::OkStatus();
  });
}

absl::Status PgInventoryStore::ListProducts(const PageRequest& page, bool active_only,
                                            v1::ListProductsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    // One row more than the page tells whether another page follows.
    pqxx::result rows = tx.exec_prepared(kProductsList, page.after, active_only, page.size + 1);
    for (const auto& row : rows) {
      if (out->products_size() == page.size) {
        out->set_next_page_token(EncodePageToken(out->products(page.size - 1).sku()));
        break;
      }
      ReadProduct(row, out->add_products());
    }
    return absl::OkStatus();
  });
}

absl::Status PgInventoryStore::CreateWarehouse(const v1::Warehouse& warehouse, v1::Warehouse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    const auto& address = warehouse.address();
    try {
      ReadWarehouse(tx.exec_prepared1(
                        kWarehousesInsert, warehouse.code(), warehouse.name(), address.name(),
                        address.line1(), address.line2(), address.city(), address.postal_code(),
                        address.region(), address.country(), warehouse.region(),
                        warehouse.location().latitude(), warehouse.location().longitude(),
                        warehouse.priority(), warehouse.has_active() ? warehouse.active() : true),
                    out);
    } catch (const pqxx::unique_violation&) {
      return WithReason(absl::StatusCode::kAlreadyExists, "WAREHOUSE_EXISTS",
                        absl::StrCat("warehouse.code: ", warehouse.code(), " already exists"));
    }
    return absl::OkStatus();
  });
}

absl::Status PgInventoryStore::ListWarehouses(const PageRequest& page,
                                              v1::ListWarehousesResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_prepared(kWarehousesList, page.after, page.size + 1);
    for (const auto& row : rows) {
      if (out->warehouses_size() == page.size) {
        out->set_next_page_token(EncodePageToken(out->warehouses(page.size - 1).code()));
        break;
      }
      ReadWarehouse(row, out->add_warehouses());
    }
    return absl::OkStatus();
  });
}

absl::Status PgInventoryStore::AdjustStock(const v1::AdjustStockRequest& request,
                                           v1::AdjustStockResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    auto claim = ClaimRequest(tx, request.request_id(), "AdjustStock", request);
    if (!claim.ok()) return claim.status();
    if (claim->has_value()) {
      out->ParseFromString(**claim);
      return absl::OkStatus();
    }
    auto warehouse_code = CheckTarget(tx, request.sku(), request.warehouse_id());
    if (!warehouse_code.ok()) return warehouse_code.status();
    EnsureLevel(tx, request.sku(), request.warehouse_id());
    auto moved =
        ApplyMoves(tx, {{request.sku(), request.warehouse_id(), request.delta(), 0}},
                   {MovementKind(request.reason()), request.note(), request.request_id(), "", ""},
                   "STOCK_BELOW_ZERO");
    if (!moved.ok()) return moved.status();
    auto* level = out->mutable_level();
    level->set_warehouse_id(request.warehouse_id());
    level->set_warehouse_code(*warehouse_code);
    level->set_sku(request.sku());
    level->set_on_hand(moved->front().on_hand);
    level->set_reserved(moved->front().reserved);
    level->set_available(level->on_hand() - level->reserved());
    out->set_movement_id(moved->front().movement_id);
    RecordResponse(tx, request.request_id(), *out);
    return absl::OkStatus();
  });
}

absl::Status PgInventoryStore::GetAvailability(const std::string& sku,
                                               v1::GetAvailabilityResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    if (tx.exec_prepared(kProductsGet, sku).empty()) {
      return absl::NotFoundError(absl::StrCat("product ", sku, " does not exist"));
    }
    out->set_sku(sku);
    long long total = 0;
    for (const auto& row : tx.exec_prepared(kStockLevelsAvailability, sku)) {
      auto* level = out->add_levels();
      level->set_warehouse_id(row[0].as<std::string>());
      level->set_warehouse_code(row[1].as<std::string>());
      level->set_sku(sku);
      level->set_on_hand(row[2].as<long long>());
      level->set_reserved(row[3].as<long long>());
      level->set_available(level->on_hand() - level->reserved());
      total += level->available();
    }
    out->set_total_available(total);
    return absl::OkStatus();
  });
}

}  // namespace oms::inventory
