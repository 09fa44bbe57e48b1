// The reservation requests inventory-service validates before any work: any message is either
// accepted or refused with INVALID_ARGUMENT, never anything else.
#include <cstddef>
#include <cstdint>

#include "common/fuzz/fuzz_input.h"
#include "inventory-service/src/reservation_validation.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace v1 = oms::inventory::v1;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace oms::inventory;
  switch (oms::fuzz::Pick(data, size, 8)) {
    case 0:
      oms::fuzz::CheckValidator<v1::PlanAllocationRequest>(data, size, ValidatePlanRequest);
      break;
    case 1:
      oms::fuzz::CheckValidator<v1::ReserveStockRequest>(data, size, ValidateReserve);
      break;
    case 2:
      oms::fuzz::CheckValidator<v1::ExtendReservationRequest>(data, size, ValidateExtend);
      break;
    case 3:
      oms::fuzz::CheckValidator<v1::CommitReservationRequest>(data, size, ValidateCommit);
      break;
    case 4:
      oms::fuzz::CheckValidator<v1::ReleaseReservationRequest>(data, size, ValidateRelease);
      break;
    case 5:
      oms::fuzz::CheckValidator<v1::RestockReturnRequest>(data, size, ValidateRestock);
      break;
    case 6:
      oms::fuzz::CheckValidator<v1::ResourceReservationRequest>(data, size, ValidateResource);
      break;
    default:
      oms::fuzz::CheckValidator<v1::AddToReservationRequest>(data, size, ValidateAddToReservation);
      break;
  }
  return 0;
}
