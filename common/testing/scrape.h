// Scraping a /metrics endpoint and linting what it serves with Prometheus' own promtool.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace oms::testing {

// GET over HTTP/1.1 with libcurl; the body on a 200, an error otherwise.
[[nodiscard]] absl::StatusOr<std::string> HttpGet(const std::string& url);

// Runs `promtool check metrics` on `exposition`; OK, or an error with promtool's output.
[[nodiscard]] absl::Status PromtoolCheckMetrics(const std::string& exposition);

// The value of the sample whose line starts with `series` (name and labels exactly as
// exposed), or an error when there is no such line.
[[nodiscard]] absl::StatusOr<double> SampleValue(const std::string& exposition,
                                                 const std::string& series);

}  // namespace oms::testing
