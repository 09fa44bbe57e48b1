// The fixture of the reservation use-case tests: a fresh database with two warehouses (Berlin,
// Warsaw) and three products, and the calls and reads those tests share.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "common/testing/pg_test_database.h"
#include "inventory-service/src/inventory_use_cases.h"
#include "inventory-service/src/reservation_use_cases.h"
#include "inventory-service/src/schema.h"
#include "inventory-service/src/statements.h"

namespace oms::inventory {

// What a race for stock came to: the attempts that won and those refused INSUFFICIENT_STOCK.
struct RaceOutcome {
  int won = 0;
  int refused = 0;
};

// Runs `clients` attempts (`attempt(i)`) on threads that start together; any answer other than
// success or INSUFFICIENT_STOCK fails the test.
inline RaceOutcome RaceForStock(int clients, const std::function<absl::Status(int)>& attempt) {
  std::atomic<int> won{0}, refused{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();  // start together
      const absl::Status status = attempt(i);
      if (status.ok()) {
        ++won;
      } else if (ReasonOf(status) == "INSUFFICIENT_STOCK") {
        ++refused;
      } else {
        ADD_FAILURE() << status;
      }
    });
  }
  go = true;
  for (auto& thread : threads) thread.join();
  return {won.load(), refused.load()};
}

class ReservationUseCasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    ASSERT_TRUE(ApplyMigrations(db_.url(), Migrations()).ok());
    auto pool =
        PgPool::Create({db_.url(), 8, std::chrono::seconds(10), InventoryStatements()}, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    inventory_ = std::make_unique<PgInventoryUseCases>(*pool_);
    store_ = std::make_unique<PgReservationUseCases>(*pool_);
    for (const char* sku : {"SKU-A", "SKU-B", "LAST"}) {
      v1::Product product;
      product.set_sku(sku);
      product.set_name(sku);
      product.mutable_unit_price()->set_currency("EUR");
      v1::Product created;
      ASSERT_TRUE(inventory_->CreateProduct(product, &created).ok());
    }
    berlin_ = MakeWarehouse("BER-1", 52.52, 13.40, 10);
    warsaw_ = MakeWarehouse("WAW-1", 52.23, 21.01, 20);
  }

  std::string MakeWarehouse(const std::string& code, double lat, double lon, int priority) {
    v1::Warehouse warehouse;
    warehouse.set_code(code);
    warehouse.set_name(code);
    warehouse.mutable_address()->set_line1("1 Road");
    warehouse.mutable_address()->set_city("City");
    warehouse.mutable_address()->set_country("DE");
    warehouse.set_region("eu");
    warehouse.mutable_location()->set_latitude(lat);
    warehouse.mutable_location()->set_longitude(lon);
    warehouse.set_priority(priority);
    v1::Warehouse created;
    EXPECT_TRUE(inventory_->CreateWarehouse(warehouse, &created).ok());
    return created.id();
  }

  void Receive(const std::string& warehouse_id, const std::string& sku, int64_t quantity) {
    v1::AdjustStockRequest request;
    request.set_request_id("receive:" + warehouse_id + ":" + sku + ":" + std::to_string(quantity));
    request.set_warehouse_id(warehouse_id);
    request.set_sku(sku);
    request.set_delta(quantity);
    request.set_reason(v1::ADJUSTMENT_REASON_RECEIPT);
    v1::AdjustStockResponse response;
    Outcome outcome;
    ASSERT_TRUE(inventory_->AdjustStock(request, &response, &outcome).ok());
  }

  v1::ReserveStockRequest ReserveRequest(const std::string& order_id,
                                         std::vector<std::pair<std::string, int64_t>> lines) {
    v1::ReserveStockRequest request;
    request.set_request_id(order_id + ":reserve");
    request.set_order_id(order_id);
    for (const auto& [sku, quantity] : lines) {
      auto* line = request.add_lines();
      line->set_sku(sku);
      line->set_quantity(quantity);
    }
    request.mutable_destination()->set_country("DE");
    request.mutable_destination()->mutable_location()->set_latitude(53.55);  // Hamburg
    request.mutable_destination()->mutable_location()->set_longitude(9.99);
    return request;
  }

  absl::StatusOr<v1::Reservation> Reserve(const v1::ReserveStockRequest& request,
                                          int ttl_seconds = 600) {
    v1::Reservation reservation;
    Outcome outcome;
    absl::Status status = store_->Reserve(request, ttl_seconds, &reservation, &outcome);
    if (!status.ok()) return status;
    return reservation;
  }

  // Everything held (at `warehouse_id`), or only `units` (SKU, quantity) there.
  absl::StatusOr<v1::Reservation> Release(
      const std::string& order_id, const std::string& warehouse_id = "",
      const std::vector<std::pair<std::string, int64_t>>& units = {}) {
    v1::ReleaseReservationRequest request;
    request.set_request_id(order_id + ":release:" + warehouse_id + ":" +
                           std::to_string(units.size()));
    request.set_order_id(order_id);
    request.set_warehouse_id(warehouse_id);
    for (const auto& [sku, quantity] : units) {
      auto* line = request.add_lines();
      line->set_sku(sku);
      line->set_quantity(quantity);
    }
    v1::Reservation reservation;
    Outcome outcome;
    absl::Status status = store_->Release(request, &reservation, &outcome);
    if (!status.ok()) return status;
    return reservation;
  }

  absl::StatusOr<v1::Reservation> Commit(const std::string& order_id, const std::string& request_id,
                                         const std::string& warehouse_id, const std::string& sku,
                                         int64_t quantity) {
    v1::CommitReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order_id);
    auto* line = request.add_lines();
    line->set_warehouse_id(warehouse_id);
    line->set_sku(sku);
    line->set_quantity(quantity);
    v1::Reservation reservation;
    Outcome outcome;
    absl::Status status = store_->Commit(request, &reservation, &outcome);
    if (!status.ok()) return status;
    return reservation;
  }

  // Every I1 to I3 violation, as text; empty when the database is consistent.
  std::string Violations() {
    v1::CheckInvariantsResponse response;
    absl::Status status = store_->CheckInvariants(std::chrono::seconds(10), &response);
    if (!status.ok()) return status.ToString();
    std::string text;
    for (const auto& v : response.violations()) text += v.invariant() + ": " + v.detail() + "\n";
    return text;
  }

  int64_t Level(const std::string& warehouse_id, const std::string& sku, const char* column) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    return tx
        .exec_params1(std::string("SELECT ") + column +
                          " FROM stock_levels WHERE warehouse_id = $1::uuid AND sku = $2",
                      warehouse_id, sku)[0]
        .as<int64_t>();
  }

  void Exec(const std::string& sql) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    tx.exec(sql);
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    return tx.exec1(sql)[0].as<int64_t>();
  }

  v1::Reservation Get(const std::string& order_id) {
    v1::Reservation reservation;
    EXPECT_TRUE(store_->Get(order_id, &reservation).ok()) << order_id;
    return reservation;
  }

  // The ledger rows of a request, as "KIND warehouse-code SKU on-hand-delta/reserved-delta".
  std::vector<std::string> LedgerOf(const std::string& request_id) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    std::vector<std::string> rows;
    for (const auto& row : tx.exec_params(
             "SELECT m.kind || ' ' || w.code || ' ' || m.sku || ' ' || m.on_hand_delta || '/' || "
             "m.reserved_delta FROM stock_movements m JOIN warehouses w ON w.id = m.warehouse_id "
             "WHERE m.request_id = $1 ORDER BY m.id",
             request_id)) {
      rows.push_back(row[0].as<std::string>());
    }
    return rows;
  }

  // Everything a refused call must leave as it was: every level, ledger row and reservation.
  std::string Books() {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    std::string text;
    for (const char* sql :
         {"SELECT string_agg(sku || warehouse_id::text || ':' || on_hand || '/' || reserved, ',' "
          "ORDER BY sku, warehouse_id) FROM stock_levels",
          "SELECT count(*)::text FROM stock_movements",
          "SELECT string_agg(reservation_id::text || warehouse_id::text || sku || ':' || quantity "
          "|| '/' || "
          "committed || '/' || released, ',' ORDER BY reservation_id, warehouse_id, sku) "
          "FROM reservation_lines",
          "SELECT string_agg(id::text || state || COALESCE(encode(allocation, 'hex'), ''), ',' "
          "ORDER BY id) "
          "FROM reservations"}) {
      const pqxx::field field = tx.exec1(sql)[0];
      text += (field.is_null() ? "" : field.as<std::string>()) + "\n";
    }
    return text;
  }

  // The units of `sku` the allocation gives each warehouse code, as "CODE=n,CODE=n".
  static std::string UnitsOf(const v1::Allocation& allocation, const std::string& sku) {
    std::string text;
    for (const auto& group : allocation.groups()) {
      for (const auto& line : group.lines()) {
        if (line.sku() != sku) continue;
        text += (text.empty() ? "" : ",") + group.warehouse_code() + "=" +
                std::to_string(line.quantity());
      }
    }
    return text;
  }

  // The reservation's line of (warehouse, SKU) as "quantity/committed/released/held".
  static std::string LineOf(const v1::Reservation& reservation, const std::string& warehouse_id,
                            const std::string& sku) {
    for (const auto& l : reservation.lines()) {
      if (l.warehouse_id() == warehouse_id && l.sku() == sku) {
        return std::to_string(l.quantity()) + "/" + std::to_string(l.committed()) + "/" +
               std::to_string(l.released()) + "/" + std::to_string(l.held());
      }
    }
    return "none";
  }

  testing::PgTestDatabase db_{"reservations"};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgInventoryUseCases> inventory_;
  std::unique_ptr<PgReservationUseCases> store_;
  std::string berlin_;
  std::string warsaw_;
};

}  // namespace oms::inventory
