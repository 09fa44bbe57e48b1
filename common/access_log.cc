#include "common/access_log.h"

namespace oms::log {

Level AccessLogLevel(const AccessLogPolicy& policy, bool health_check, bool succeeded,
                     double seconds, uint64_t nth) {
  if (health_check) return Level::kDebug;
  if (!succeeded || seconds >= policy.slow_seconds) return Level::kInfo;
  if (policy.sample_every > 0 && nth % policy.sample_every == 0) return Level::kInfo;
  return Level::kDebug;
}

}  // namespace oms::log
