// The requests shipping-service validates before any work: any message is either accepted or
// refused with INVALID_ARGUMENT, never anything else.
#include <cstddef>
#include <cstdint>

#include "common/fuzz/fuzz_input.h"
#include "oms/shipping/v1/shipping.pb.h"
#include "shipping-service/src/proof_rules.h"
#include "shipping-service/src/validation.h"

namespace v1 = oms::shipping::v1;

namespace {

// A fixed clock: the same input takes the same path on every run.
constexpr std::int64_t kNowMicros = 1'800'000'000LL * 1'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace oms::shipping;
  switch (oms::fuzz::Pick(data, size, 11)) {
    case 0:
      oms::fuzz::CheckValidator<v1::CreateShipmentsRequest>(data, size, ValidateCreateShipments);
      break;
    case 1:
      oms::fuzz::CheckValidator<v1::CancelShipmentRequest>(data, size, ValidateCancelShipment);
      break;
    case 2:
      oms::fuzz::CheckValidator<v1::RecordShipmentEventRequest>(
          data, size, [](const v1::RecordShipmentEventRequest& r) {
            return ValidateShipmentEvent(r, kNowMicros);
          });
      break;
    case 3:
      oms::fuzz::CheckValidator<v1::CreateReturnShipmentRequest>(data, size, ValidateCreateReturn);
      break;
    case 4:
      oms::fuzz::CheckValidator<v1::GetShipmentRequest>(
          data, size, [](const v1::GetShipmentRequest& r) {
            return ValidateShipmentId(r.shipment_id(), "shipment_id");
          });
      break;
    case 5:
      oms::fuzz::CheckValidator<v1::ListEventsRequest>(data, size, ValidateListEvents);
      break;
    case 6:  // the page token is the client's text, decoded here
      oms::fuzz::CheckValidator<v1::ListPickQueueRequest>(
          data, size,
          [](const v1::ListPickQueueRequest& r) { return ReadPickQueueRequest(r).status(); });
      break;
    case 7:  // the image's declared type, signature and size
      oms::fuzz::CheckValidator<v1::UploadProofRequest>(data, size, ValidateUploadProof);
      break;
    case 8:
      oms::fuzz::CheckValidator<v1::GetProofRequest>(data, size, ValidateGetProof);
      break;
    case 9:
      oms::fuzz::CheckValidator<v1::CreateReplacementShipmentRequest>(data, size,
                                                                      ValidateCreateReplacement);
      break;
    default:
      oms::fuzz::CheckValidator<v1::ReportShortPickRequest>(data, size, ValidateReportShortPick);
      break;
  }
  return 0;
}
