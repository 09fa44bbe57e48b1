// The pageSize and pageToken query parameters every paginated list route takes (API.md), as
// documented and as read into the list request's page_size and page_token; the service checks
// their values (common/pagination.h).
#pragma once

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "gateway/src/route.h"

namespace oms::gateway {

inline std::vector<QueryParamSpec> PageParams() {
  return {{"pageSize", ParamType::kInteger, false, "1 to 500 (0 or absent: 50)"},
          {"pageToken", ParamType::kString, false, "nextPageToken of the previous page"}};
}

// Both parameters were checked for type by the pipeline: pageSize is an integer when present.
template <typename ListRequest>
void ReadPage(const Exchange& exchange, ListRequest* request) {
  int page_size = 0;
  if (const std::string* size = exchange.query("pageSize")) {
    (void)absl::SimpleAtoi(*size, &page_size);
  }
  request->set_page_size(page_size);
  if (const std::string* token = exchange.query("pageToken")) request->set_page_token(*token);
}

}  // namespace oms::gateway
