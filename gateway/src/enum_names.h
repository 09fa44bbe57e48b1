// Enum values as clients may write them, on every route, in bodies and query parameters alike:
// the value's full name (ORDER_STATUS_PENDING, what the API answers with) or the name without
// its enum's prefix (PENDING, as API.md writes them). One mapping for the whole API, so that no
// route accepts a short name another refuses.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace google::protobuf {
class EnumDescriptor;
class EnumValueDescriptor;
}  // namespace google::protobuf

namespace oms::gateway {

// The prefix an enum's value names share, taken from its zero value (<PREFIX>UNSPECIFIED, the
// proto style every enum of the API follows); "" for an enum without one.
std::string EnumPrefix(const google::protobuf::EnumDescriptor& type);

// The value `text` names, in full or without the prefix; null for none.
const google::protobuf::EnumValueDescriptor* FindEnumValue(
    const google::protobuf::EnumDescriptor& type, absl::string_view text);

}  // namespace oms::gateway
