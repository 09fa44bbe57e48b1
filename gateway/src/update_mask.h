// The updateMask query parameter of the PATCH routes (AIP-134): the fields of the body to write,
// comma-separated lowerCamelCase JSON names ("name,addresses"), read into the request's
// google.protobuf.FieldMask. The service says which fields may be written.
#pragma once

#include "absl/status/status.h"
#include "gateway/src/route.h"

namespace google::protobuf {
class FieldMask;
}

namespace oms::gateway {

QueryParamSpec UpdateMaskParam();

// Absent: an empty mask (the service writes every field it allows). INVALID_ARGUMENT naming
// updateMask when a path is not a lowerCamelCase name.
[[nodiscard]] absl::Status ReadUpdateMask(const Exchange& exchange,
                                          google::protobuf::FieldMask* mask);

}  // namespace oms::gateway
