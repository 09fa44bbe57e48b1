// Which handled calls the access log writes at info level. A line per call on both sides of
// every RPC cost more CPU than some of the calls themselves; what an operator reads is the
// calls that failed or were slow, plus a steady sample to see the traffic's shape.
#pragma once

#include <cstdint>

#include "common/log.h"

namespace oms::log {

struct AccessLogPolicy {
  double slow_seconds = 0.1;    // a call at least this long is always written
  uint64_t sample_every = 100;  // of the other successful calls, every n-th (0: none)
};

// The level of the access-log line of a call: info for a failed or slow call and for every
// `sample_every`-th other one (`nth` counts the process's calls from 1), debug otherwise and for
// health checks.
[[nodiscard]] Level AccessLogLevel(const AccessLogPolicy& policy, bool health_check, bool succeeded,
                                   double seconds, uint64_t nth);

}  // namespace oms::log
