// The OpenAPI 3.0 document of the gateway, made from the same route table the router serves, so
// the two cannot drift: every route, its parameters, body and answers, with schemas derived
// from the protobuf descriptors as the proto3 JSON mapping prints them.
#pragma once

#include <string>
#include <vector>

namespace oms::gateway {

struct RouteSpec;

// The error statuses a route can answer besides its success: those the pipeline gives (401,
// 403, 429, 400, 413, 415, 404, 503, 504, 500) as its spec implies, plus extra_errors. Sorted.
std::vector<int> ErrorStatuses(const RouteSpec& route);

std::string BuildOpenApi(const std::vector<const RouteSpec*>& routes, const std::string& version);

}  // namespace oms::gateway
