// Request and response bodies as the proto3 JSON mapping, through protobuf's own json_util.
// Every refusal is INVALID_ARGUMENT with a reason: MALFORMED_JSON (not JSON, not UTF-8, not an
// object), UNKNOWN_FIELD (naming the field path), INVALID_FIELD_VALUE (a wrong type or value).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace google::protobuf {
class Message;
}

namespace oms::gateway {

// How deep a client's JSON may nest: far more than any body of the API needs (about 5 levels),
// and few enough that code walking a document recursively stays well inside the stack.
inline constexpr int kMaxJsonDepth = 32;

// MALFORMED_JSON when `body` nests arrays and objects deeper than kMaxJsonDepth. It reads the
// bytes once, without building anything, so it is safe on any input: every route that reads a
// client's JSON asks it first (ParseJsonBody does).
[[nodiscard]] absl::Status CheckJsonDepth(const std::string& body);

// `excluded` names top-level fields (JSON names) the body may not carry because the gateway sets
// them from the path or a header; they are refused as unknown. Enum values may be written
// without their enum's prefix (enum_names.h), at any depth.
[[nodiscard]] absl::Status ParseJsonBody(const std::string& body,
                                         google::protobuf::Message* message,
                                         const std::vector<std::string>& excluded = {});

// lowerCamelCase names, enums by name, int64 as strings, zero values printed.
[[nodiscard]] absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

}  // namespace oms::gateway
