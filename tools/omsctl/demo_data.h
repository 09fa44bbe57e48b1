// The demo data set `./oms up` loads: three warehouses in different regions and a dozen
// products, with stock spread so that some orders must split across warehouses.
#pragma once

#include <string>
#include <vector>

#include "oms/inventory/v1/inventory.pb.h"
#include "oms/order/v1/order.pb.h"

namespace oms::tools {

struct DemoStock {
  const char* warehouse_code;
  const char* sku;
  long long quantity;
};

std::vector<inventory::v1::Warehouse> DemoWarehouses();
std::vector<inventory::v1::Product> DemoProducts();
std::vector<DemoStock> DemoStockLevels();
// The customer the printed example order is placed for, with a German shipping address.
order::v1::Customer DemoCustomer(const std::string& email);

}  // namespace oms::tools
