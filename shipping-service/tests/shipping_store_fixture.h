// The fixture of the store tests (ShippingStoreTest): PgShippingUseCases on a fresh database of
// the test PostgreSQL, with helpers that create, cancel, record events and read the outbox.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "common/pg_pool.h"
#include "common/testing/pg_test_database.h"
#include "shipping-service/src/schema.h"
#include "shipping-service/src/shipping_use_cases.h"

namespace oms::shipping {

using google::protobuf::util::TimeUtil;

inline constexpr std::int64_t kT0 = 1'760'000'000LL * 1'000'000;  // 2025-10-09, in microseconds

class ShippingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    ASSERT_TRUE(ApplyMigrations(db_.url(), Migrations()).ok());
    auto pool = PgPool::Create(
        {db_.url(), 6, std::chrono::seconds(10), PgShippingUseCases::Statements()}, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    store_ = std::make_unique<PgShippingUseCases>(*pool_, nullptr);
  }

  static v1::CreateShipmentsRequest CreateRequest(const std::string& order_id,
                                                  const std::string& country = "DE") {
    v1::CreateShipmentsRequest request;
    request.set_request_id(order_id + ":create_shipments");
    request.set_order_id(order_id);
    auto* to = request.mutable_destination();
    to->set_name("Ada");
    to->set_line1("1 Main St");
    to->set_city("Berlin");
    to->set_country(country);
    auto* first = request.add_groups();
    first->set_warehouse_id("11111111-1111-4111-8111-111111111111");
    AddLine(first, "MUG", 2, 400);
    AddLine(first, "BOOK", 1, 1'000);
    auto* second = request.add_groups();
    second->set_warehouse_id("22222222-2222-4222-8222-222222222222");
    AddLine(second, "LAMP", 1, 3'000);
    return request;
  }

  static void AddLine(v1::AllocationGroup* group, const std::string& sku, std::int64_t quantity,
                      std::int64_t grams) {
    auto* line = group->add_lines();
    line->set_sku(sku);
    line->set_quantity(quantity);
    line->set_unit_weight_grams(grams);
  }

  std::vector<v1::Shipment> Create(const std::string& order_id) {
    v1::CreateShipmentsResponse response;
    absl::Status status = store_->CreateShipments(CreateRequest(order_id), &response);
    EXPECT_TRUE(status.ok()) << status;
    return {response.shipments().begin(), response.shipments().end()};
  }

  absl::StatusOr<v1::RecordShipmentEventResponse> Event(const std::string& shipment_id,
                                                        v1::ShipmentEventType type,
                                                        std::int64_t minute,
                                                        const std::string& carrier_id = "") {
    v1::RecordShipmentEventRequest request;
    request.set_shipment_id(shipment_id);
    request.set_type(type);
    *request.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(kT0 + minute * 60'000'000);
    request.set_carrier_event_id(carrier_id);
    request.set_location("Hub " + std::to_string(minute));
    v1::RecordShipmentEventResponse response;
    absl::Status status = store_->RecordShipmentEvent(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::CancelShipmentResponse> CancelById(const std::string& request_id,
                                                        const std::string& shipment_id) {
    v1::CancelShipmentRequest request;
    request.set_request_id(request_id);
    request.set_shipment_id(shipment_id);
    v1::CancelShipmentResponse response;
    absl::Status status = store_->CancelShipment(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::CancelShipmentResponse> CancelByOrder(const std::string& request_id,
                                                           const std::string& order_id,
                                                           const std::string& warehouse_id = "") {
    v1::CancelShipmentRequest request;
    request.set_request_id(request_id);
    request.mutable_order()->set_order_id(order_id);
    request.mutable_order()->set_warehouse_id(warehouse_id);
    v1::CancelShipmentResponse response;
    absl::Status status = store_->CancelShipment(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  std::vector<v1::OutboxEvent> Outbox(std::int64_t after = 0) {
    v1::ListEventsResponse response;
    absl::Status status = store_->ListEvents(after, kMaxEventsLimit, &response);
    EXPECT_TRUE(status.ok()) << status;
    return {response.events().begin(), response.events().end()};
  }

  std::vector<v1::OutboxEventType> OutboxTypes(std::int64_t after = 0) {
    std::vector<v1::OutboxEventType> types;
    for (const auto& event : Outbox(after)) types.push_back(event.type());
    return types;
  }

  long long Query(const std::string& sql) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    return tx.exec1(sql)[0].as<long long>();
  }

  v1::Shipment Get(const std::string& id) {
    v1::Shipment shipment;
    absl::Status status = store_->GetShipment(id, &shipment);
    EXPECT_TRUE(status.ok()) << status;
    return shipment;
  }

  testing::PgTestDatabase db_{"shipping"};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgShippingUseCases> store_;
};

}  // namespace oms::shipping
