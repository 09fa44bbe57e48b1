// What a mutation did, for the handlers' metrics.
#pragma once

namespace oms::inventory {

struct Outcome {
  bool replayed = false;  // a repeat of an earlier request id: answered, nothing done again
  int movements = 0;      // ledger rows written
};

}  // namespace oms::inventory
