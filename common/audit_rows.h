// The PostgreSQL side of the audit pages (audit_page.h) that the participants' stores share: the
// range a page answers for, read from each source's bound statement, and the SKU lines of a row.
#pragma once

#include <initializer_list>

#include <pqxx/row>
#include <pqxx/transaction>

#include "common/audit_page.h"
#include "oms/common/v1/common.pb.h"

namespace oms {

// Runs each bound statement with (page.after, page.size); each answers one row of `orders` (how
// many order ids follow the cursor, up to the size) and `last_order_id` (the greatest, or "").
// Sets `out` from the range they give and returns it.
AuditRange ReadAuditRange(pqxx::work& tx, const AuditPage& page,
                          std::initializer_list<const char*> bound_statements,
                          common::v1::AuditPageResponse* out);

// Adds the row's `sku` and `quantity_column` as a line, unless the row has none (a LEFT JOIN
// that found no line).
void AddSkuQuantity(const pqxx::row& row, const char* quantity_column,
                    google::protobuf::RepeatedPtrField<common::v1::SkuQuantity>* lines);

}  // namespace oms
