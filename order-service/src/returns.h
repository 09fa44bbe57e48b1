// Returns, as pure logic: which orders may be returned, what an order can still return, where it
// goes back to, what a receipt may take back, which shipment each returned unit is refunded
// against, and the order's return state.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

// Only delivered lines can be returned: FAILED_PRECONDITION / ORDER_NOT_DELIVERED unless the order
// is PARTIALLY_DELIVERED, DELIVERED or COMPLETED.
[[nodiscard]] absl::Status CheckReturnable(const v1::Order& order);

// The return `request` asks of `order` (one CheckReturnable accepts), REQUESTED, going back to
// the warehouse ReturnWarehouse picks. RETURN_EXCEEDS_DELIVERED as ReturnWarehouse.
[[nodiscard]] absl::StatusOr<v1::Return> NewReturn(const v1::Order& order,
                                                   const std::vector<v1::Return>& earlier,
                                                   const v1::CreateReturnRequest& request);

// What a receipt of the REQUESTED return `ret` may take back: no more of a SKU than the return
// announced. ABORTED / RETURN_SHIPMENT_PENDING while the return shipment (on which the goods
// travel) is still being created, a retry succeeds later; FAILED_PRECONDITION /
// RECEIPT_EXCEEDS_RETURN naming the first line that brings too many units.
[[nodiscard]] absl::Status CheckReceipt(
    const v1::Return& ret, const google::protobuf::RepeatedPtrField<v1::ReceivedLine>& lines);

// `ret` after the receipt `request` (one CheckReceipt accepts), recorded at `receive_time`:
// RECEIVED, with what came back, where, when, and the shipment each unit is refunded against
// (RefundsByShipment after the units the order's other `returns` received; `returns` may include
// `ret` itself).
v1::Return ReceivedReturn(const v1::Return& ret, const v1::Order& order,
                          const std::vector<v1::Return>& returns,
                          const v1::ReceiveReturnRequest& request,
                          const google::protobuf::Timestamp& receive_time);

// Units delivered per SKU per delivered shipment: shipment id -> SKU -> units.
std::map<std::string, std::map<std::string, int64_t>> DeliveredUnits(const v1::Order& order);

// Checks `lines` against what was delivered and not yet asked back by `earlier` returns, and
// picks the warehouse the goods go back to (the one that shipped the first line).
// FAILED_PRECONDITION / RETURN_EXCEEDS_DELIVERED when a line asks for more.
[[nodiscard]] absl::StatusOr<std::string> ReturnWarehouse(
    const v1::Order& order, const std::vector<v1::Return>& earlier,
    const google::protobuf::RepeatedPtrField<v1::ReturnLine>& lines);

// The units of `received` spread over the delivered shipments that carried them, in shipment
// order, after the units `earlier` returns received took theirs: shipment id -> SKU -> units.
std::map<std::string, std::map<std::string, int64_t>> RefundsByShipment(
    const v1::Order& order, const std::vector<v1::Return>& earlier,
    const google::protobuf::RepeatedPtrField<v1::ReceivedLine>& received);

// "RETURNED" when every delivered unit came back in a received return, "PARTIALLY_RETURNED"
// when some did, "" when none.
std::string ReturnStatus(const v1::Order& order, const std::vector<v1::Return>& returns);

}  // namespace oms::order
