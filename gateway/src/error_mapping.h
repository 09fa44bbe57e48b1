// The one place a Status becomes an HTTP error: the status code (grpc-gateway's table, with
// FAILED_PRECONDITION split by reason) and the JSON error body of API.md.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/src/http_types.h"

namespace oms::gateway {

// Reasons of FAILED_PRECONDITION that mean a business rule refused the request (422), as
// opposed to a conflict with the resource's current state (409). IDEMPOTENCY_KEY_REUSED is 422
// whatever code carries it (API.md "Headers").
bool IsBusinessRuleRefusal(absl::string_view reason);

// grpc-gateway's mapping: INVALID_ARGUMENT 400, NOT_FOUND 404, ALREADY_EXISTS 409, ABORTED 409,
// FAILED_PRECONDITION 409 or 422, RESOURCE_EXHAUSTED 429, UNAUTHENTICATED 401,
// PERMISSION_DENIED 403, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, UNIMPLEMENTED 501,
// CANCELLED 499, OUT_OF_RANGE 400, anything else 500.
int HttpStatusFor(absl::StatusCode code, absl::string_view reason);

// "INVALID_ARGUMENT", "NOT_FOUND", ... (the canonical names clients see in `status`).
std::string CodeName(absl::StatusCode code);

// {"error":{"code":..,"status":..,"message":..,"reason":..,"requestId":..}} with `http_status`.
// Messages of INTERNAL and UNKNOWN errors, and of UNAVAILABLE and DEADLINE_EXCEEDED without a
// reason (the transport's), are replaced: their text names internals and is for the logs.
std::string ErrorBody(int http_status, const absl::Status& status, absl::string_view request_id);

// The response for `status`, its HTTP code from HttpStatusFor unless `http_status` is given.
Response ErrorResponse(const absl::Status& status, absl::string_view request_id,
                       int http_status = 0);

}  // namespace oms::gateway
