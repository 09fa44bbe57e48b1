#include "common/process_setup.h"

#include <cstdlib>

#include <malloc.h>

#include "absl/synchronization/mutex.h"

namespace oms {

void PrepareProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
}

}  // namespace oms
