// `omsctl check`: RELIABILITY.md's invariants over a running suite, through the services' audit
// calls (tools/check/suite_audit.h). Prints each violation; optionally pushes the counts per
// invariant and the time of the last successful check to a Prometheus Pushgateway, for the
// OmsInvariantViolations and OmsInvariantCheckStale alerts.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace oms::tools {

struct CheckCommand {
  std::string orders;  // host:port of order-service (one replica, directly)
  std::string inventory;
  std::string billing;
  std::string shipping;
  bool at_rest = false;
  int settle_seconds = 600;
  int page_size = 200;
  std::string pushgateway;  // "" or http(s)://host:port
  std::string job = "oms-invariant-check";
};

// Exit codes.
inline constexpr int kCheckClean = 0;
inline constexpr int kCheckViolations = 1;
inline constexpr int kCheckUnreadable = 2;  // a service (or the Pushgateway) could not be reached

int RunCheck(const CheckCommand& command);

// A Pushgateway URL split as prometheus::Gateway takes it: "http://host" and "9091".
struct PushTarget {
  std::string host;  // with its scheme
  std::string port;
};
// INVALID_ARGUMENT naming --pushgateway unless `url` is http(s)://host:port with nothing after.
[[nodiscard]] absl::StatusOr<PushTarget> ParsePushgatewayUrl(const std::string& url);

}  // namespace oms::tools
