// What every oms process that serves or calls over gRPC sets before it starts any thread.
#pragma once

namespace oms {

// Debian builds Abseil without NDEBUG, so absl::Mutex checks every lock against a graph of lock
// orders (deadlock detection) and aborts the process on a cycle it thinks it saw. gRPC takes
// absl::Mutex locks on every call: the graph took about half a percent of all CPU in a profile
// of `./oms bench` at 32 clients, and it turns a false positive into a crash. Release builds of
// Abseil skip it; so do oms processes.
void PrepareProcess();

}  // namespace oms
