// What every oms process that serves or calls over gRPC sets before it starts any thread.
#pragma once

namespace oms {

// Debian builds Abseil without NDEBUG, so absl::Mutex checks every lock against a graph of lock
// orders (deadlock detection) and aborts the process on a cycle it thinks it saw. gRPC takes
// absl::Mutex locks on every call: the graph took about half a percent of all CPU in a profile
// of `./oms bench` at 32 clients, and it turns a false positive into a crash. Release builds of
// Abseil skip it; so do oms processes.
//
// glibc gives each thread that allocates its own malloc arena, up to eight per core, and each
// arena keeps what its thread freed. gRPC's and the database workers' threads made
// order-service's RSS grow 13 % over six minutes at 32 clients while its live heap stayed
// flat at 5 MB (heaptrack); with two arenas it grew 9 %, with the same CPU per order
// (bench/README.md). So two, unless MALLOC_ARENA_MAX says otherwise.
void PrepareProcess();

}  // namespace oms
