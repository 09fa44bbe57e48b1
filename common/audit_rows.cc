#include "common/audit_rows.h"

#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace oms {

AuditRange ReadAuditRange(pqxx::work& tx, const AuditPage& page,
                          std::initializer_list<const char*> bound_statements,
                          common::v1::AuditPageResponse* out) {
  std::vector<AuditSourceBound> bounds;
  for (const char* statement : bound_statements) {
    const pqxx::row row = tx.exec_prepared1(statement, page.after, page.size);
    bounds.push_back({row["orders"].as<int64_t>(), row["last_order_id"].as<std::string>()});
  }
  const AuditRange range = AuditRangeOf(bounds, page.size);
  SetAuditPageResponse(range, out);
  return range;
}

void AddSkuQuantity(const pqxx::row& row, const char* quantity_column,
                    google::protobuf::RepeatedPtrField<common::v1::SkuQuantity>* lines) {
  if (row["sku"].is_null()) return;
  auto* line = lines->Add();
  line->set_sku(row["sku"].as<std::string>());
  line->set_quantity(row[quantity_column].as<int64_t>());
}

}  // namespace oms
