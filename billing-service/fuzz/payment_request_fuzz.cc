// The payment requests billing-service validates before any work: any message is either
// accepted or refused with INVALID_ARGUMENT, never anything else.
#include <cstddef>
#include <cstdint>

#include "billing-service/src/requests.h"
#include "common/fuzz/fuzz_input.h"
#include "oms/billing/v1/billing.pb.h"

namespace v1 = oms::billing::v1;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace oms::billing;
  switch (oms::fuzz::Pick(data, size, 6)) {
    case 0:
      oms::fuzz::CheckValidator<v1::AuthorizePaymentRequest>(data, size, ValidateAuthorize);
      break;
    case 1:
      oms::fuzz::CheckValidator<v1::CapturePaymentRequest>(data, size, ValidateCapture);
      break;
    case 2:
      oms::fuzz::CheckValidator<v1::VoidPaymentRequest>(data, size, ValidateVoid);
      break;
    case 3:
      oms::fuzz::CheckValidator<v1::RefundPaymentRequest>(data, size, ValidateRefund);
      break;
    case 4:
      oms::fuzz::CheckValidator<v1::QuoteTaxRequest>(data, size, ValidateQuoteTax);
      break;
    default:  // 5, after the others, so that the corpus keeps its first bytes
      oms::fuzz::CheckValidator<v1::IncrementAuthorizationRequest>(data, size, ValidateIncrement);
      break;
  }
  return 0;
}
