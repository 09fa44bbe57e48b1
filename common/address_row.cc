#include "common/address_row.h"

#include <pqxx/pqxx>

namespace oms {

void ReadAddressColumns(const pqxx::row& row, common::v1::Address* address) {
  address->set_name(row["address_name"].as<std::string>());
  address->set_line1(row["address_line1"].as<std::string>());
  address->set_line2(row["address_line2"].as<std::string>());
  address->set_city(row["address_city"].as<std::string>());
  address->set_postal_code(row["address_postal_code"].as<std::string>());
  address->set_region(row["address_region"].as<std::string>());
  address->set_country(row["address_country"].as<std::string>());
}

}  // namespace oms
