// The ready file a process writes once it listens: {"grpc_port": N, "metrics_port": M}, so that
// tests (and scripts) can start it on port 0 and learn the ports it bound.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace oms {

// Writes the named ports atomically: readers see the whole file or none of it.
[[nodiscard]] absl::Status WriteReadyFile(const std::string& path,
                                          const std::vector<std::pair<std::string, int>>& ports);

}  // namespace oms
