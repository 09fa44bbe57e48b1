#include "common/ready_file.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace oms {

absl::Status WriteReadyFile(const std::string& path,
                            const std::vector<std::pair<std::string, int>>& ports) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << "{";
    for (std::size_t i = 0; i < ports.size(); ++i) {
      out << (i ? ", " : "") << "\"" << ports[i].first << "\": " << ports[i].second;
    }
    out << "}\n";
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", temporary));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot rename ", temporary, " to ", path));
  }
  return absl::OkStatus();
}

}  // namespace oms
