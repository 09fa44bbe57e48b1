// CORS with an allow-list of origins: allowed origins get Access-Control-Allow-Origin echoed
// (never "*", since requests carry credentials), preflights are answered by the gateway.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/src/http_types.h"

namespace oms::gateway {

class CorsPolicy {
 public:
  // Exact origins such as "https://shop.example.com"; empty: no cross-origin access at all.
  explicit CorsPolicy(std::vector<std::string> allowed_origins);

  bool Allowed(absl::string_view origin) const;

  // A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
  static bool IsPreflight(const Request& request);

  // The answer to a preflight: 204 with the allowed methods and headers for an allowed origin,
  // 403 (no CORS headers, so the browser refuses) otherwise. `methods` are those of the path.
  Response Preflight(const Request& request, const std::vector<std::string>& methods) const;

  // Adds Access-Control-Allow-Origin to an actual response when the request's Origin (null:
  // none) is allowed; Vary: Origin whenever one was sent, since the answer depends on it.
  void Decorate(const std::string* origin, Response& response) const;

 private:
  std::vector<std::string> allowed_;
};

}  // namespace oms::gateway
