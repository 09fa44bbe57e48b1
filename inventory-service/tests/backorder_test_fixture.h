// The fixture of the backorder tests: the reservation fixture, with the calls and reads of the
// backorder queue and its fills those tests share.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "inventory-service/tests/reservation_test_fixture.h"

namespace oms::inventory {

class BackorderTest : public ReservationUseCasesTest {
 protected:
  v1::ReserveStockRequest BackorderRequest(const std::string& order_id,
                                           std::vector<std::pair<std::string, int64_t>> lines) {
    v1::ReserveStockRequest request = ReserveRequest(order_id, std::move(lines));
    request.set_backorder_unavailable(true);
    return request;
  }

  absl::StatusOr<v1::AdjustStockResponse> Adjust(const std::string& request_id,
                                                 const std::string& warehouse_id,
                                                 const std::string& sku, int64_t delta) {
    v1::AdjustStockRequest request;
    request.set_request_id(request_id);
    request.set_warehouse_id(warehouse_id);
    request.set_sku(sku);
    request.set_delta(delta);
    request.set_reason(delta > 0 ? v1::ADJUSTMENT_REASON_RECEIPT
                                 : v1::ADJUSTMENT_REASON_CORRECTION);
    v1::AdjustStockResponse response;
    Outcome outcome;
    absl::Status status = inventory_->AdjustStock(request, &response, &outcome);
    if (!status.ok()) return status;
    return response;
  }

  v1::GetAvailabilityResponse Availability(const std::string& sku) {
    v1::GetAvailabilityResponse response;
    EXPECT_TRUE(inventory_->GetAvailability(sku, &response).ok());
    return response;
  }

  v1::ListBackorderFillsResponse Fills(int64_t after_sequence, int page_size = 100) {
    v1::ListBackorderFillsResponse response;
    EXPECT_TRUE(store_->ListBackorderFills(after_sequence, page_size, &response).ok());
    return response;
  }

  absl::StatusOr<v1::CancelBackordersResponse> Cancel(const std::string& request_id,
                                                      const std::string& order_id) {
    v1::CancelBackordersRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order_id);
    v1::CancelBackordersResponse response;
    Outcome outcome;
    absl::Status status = store_->CancelBackorders(request, &response, &outcome);
    if (!status.ok()) return status;
    return response;
  }

  // "SKU=n" per line, comma-separated, as the message lists them.
  static std::string Text(const google::protobuf::RepeatedPtrField<v1::OrderLine>& lines) {
    std::string text;
    for (const auto& line : lines) {
      text += (text.empty() ? "" : ",") + line.sku() + "=" + std::to_string(line.quantity());
    }
    return text;
  }

  // A fill as "sequence order CODE SKU=n,...".
  static std::string Text(const v1::BackorderFill& fill) {
    return std::to_string(fill.sequence()) + " " + fill.order_id() + " " + fill.warehouse_code() +
           " " + Text(fill.lines());
  }

  // The reservation's held units per line, as "CODE SKU=held,..." in (code, SKU) order.
  static std::string HeldText(const v1::Reservation& reservation) {
    std::string text;
    for (const auto& line : reservation.lines()) {
      text += (text.empty() ? "" : ",") + line.warehouse_code() + " " + line.sku() + "=" +
              std::to_string(line.held());
    }
    return text;
  }

  // The order's queue row of `sku` as "quantity/filled/cancelled", or "none".
  std::string QueueRow(const std::string& order_id, const std::string& sku) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    pqxx::result rows = tx.exec_params(
        "SELECT quantity || '/' || filled || '/' || cancelled FROM backorders "
        "WHERE order_id = $1 AND sku = $2",
        order_id, sku);
    return rows.empty() ? "none" : rows[0][0].as<std::string>();
  }
};

}  // namespace oms::inventory
