// The HTTP exchange as routes and the gateway pipeline see it: plain structs, no Beast or Asio,
// so that only http_server.cc pays for those headers.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace oms::gateway {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of the first header named `name` (case-insensitive), or nullptr.
const std::string* FindHeader(const Headers& headers, absl::string_view name);

struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // path and query, as sent
  Headers headers;
  std::string body;
  std::string peer;  // remote address, for logs only
};

struct Response {
  int status = 200;
  Headers headers;  // besides Content-Length, which the server sets
  std::string body;

  // Replaces any header of the same name.
  void SetHeader(absl::string_view name, std::string value);
};

}  // namespace oms::gateway
