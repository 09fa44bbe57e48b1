#include "common/failpoints.h"

#include <cstdlib>

#include "absl/strings/str_split.h"
#include "common/log.h"

namespace oms {

Failpoints Failpoints::FromEnvironment() {
  const char* specification = std::getenv("OMS_FAILPOINTS");
  return Parse(specification == nullptr ? "" : specification);
}

Failpoints Failpoints::Parse(absl::string_view specification) {
  Failpoints failpoints;
  for (absl::string_view entry : absl::StrSplit(specification, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> parts = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    if (parts.second == "crash") failpoints.crash_.insert(parts.first);
  }
  return failpoints;
}

void Failpoints::Hit(absl::string_view name, absl::string_view request_id) const {
  if (!armed(name)) return;
  log::Error(request_id, "failpoint: crashing", {{"failpoint", std::string(name)}});
  std::_Exit(137);  // no destructors, no flushing of anything else: a crash
}

}  // namespace oms
