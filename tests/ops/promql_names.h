// The metric names a PromQL expression reads, so dashboards and alert rules can be checked
// against what the processes really expose. Grafana's additions are understood too: template
// variables ($job, ${job}, $__rate_interval) and label_values(metric, label) queries.
#pragma once

#include <set>
#include <string>

#include "absl/strings/string_view.h"

namespace oms::ops {

// Every metric (or recording-rule) name `expr` selects. Function and aggregation names,
// keywords, label names (inside {...} and the parentheses of by/without/on/ignoring/group_left/
// group_right), strings, numbers, durations and variables are not names.
std::set<std::string> MetricNamesIn(absl::string_view expr);

}  // namespace oms::ops
