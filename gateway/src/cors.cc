#include "gateway/src/cors.h"

#include <algorithm>

#include "absl/strings/str_join.h"

namespace oms::gateway {
namespace {

constexpr char kAllowedHeaders[] = "Authorization, Content-Type, Idempotency-Key, X-Request-Id";
constexpr char kExposedHeaders[] = "X-Request-Id, Retry-After";

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins)
    : allowed_(std::move(allowed_origins)) {}

bool CorsPolicy::Allowed(absl::string_view origin) const {
  return std::find(allowed_.begin(), allowed_.end(), origin) != allowed_.end();
}

bool CorsPolicy::IsPreflight(const Request& request) {
  return request.method == "OPTIONS" && FindHeader(request.headers, "Origin") != nullptr &&
         FindHeader(request.headers, "Access-Control-Request-Method") != nullptr;
}

Response CorsPolicy::Preflight(const Request& request,
                               const std::vector<std::string>& methods) const {
  Response response;
  response.SetHeader("Vary", "Origin");
  const std::string* origin = FindHeader(request.headers, "Origin");
  const std::string* method = FindHeader(request.headers, "Access-Control-Request-Method");
  const bool method_ok =
      method != nullptr && std::find(methods.begin(), methods.end(), *method) != methods.end();
  if (origin == nullptr || !Allowed(*origin) || !method_ok) {
    response.status = 403;
    return response;
  }
  response.status = 204;
  response.SetHeader("Access-Control-Allow-Origin", *origin);
  response.SetHeader("Access-Control-Allow-Methods", absl::StrJoin(methods, ", "));
  response.SetHeader("Access-Control-Allow-Headers", kAllowedHeaders);
  response.SetHeader("Access-Control-Max-Age", "600");
  return response;
}

void CorsPolicy::Decorate(const std::string* origin, Response& response) const {
  if (origin == nullptr) return;
  response.SetHeader("Vary", "Origin");
  if (!Allowed(*origin)) return;
  response.SetHeader("Access-Control-Allow-Origin", *origin);
  response.SetHeader("Access-Control-Expose-Headers", kExposedHeaders);
}

}  // namespace oms::gateway
