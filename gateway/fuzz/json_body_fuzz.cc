// Request bodies of the API as the gateway maps them onto messages: any bytes are refused with
// INVALID_ARGUMENT or read, and what is read prints back as JSON that reads again (to the same
// message). The first byte picks the route's message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <google/protobuf/util/message_differencer.h>

#include "common/fuzz/fuzz_input.h"
#include "gateway/src/json_mapping.h"
#include "oms/inventory/v1/inventory.pb.h"
#include "oms/order/v1/order.pb.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace {

template <typename Message>
void Check(const std::string& body, const std::vector<std::string>& excluded) {
  Message message;
  const absl::Status parsed = oms::gateway::ParseJsonBody(body, &message, excluded);
  if (!parsed.ok()) {
    if (parsed.code() != absl::StatusCode::kInvalidArgument) oms::fuzz::Fail();
    return;
  }
  auto printed = oms::gateway::ToJson(message);
  if (!printed.ok()) oms::fuzz::Fail();
  Message again;
  if (!oms::gateway::ParseJsonBody(*printed, &again).ok()) oms::fuzz::Fail();
  if (!google::protobuf::util::MessageDifferencer::Equivalent(message, again)) oms::fuzz::Fail();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body = size == 0 ? "" : oms::fuzz::Text(data + 1, size - 1);
  switch (oms::fuzz::Pick(data, size, 6)) {
    case 0:
      Check<oms::order::v1::CreateOrderRequest>(body, {"requestId", "clientId"});
      break;
    case 1:
      Check<oms::order::v1::CreateReturnRequest>(body, {"orderId", "requestId"});
      break;
    case 2:
      Check<oms::order::v1::Customer>(body, {"id", "createTime", "updateTime"});
      break;
    case 3:
      Check<oms::inventory::v1::AdjustStockRequest>(body, {"requestId"});
      break;
    case 4:
      Check<oms::shipping::v1::RecordShipmentEventRequest>(body, {"shipmentId"});
      break;
    default:
      Check<oms::shipping::v1::ReportShortPickRequest>(body,
                                                       {"requestId", "shipmentId", "warehouseId"});
      break;
  }
  return 0;
}
