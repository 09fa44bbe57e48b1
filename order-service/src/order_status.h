// Order statuses as the orders table and messages spell them: the enum name without its
// ORDER_STATUS_ prefix ("CONFIRMED"). Pure logic, shared by the row mapping and the decisions
// whose messages name a status.
#pragma once

#include <string>

#include "oms/order/v1/order.pb.h"

namespace oms::order {

// ORDER_STATUS_UNSPECIFIED for a name that is no status.
v1::OrderStatus ParseStatus(const std::string& name);
std::string StatusName(v1::OrderStatus status);

}  // namespace oms::order
