// Named failpoints for fault tests: OMS_FAILPOINTS="billing.capture.before_commit=crash,..."
// makes the process exit at once (as kill -9 would) when it reaches that point. Compiled into
// every build and inert unless the variable names the point.
#pragma once

#include <set>
#include <string>

#include "absl/strings/string_view.h"

namespace oms {

class Failpoints {
 public:
  // Reads OMS_FAILPOINTS; anything but "=crash" entries is ignored.
  static Failpoints FromEnvironment();
  // Parses a specification such as "a=crash,b=crash".
  static Failpoints Parse(absl::string_view specification);

  bool armed(absl::string_view name) const { return crash_.count(std::string(name)) > 0; }
  bool empty() const { return crash_.empty(); }

  // Exits the process (status 137) if `name` is armed, after one log line.
  void Hit(absl::string_view name, absl::string_view request_id) const;

 private:
  std::set<std::string> crash_;
};

}  // namespace oms
