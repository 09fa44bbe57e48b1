#include "gateway/src/enum_names.h"

#include <google/protobuf/descriptor.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace oms::gateway {

std::string EnumPrefix(const google::protobuf::EnumDescriptor& type) {
  constexpr absl::string_view kUnspecified = "UNSPECIFIED";
  const google::protobuf::EnumValueDescriptor* zero = type.FindValueByNumber(0);
  if (zero == nullptr || !absl::EndsWith(zero->name(), kUnspecified)) return "";
  return zero->name().substr(0, zero->name().size() - kUnspecified.size());
}

const google::protobuf::EnumValueDescriptor* FindEnumValue(
    const google::protobuf::EnumDescriptor& type, absl::string_view text) {
  if (text.empty()) return nullptr;
  if (const auto* value = type.FindValueByName(std::string(text))) return value;
  const std::string prefix = EnumPrefix(type);
  if (prefix.empty() || absl::StartsWith(text, prefix)) return nullptr;
  return type.FindValueByName(absl::StrCat(prefix, text));
}

}  // namespace oms::gateway
