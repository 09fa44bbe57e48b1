#include "gateway/src/error_mapping.h"

#include <array>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace oms::gateway {

bool IsBusinessRuleRefusal(absl::string_view reason) {
  // Every reason the services use for "the rules say no" (protos and API.md); the other
  // FAILED_PRECONDITION reasons (SHIPMENT_ALREADY_SHIPPED, RESERVATION_RELEASED,
  // AUTHORIZATION_VOIDED, PAYMENT_NOT_CAPTURABLE, SHIPMENT_CANCELLED, ...) are state conflicts.
  static constexpr std::array<absl::string_view, 11> kRefusals = {
      "INSUFFICIENT_STOCK",     "PAYMENT_DECLINED",       "RETURN_EXCEEDS_DELIVERED",
      "IDEMPOTENCY_KEY_REUSED", "DESTINATION_NOT_SERVED", "AMOUNT_EXCEEDS_AUTHORIZATION",
      "REFUND_EXCEEDS_CAPTURE", "CURRENCY_MISMATCH",      "AMOUNT_MISMATCH",
      "SKU_NOT_INVOICED",       "RECEIPT_EXCEEDS_RETURN"};
  for (absl::string_view refusal : kRefusals) {
    if (reason == refusal) return true;
  }
  return false;
}

int HttpStatusFor(absl::StatusCode code, absl::string_view reason) {
  if (reason == "IDEMPOTENCY_KEY_REUSED") return 422;
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return IsBusinessRuleRefusal(reason) ? 422 : 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kCancelled:
      return 499;
    default:
      return 500;
  }
}

std::string CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "OK";
    case absl::StatusCode::kCancelled:
      return "CANCELLED";
    case absl::StatusCode::kUnknown:
      return "UNKNOWN";
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kNotFound:
      return "NOT_FOUND";
    case absl::StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case absl::StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case absl::StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case absl::StatusCode::kAborted:
      return "ABORTED";
    case absl::StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case absl::StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case absl::StatusCode::kInternal:
      return "INTERNAL";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kDataLoss:
      return "DATA_LOSS";
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

std::string ErrorBody(int http_status, const absl::Status& status, absl::string_view request_id) {
  const std::string reason = ReasonOf(status);
  std::string message(status.message());
  // Messages without a reason from these codes come from the gRPC transport or are bugs: they
  // name internal hosts and code paths, which are for the logs, not for clients.
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      message = "internal error";
      break;
    case absl::StatusCode::kUnavailable:
      if (reason.empty()) message = "a service is unavailable; retry later";
      break;
    case absl::StatusCode::kDeadlineExceeded:
      if (reason.empty()) message = "the request's deadline passed";
      break;
    default:
      break;
  }
  // In the order API.md writes the fields.
  nlohmann::ordered_json error;
  error["code"] = http_status;
  error["status"] = CodeName(status.code());
  error["message"] = message;
  error["reason"] = reason;
  error["requestId"] = std::string(request_id);
  nlohmann::ordered_json body;
  body["error"] = std::move(error);
  // Backend messages are valid UTF-8 by construction, but replace rather than throw if not.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response ErrorResponse(const absl::Status& status, absl::string_view request_id, int http_status) {
  Response response;
  response.status = http_status != 0 ? http_status : HttpStatusFor(status.code(), ReasonOf(status));
  response.SetHeader("Content-Type", "application/json");
  response.body = ErrorBody(response.status, status, request_id);
  // The first request with the key answers within its deadline: a client may ask again soon.
  if (ReasonOf(status) == "IDEMPOTENCY_KEY_IN_USE") response.SetHeader("Retry-After", "1");
  return response;
}

}  // namespace oms::gateway
