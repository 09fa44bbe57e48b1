#include "common/process_setup.h"

#include "absl/synchronization/mutex.h"

namespace oms {

void PrepareProcess() { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); }

}  // namespace oms
