// Building absl::Status values that carry the machine-readable details clients rely on
// (google.rpc.ErrorInfo reason, BadRequest field violations) as payloads; grpc_status.h turns
// them into gRPC status details at the boundary.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace oms {

inline constexpr char kErrorDomain[] = "oms";
inline constexpr char kErrorInfoTypeUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr char kBadRequestTypeUrl[] = "type.googleapis.com/google.rpc.BadRequest";

// INVALID_ARGUMENT naming the field, e.g. InvalidField("product.sku", "must not be empty").
[[nodiscard]] absl::Status InvalidField(absl::string_view field, absl::string_view description);

// A status with the given code and a google.rpc.ErrorInfo with `reason` (UPPER_SNAKE).
[[nodiscard]] absl::Status WithReason(absl::StatusCode code, absl::string_view reason,
                                      absl::string_view message);

// The ErrorInfo reason of `status`, or "" when it has none.
[[nodiscard]] std::string ReasonOf(const absl::Status& status);

}  // namespace oms
