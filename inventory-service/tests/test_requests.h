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

// The field an INVALID_ARGUMENT names: its message reads "<field>: <what is wrong>".
inline std::string FieldOf(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  std::string message(status.message());
  return message.substr(0, message.find(':'));
}

}  // namespace oms::inventory::testing
