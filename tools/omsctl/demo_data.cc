#include "tools/omsctl/demo_data.h"

namespace oms::tools {
namespace {

inventory::v1::Warehouse Warehouse(const char* code, const char* name, const char* line1,
                                   const char* city, const char* postal_code, const char* country,
                                   const char* region, double latitude, double longitude,
                                   int priority) {
  inventory::v1::Warehouse warehouse;
  warehouse.set_code(code);
  warehouse.set_name(name);
  auto* address = warehouse.mutable_address();
  address->set_name(name);
  address->set_line1(line1);
  address->set_city(city);
  address->set_postal_code(postal_code);
  address->set_country(country);
  warehouse.set_region(region);
  warehouse.mutable_location()->set_latitude(latitude);
  warehouse.mutable_location()->set_longitude(longitude);
  warehouse.set_priority(priority);
  return warehouse;
}

inventory::v1::Product Product(const char* sku, const char* name, const char* description,
                               long long price_cents, long long cost_cents, long long grams) {
  inventory::v1::Product product;
  product.set_sku(sku);
  product.set_name(name);
  product.set_description(description);
  product.mutable_unit_price()->set_currency("EUR");
  product.mutable_unit_price()->set_amount_minor(price_cents);
  product.mutable_unit_cost()->set_currency("EUR");
  product.mutable_unit_cost()->set_amount_minor(cost_cents);
  product.set_weight_grams(grams);
  product.set_image_url(std::string("https://images.oms.example/") + sku + ".png");
  return product;
}

}  // namespace

std::vector<inventory::v1::Warehouse> DemoWarehouses() {
  return {
      Warehouse("BER-1", "Berlin Central", "Lagerweg 1", "Berlin", "10115", "DE", "eu-central",
                52.5200, 13.4050, 10),
      Warehouse("LYS-1", "Lyon South", "12 Rue des Entrepots", "Lyon", "69007", "FR", "eu-west",
                45.7640, 4.8357, 20),
      Warehouse("WAW-1", "Warsaw East", "ul. Magazynowa 5", "Warsaw", "00-001", "PL", "eu-east",
                52.2297, 21.0122, 30),
  };
}

std::vector<inventory::v1::Product> DemoProducts() {
  return {
      Product("MUG-CLASSIC", "Classic mug", "Stoneware mug, 330 ml.", 1299, 420, 350),
      Product("MUG-TRAVEL", "Travel mug", "Insulated steel travel mug, 450 ml.", 2499, 900, 300),
      Product("TEE-BLACK-M", "T-shirt black M", "Organic cotton t-shirt, black, size M.", 1999, 650,
              180),
      Product("TEE-WHITE-L", "T-shirt white L", "Organic cotton t-shirt, white, size L.", 1999, 650,
              190),
      Product("HOODIE-GREY-M", "Hoodie grey M", "Heavy fleece hoodie, grey, size M.", 5499, 2100,
              650),
      Product("CAP-NAVY", "Cap navy", "Six-panel cap, navy.", 1799, 500, 120),
      Product("BOTTLE-STEEL", "Steel bottle", "Double-walled bottle, 750 ml.", 2999, 1100, 420),
      Product("NOTEBOOK-A5", "Notebook A5", "Dotted notebook, 160 pages.", 1499, 380, 300),
      Product("PEN-GEL-BLUE", "Gel pen blue", "Gel pen, 0.5 mm, blue ink.", 299, 60, 15),
      Product("BACKPACK-20L", "Backpack 20 L", "Water-resistant daypack, 20 litres.", 7999, 3100,
              900),
      Product("LAMP-DESK", "Desk lamp", "LED desk lamp with dimmer.", 4599, 1800, 1400),
      Product("CHARGER-USBC", "USB-C charger", "65 W USB-C charger.", 3499, 1400, 200),
  };
}

// Most SKUs sit in one or two warehouses in small amounts: an order of 8 BACKPACK-20L needs two
// warehouses, one of LAMP-DESK plus HOODIE-GREY-M cannot come from one, and PEN-GEL-BLUE is
// everywhere.
std::vector<DemoStock> DemoStockLevels() {
  return {
      {"BER-1", "MUG-CLASSIC", 40},   {"LYS-1", "MUG-CLASSIC", 25},
      {"BER-1", "MUG-TRAVEL", 10},    {"WAW-1", "MUG-TRAVEL", 6},
      {"BER-1", "TEE-BLACK-M", 30},   {"LYS-1", "TEE-WHITE-L", 30},
      {"WAW-1", "HOODIE-GREY-M", 12}, {"LYS-1", "CAP-NAVY", 20},
      {"WAW-1", "CAP-NAVY", 8},       {"BER-1", "BOTTLE-STEEL", 15},
      {"LYS-1", "NOTEBOOK-A5", 50},   {"BER-1", "PEN-GEL-BLUE", 200},
      {"LYS-1", "PEN-GEL-BLUE", 200}, {"WAW-1", "PEN-GEL-BLUE", 200},
      {"BER-1", "BACKPACK-20L", 5},   {"WAW-1", "BACKPACK-20L", 5},
      {"BER-1", "LAMP-DESK", 4},      {"LYS-1", "CHARGER-USBC", 9},
      {"WAW-1", "CHARGER-USBC", 9},
  };
}

order::v1::Customer DemoCustomer(const std::string& email) {
  order::v1::Customer customer;
  customer.set_name("Demo Customer");
  customer.set_email(email);
  auto* address = customer.add_addresses();
  address->set_kind(order::v1::ADDRESS_KIND_SHIPPING);
  address->mutable_address()->set_name("Demo Customer");
  address->mutable_address()->set_line1("Alexanderplatz 1");
  address->mutable_address()->set_city("Berlin");
  address->mutable_address()->set_postal_code("10178");
  address->mutable_address()->set_country("DE");
  return customer;
}

}  // namespace oms::tools
