// The order database schema: migrations/*.sql, compiled into the binary.
#pragma once

#include <vector>

#include "common/migrations.h"

namespace oms::order {

const std::vector<oms::Migration>& Migrations();

}  // namespace oms::order
