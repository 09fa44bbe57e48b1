// What a mutation did, for the handlers' metrics.
#pragma once

#include <cstdint>

namespace oms::inventory {

struct Outcome {
  bool replayed = false;  // a repeat of an earlier request id: answered, nothing done again
  int movements = 0;      // ledger rows written, of the request's own kind
  // The backorder queue: units a reserve queued, units a receipt or a release filled (with the
  // RESERVE ledger rows the fills wrote, not in `movements`), units taken off the queue.
  int64_t queued_units = 0;
  int64_t filled_units = 0;
  int fill_movements = 0;
  int64_t cancelled_units = 0;
};

}  // namespace oms::inventory
