#include "order-service/src/peer_client.h"

#include <grpcpp/support/status.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"

namespace oms::order {

absl::Status ReadStatus(const grpc::Status& status, const char* peer) {
  absl::Status failed = FromGrpcStatus(status);
  if (failed.ok() || failed.code() == absl::StatusCode::kInvalidArgument) return failed;
  return absl::UnavailableError(absl::StrCat(peer, " is unavailable: ", failed.message()));
}

}  // namespace oms::order
