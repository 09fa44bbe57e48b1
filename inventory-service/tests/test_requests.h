// Requests and checks shared by the inventory unit tests.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms::inventory::testing {

// A valid reservation of two SKU-1 for order-1, shipping to Germany.
inline v1::ReserveStockRequest GoodReserve() {
  v1::ReserveStockRequest request;
  request.set_request_id("saga-1:reserve");
  request.set_order_id("order-1");
  auto* line = request.add_lines();
  line->set_sku("SKU-1");
  line->set_quantity(2);
  request.mutable_destination()->set_country("DE");
  return request;
}

// A valid short pick: order-1's two SKU-1 at a Berlin warehouse were not found.
inline v1::ResourceReservationRequest GoodResource() {
  v1::ResourceReservationRequest request;
  request.set_request_id("saga-2:resource");
  request.set_order_id("order-1");
  request.set_from_warehouse_id("0b4c7f6e-8d2a-4c55-9a51-3f6f0f1d2e3a");
  auto* line = request.add_lines();
  line->set_sku("SKU-1");
  line->set_quantity(2);
  request.mutable_destination()->set_country("DE");
  return request;
}

// A valid order edit: two more SKU-1 for order-1.
inline v1::AddToReservationRequest GoodAddToReservation() {
  v1::AddToReservationRequest request;
  request.set_request_id("saga-3:add");
  request.set_order_id("order-1");
  auto* line = request.add_lines();
  line->set_sku("SKU-1");
  line->set_quantity(2);
  request.mutable_destination()->set_country("DE");
  return request;
}

// The field an INVALID_ARGUMENT names: its message reads "<field>: <what is wrong>".
inline std::string FieldOf(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  std::string message(status.message());
  return message.substr(0, message.find(':'));
}

}  // namespace oms::inventory::testing
