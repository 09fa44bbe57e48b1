// Validation of billing requests: every bound in one place, every error naming the field
// (INVALID_ARGUMENT via oms::InvalidField). Pure logic: no I/O, no gRPC.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/validation.h"
#include "oms/billing/v1/billing.pb.h"

namespace oms::billing {

inline constexpr int kMaxLines = 500;

// Request ids (oms::ValidateRequestId) and order and shipment ids (oms::ValidateEntityId) are
// checked as everywhere in oms. Payment ids: canonical UUID text.
[[nodiscard]] absl::Status ValidatePaymentId(const std::string& id, const std::string& field);

[[nodiscard]] absl::Status ValidateAuthorize(const v1::AuthorizePaymentRequest& request);
[[nodiscard]] absl::Status ValidateCapture(const v1::CapturePaymentRequest& request);
[[nodiscard]] absl::Status ValidateVoid(const v1::VoidPaymentRequest& request);
// request_id, order_id, amount (required, 1 .. kMaxAmountMinor), reason (0 .. 500 characters).
[[nodiscard]] absl::Status ValidateIncrement(const v1::IncrementAuthorizationRequest& request);
[[nodiscard]] absl::Status ValidateRefund(const v1::RefundPaymentRequest& request);
[[nodiscard]] absl::Status ValidateQuoteTax(const v1::QuoteTaxRequest& request);

}  // namespace oms::billing
