// Returns, as pure logic: what an order can still return, where it goes back to, which shipment
// each returned unit is refunded against, and the order's return state.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

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
