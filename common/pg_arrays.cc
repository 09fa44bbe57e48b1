#include "common/pg_arrays.h"

#include "absl/strings/str_join.h"

namespace oms {

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string PgIntArray(const std::vector<int64_t>& values) {
  return "{" + absl::StrJoin(values, ",") + "}";
}

}  // namespace oms
