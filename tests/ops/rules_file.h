// The expressions and recording-rule names of a Prometheus rules file. ops/prometheus/rules.yml
// keeps to a plain subset of YAML (block mappings and sequences; `expr:` written on one line,
// quoted, or as a `|`/`>` block), which is all this reads. Callers compare the count of
// expressions with promtool's own count, so a rule this reader missed cannot go unchecked.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oms::ops {

struct RuleExpressions {
  std::vector<std::string> expressions;  // one per rule, recording and alerting
  std::set<std::string> recorded;        // the names recording rules define
};

[[nodiscard]] absl::StatusOr<RuleExpressions> ReadRuleExpressions(absl::string_view yaml);

}  // namespace oms::ops
