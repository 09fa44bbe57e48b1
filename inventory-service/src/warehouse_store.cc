#include "inventory-service/src/warehouse_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/except>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/address_row.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "inventory-service/src/catalog.h"

namespace oms::inventory {
namespace {

// The columns of every statement that returns whole warehouses, read by WarehouseOf.
#define OMS_WAREHOUSE_COLUMNS                                                           \
  "id, code, name, address_name, address_line1, address_line2, address_city, "          \
  "address_postal_code, address_region, address_country, region, latitude, longitude, " \
  "priority, active, (extract(epoch FROM created_at) * 1000000)::bigint AS created_at_us"

constexpr char kInsert[] = "warehouses_insert";
constexpr char kList[] = "warehouses_list";

void WarehouseOf(const pqxx::row& row, v1::Warehouse* warehouse) {
  warehouse->Clear();
  warehouse->set_id(row["id"].as<std::string>());
  warehouse->set_code(row["code"].as<std::string>());
  warehouse->set_name(row["name"].as<std::string>());
  ReadAddressColumns(row, warehouse->mutable_address());
  warehouse->set_region(row["region"].as<std::string>());
  warehouse->mutable_location()->set_latitude(row["latitude"].as<double>());
  warehouse->mutable_location()->set_longitude(row["longitude"].as<double>());
  warehouse->set_priority(row["priority"].as<int>());
  warehouse->set_active(row["active"].as<bool>());
  *warehouse->mutable_create_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      row["created_at_us"].as<long long>());
}

}  // namespace

const std::vector<PreparedStatement>& WarehouseStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kInsert,
       "INSERT INTO warehouses (code, name, address_name, address_line1, address_line2, "
       "address_city, address_postal_code, address_region, address_country, region, latitude, "
       "longitude, priority, active) "
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
       "RETURNING " OMS_WAREHOUSE_COLUMNS},
      {kList,
       "SELECT " OMS_WAREHOUSE_COLUMNS " FROM warehouses WHERE code > $1 ORDER BY code LIMIT $2"},
  };
  return kStatements;
}

absl::Status InsertWarehouse(pqxx::work& tx, const v1::Warehouse& warehouse, v1::Warehouse* out) {
  const auto& address = warehouse.address();
  try {
    WarehouseOf(tx.exec_prepared1(
                    kInsert, warehouse.code(), warehouse.name(), address.name(), address.line1(),
                    address.line2(), address.city(), address.postal_code(), address.region(),
                    address.country(), warehouse.region(), warehouse.location().latitude(),
                    warehouse.location().longitude(), warehouse.priority(), IsActive(warehouse)),
                out);
  } catch (const pqxx::unique_violation&) {
    return WithReason(absl::StatusCode::kAlreadyExists, "WAREHOUSE_EXISTS",
                      absl::StrCat("warehouse.code: ", warehouse.code(), " already exists"));
  }
  return absl::OkStatus();
}

std::vector<v1::Warehouse> ListWarehouses(pqxx::work& tx, const std::string& after, int limit) {
  std::vector<v1::Warehouse> warehouses;
  for (const auto& row : tx.exec_prepared(kList, after, limit)) {
    WarehouseOf(row, &warehouses.emplace_back());
  }
  return warehouses;
}

}  // namespace oms::inventory
