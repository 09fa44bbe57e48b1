#include "gateway/src/json_mapping.h"

#include <algorithm>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gateway/src/enum_names.h"

namespace oms::gateway {
namespace {

namespace pb = google::protobuf;

// Well-known types have their own JSON forms (strings, numbers, free objects): json_util checks
// them, this walk does not descend into them.
bool HasSpecialJsonForm(const pb::Descriptor& descriptor) {
  return absl::StartsWith(descriptor.full_name(), "google.protobuf.");
}

const pb::FieldDescriptor* FindJsonField(const pb::Descriptor& descriptor, const std::string& key) {
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const pb::FieldDescriptor* field = descriptor.field(i);
    if (field->json_name() == key || field->name() == key) return field;
  }
  return nullptr;
}

// Names the first unknown field by its path ("product.colour"), which json_util's message does
// not do reliably. Type errors are left to json_util.
absl::Status FindUnknownField(const nlohmann::json& object, const pb::Descriptor& descriptor,
                              const std::string& prefix,
                              const std::vector<std::string>& excluded = {}) {
  for (const auto& [key, value] : object.items()) {
    const std::string path = prefix.empty() ? key : absl::StrCat(prefix, ".", key);
    const pb::FieldDescriptor* field = FindJsonField(descriptor, key);
    if (field != nullptr &&
        std::find(excluded.begin(), excluded.end(), field->json_name()) != excluded.end()) {
      return WithReason(absl::StatusCode::kInvalidArgument, "UNKNOWN_FIELD",
                        absl::StrCat(path,
                                     ": not accepted in the body (it comes from the path "
                                     "or a header)"));
    }
    if (field == nullptr) {
      return WithReason(absl::StatusCode::kInvalidArgument, "UNKNOWN_FIELD",
                        absl::StrCat(path, ": unknown field"));
    }
    // json_util is lenient where the mapping is not: it takes "yes" for a bool and a number
    // for a string. A value of the wrong JSON type is refused here (null means the default).
    const bool scalar_value = !field->is_repeated() || !value.is_array();
    if (!value.is_null() && scalar_value) {
      const auto type = field->cpp_type();
      const bool wrong = (type == pb::FieldDescriptor::CPPTYPE_BOOL && !value.is_boolean()) ||
                         (type == pb::FieldDescriptor::CPPTYPE_STRING && !value.is_string()) ||
                         (field->is_repeated() && !field->is_map());
      if (wrong) {
        return WithReason(absl::StatusCode::kInvalidArgument, "INVALID_FIELD_VALUE",
                          absl::StrCat(path, ": must be ",
                                       field->is_repeated() && !field->is_map()    ? "an array"
                                       : type == pb::FieldDescriptor::CPPTYPE_BOOL ? "true or false"
                                                                                   : "a string"));
      }
    }
    if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE || field->is_map() ||
        HasSpecialJsonForm(*field->message_type())) {
      continue;
    }
    if (field->is_repeated() && value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_object()) continue;
        absl::Status status =
            FindUnknownField(value[i], *field->message_type(), absl::StrCat(path, "[", i, "]"));
        if (!status.ok()) return status;
      }
    } else if (value.is_object()) {
      absl::Status status = FindUnknownField(value, *field->message_type(), path);
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

// Spells every enum value a short name gives (enum_names.h) in full, as json_util takes it; a
// name that is no value is left for json_util to refuse. True when it changed one. Bodies are
// at most kMaxJsonDepth deep (checked first), which bounds the recursion.
bool SpellEnumsInFull(nlohmann::json& object, const pb::Descriptor& descriptor) {
  bool changed = false;
  for (auto& item : object.items()) {
    const pb::FieldDescriptor* field = FindJsonField(descriptor, item.key());
    if (field == nullptr || field->is_map()) continue;
    nlohmann::json& value = item.value();
    auto each = [&](const auto& visit) {
      if (field->is_repeated() && value.is_array()) {
        for (nlohmann::json& element : value) visit(element);
      } else {
        visit(value);
      }
    };
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
      each([&](nlohmann::json& element) {
        if (!element.is_string()) return;
        const std::string& text = element.get_ref<const std::string&>();
        const pb::EnumValueDescriptor* found = FindEnumValue(*field->enum_type(), text);
        if (found != nullptr && found->name() != text) {
          element = found->name();
          changed = true;
        }
      });
    } else if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE &&
               !HasSpecialJsonForm(*field->message_type())) {
      each([&](nlohmann::json& element) {
        if (element.is_object()) changed |= SpellEnumsInFull(element, *field->message_type());
      });
    }
  }
  return changed;
}

}  // namespace

absl::Status CheckJsonDepth(const std::string& body) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        return WithReason(absl::StatusCode::kInvalidArgument, "MALFORMED_JSON",
                          absl::StrCat("request body nests arrays and objects deeper than ",
                                       kMaxJsonDepth, " levels"));
      }
    } else if (c == ']' || c == '}') {
      --depth;  // unbalanced brackets are the parser's to refuse
    }
  }
  return absl::OkStatus();
}

absl::Status ParseJsonBody(const std::string& body, pb::Message* message,
                           const std::vector<std::string>& excluded) {
  // Before anything builds or walks a document: nlohmann and json_util walk some of it
  // recursively.
  if (absl::Status deep = CheckJsonDepth(body); !deep.ok()) return deep;
  nlohmann::json parsed;
  try {
    // Rejects ill-formed UTF-8 too; no DOM outlives this function.
    parsed = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> from "parse".
    const std::size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    return WithReason(absl::StatusCode::kInvalidArgument, "MALFORMED_JSON",
                      absl::StrCat("request body is not valid JSON: ", what));
  }
  if (!parsed.is_object()) {
    return WithReason(absl::StatusCode::kInvalidArgument, "MALFORMED_JSON",
                      "request body must be a JSON object");
  }
  absl::Status unknown = FindUnknownField(parsed, *message->GetDescriptor(), "", excluded);
  if (!unknown.ok()) return unknown;

  std::string respelled;
  if (SpellEnumsInFull(parsed, *message->GetDescriptor())) respelled = parsed.dump();

  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  message->Clear();
  const auto status =
      pb::util::JsonStringToMessage(respelled.empty() ? body : respelled, message, options);
  if (!status.ok()) {
    message->Clear();
    const std::string text(status.message());
    const bool unknown_field = absl::StrContains(text, "Cannot find field");
    return WithReason(absl::StatusCode::kInvalidArgument,
                      unknown_field ? "UNKNOWN_FIELD" : "INVALID_FIELD_VALUE",
                      absl::StrCat("request body does not match the schema: ", text));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ToJson(const pb::Message& message) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  std::string out;
  const auto status = pb::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot print ", message.GetTypeName(),
                                            " as JSON: ", std::string(status.message())));
  }
  return out;
}

}  // namespace oms::gateway
