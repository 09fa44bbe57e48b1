// Flags with environment fallbacks: a flag given on the command line wins, else the named
// environment variable, else the flag's default. Flags themselves are defined only in main().
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace oms {

struct EnvFallback {
  std::string flag;  // flag name without dashes
  std::string env;   // environment variable, e.g. OMS_INVENTORY_PORT
};

// Parses argv with Abseil flags, then fills every flag not given on the command line from its
// environment variable. A malformed value fails with a message naming the variable.
[[nodiscard]] absl::Status ParseFlagsWithEnv(int argc, char** argv,
                                             const std::vector<EnvFallback>& fallbacks);

// The environment half of ParseFlagsWithEnv, for a main() that parses its command line itself
// (before it, so that the command line wins).
[[nodiscard]] absl::Status ApplyEnvFallbacks(const std::vector<EnvFallback>& fallbacks);

}  // namespace oms
