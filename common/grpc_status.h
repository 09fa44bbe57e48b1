// The one conversion between absl::Status and grpc::Status. Payloads of the absl::Status become
// google.rpc.Status details (the `grpc-status-details-bin` trailer) and back.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace oms {

[[nodiscard]] grpc::Status ToGrpcStatus(const absl::Status& status);
[[nodiscard]] absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace oms
