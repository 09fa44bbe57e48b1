// The requests order-service validates before any work (orders, returns, receipts, customers):
// any message is either accepted or refused with INVALID_ARGUMENT, never anything else.
#include <cstddef>
#include <cstdint>

#include "common/fuzz/fuzz_input.h"
#include "oms/order/v1/order.pb.h"
#include "order-service/src/order_validation.h"

namespace v1 = oms::order::v1;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  switch (oms::fuzz::Pick(data, size, 4)) {
    case 0:
      oms::fuzz::CheckValidator<v1::CreateOrderRequest>(data, size,
                                                        oms::order::ValidateCreateOrder);
      break;
    case 1:
      oms::fuzz::CheckValidator<v1::CreateReturnRequest>(data, size,
                                                         oms::order::ValidateCreateReturn);
      break;
    case 2:
      oms::fuzz::CheckValidator<v1::ReceiveReturnRequest>(data, size,
                                                          oms::order::ValidateReceiveReturn);
      break;
    default:
      oms::fuzz::CheckValidator<v1::Customer>(data, size, [](const v1::Customer& customer) {
        return oms::order::NormalizeNewCustomer(customer).status();
      });
      break;
  }
  return 0;
}
