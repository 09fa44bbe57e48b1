// The payment state machine: a payment is its four amounts (authorized, captured, voided,
// refunded) plus whether it was declined or is a tombstone; its status is derived from them, and
// every operation is a checked move from one set of amounts to the next. Pure logic: no I/O.
//
// The invariants every move keeps (and the database checks again):
//   0 <= captured + voided <= authorized      (never capture or void more than is open)
//   0 <= refunded <= captured                 (never refund more than was charged)
// A declined payment or a tombstone has nothing open, so it can be neither captured nor voided
// by a positive amount.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/billing/v1/billing.pb.h"

namespace oms::billing {

struct PaymentAmounts {
  long long authorized = 0;
  long long captured = 0;
  long long voided = 0;
  long long refunded = 0;
  bool declined = false;
  bool tombstone = false;

  // Authorized and neither captured nor voided: what a capture or a void may still take.
  long long open() const { return authorized - captured - voided; }
  // Captured and not yet refunded.
  long long refundable() const { return captured - refunded; }
  bool operator==(const PaymentAmounts&) const = default;
};

[[nodiscard]] v1::PaymentStatus DeriveStatus(const PaymentAmounts& amounts);

// The status as stored in the database: the enum name without its PAYMENT_STATUS_ prefix.
[[nodiscard]] std::string StatusText(v1::PaymentStatus status);
[[nodiscard]] v1::PaymentStatus StatusFromText(const std::string& text);

// Each returns the amounts after the operation, or FAILED_PRECONDITION with a reason:
// PAYMENT_NOT_CAPTURABLE (declined or tombstone), AMOUNT_EXCEEDS_AUTHORIZATION,
// REFUND_EXCEEDS_CAPTURE, PAYMENT_NOT_AUTHORIZED, AUTHORIZATION_EXCEEDS_LIMIT. A negative amount
// is INVALID_ARGUMENT (callers validate first). A zero amount is a no-op that always succeeds.
[[nodiscard]] absl::StatusOr<PaymentAmounts> ApplyCapture(const PaymentAmounts& amounts,
                                                          long long amount);
[[nodiscard]] absl::StatusOr<PaymentAmounts> ApplyVoid(const PaymentAmounts& amounts,
                                                       long long amount);
[[nodiscard]] absl::StatusOr<PaymentAmounts> ApplyRefund(const PaymentAmounts& amounts,
                                                         long long amount);
// Raises `authorized` (an incremental authorization). Only a payment whose status is AUTHORIZED
// or PARTIALLY_CAPTURED takes more: declined, tombstone, voided, captured in full or refunded
// (the order is settled, or settling) is PAYMENT_NOT_AUTHORIZED. The authorized total stays
// within kMaxAmountMinor, the bound of an authorization's amount (AUTHORIZATION_EXCEEDS_LIMIT).
[[nodiscard]] absl::StatusOr<PaymentAmounts> ApplyIncrement(const PaymentAmounts& amounts,
                                                            long long amount);

}  // namespace oms::billing
