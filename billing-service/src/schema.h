// The billing database schema: migrations/*.sql, compiled into the binary. 0002 is the sandbox
// provider's own ledger.
#pragma once

#include <vector>

#include "common/migrations.h"

namespace oms::billing {

const std::vector<oms::Migration>& Migrations();

}  // namespace oms::billing
