#include "common/config.h"

#include <cstdlib>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"

namespace oms {

absl::Status ApplyEnvFallbacks(const std::vector<EnvFallback>& fallbacks) {
  for (const auto& fallback : fallbacks) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(fallback.flag);
    if (flag == nullptr) {
      return absl::InternalError(absl::StrCat("no flag --", fallback.flag));
    }
    const char* value = std::getenv(fallback.env.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(fallback.env, "=", value, " is not a valid --", fallback.flag, ": ", error));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseFlagsWithEnv(int argc, char** argv, const std::vector<EnvFallback>& fallbacks) {
  // The environment is applied first so that the command line, parsed after it, wins.
  absl::Status applied = ApplyEnvFallbacks(fallbacks);
  if (!applied.ok()) return applied;
  absl::ParseCommandLine(argc, argv);
  return absl::OkStatus();
}

}  // namespace oms
