// A timeline event with only its source and kind, for the unit tests of what events mean.
#pragma once

#include <string>

#include "oms/order/v1/order.pb.h"

namespace oms::order {

inline v1::TimelineEvent TimelineEventOf(const std::string& source, const std::string& kind) {
  v1::TimelineEvent event;
  event.set_source(source);
  event.set_kind(kind);
  return event;
}

}  // namespace oms::order
