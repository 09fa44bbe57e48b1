// Termination signals are blocked in every thread and taken synchronously by one waiter, so no
// handler ever runs in the middle of gRPC or libpqxx code.
#pragma once

namespace oms {

// Call first in main(), before any thread starts: threads inherit the blocked mask.
void BlockTerminationSignals();

// Blocks until SIGTERM or SIGINT arrives; returns the signal number.
int WaitForTerminationSignal();

}  // namespace oms
