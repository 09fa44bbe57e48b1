#include "gateway/src/update_mask.h"

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/util/field_mask_util.h>

#include "common/status.h"

namespace oms::gateway {

QueryParamSpec UpdateMaskParam() {
  return {"updateMask", ParamType::kString, false,
          "comma-separated lowerCamelCase names of the fields to write; absent: all of them"};
}

absl::Status ReadUpdateMask(const Exchange& exchange, google::protobuf::FieldMask* mask) {
  mask->Clear();
  const std::string* text = exchange.query("updateMask");
  if (text == nullptr) return absl::OkStatus();
  if (!google::protobuf::util::FieldMaskUtil::FromJsonString(*text, mask)) {
    mask->Clear();
    return InvalidField("updateMask", "must be comma-separated lowerCamelCase field names");
  }
  return absl::OkStatus();
}

}  // namespace oms::gateway
