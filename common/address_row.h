// A postal address stored as the columns address_name, address_line1, address_line2,
// address_city, address_postal_code, address_region and address_country (warehouses, shipments):
// one mapping from such a row.
#pragma once

#include "oms/common/v1/common.pb.h"

namespace pqxx {
class row;
}  // namespace pqxx

namespace oms {

// The address of `row`'s address_* columns.
void ReadAddressColumns(const pqxx::row& row, common::v1::Address* address);

}  // namespace oms
