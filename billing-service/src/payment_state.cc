#include "billing-service/src/payment_state.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/validation.h"

namespace oms::billing {
namespace {

constexpr char kStatusPrefix[] = "PAYMENT_STATUS_";

absl::Status NegativeAmount() { return InvalidField("amount", "must not be negative"); }

}  // namespace

v1::PaymentStatus DeriveStatus(const PaymentAmounts& amounts) {
  if (amounts.declined) return v1::PAYMENT_STATUS_DECLINED;
  const bool open = amounts.open() > 0;
  if (amounts.refunded > 0) {
    return amounts.refunded == amounts.captured && !open ? v1::PAYMENT_STATUS_REFUNDED
                                                         : v1::PAYMENT_STATUS_PARTIALLY_REFUNDED;
  }
  if (amounts.captured == 0)
    return open ? v1::PAYMENT_STATUS_AUTHORIZED : v1::PAYMENT_STATUS_VOIDED;
  return open ? v1::PAYMENT_STATUS_PARTIALLY_CAPTURED : v1::PAYMENT_STATUS_CAPTURED;
}

std::string StatusText(v1::PaymentStatus status) {
  return v1::PaymentStatus_Name(status).substr(sizeof(kStatusPrefix) - 1);
}

v1::PaymentStatus StatusFromText(const std::string& text) {
  v1::PaymentStatus status = v1::PAYMENT_STATUS_UNSPECIFIED;
  if (!v1::PaymentStatus_Parse(absl::StrCat(kStatusPrefix, text), &status)) {
    return v1::PAYMENT_STATUS_UNSPECIFIED;
  }
  return status;
}

absl::StatusOr<PaymentAmounts> ApplyCapture(const PaymentAmounts& amounts, long long amount) {
  if (amount < 0) return NegativeAmount();
  if (amount == 0) return amounts;
  if (amounts.declined || amounts.tombstone) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "PAYMENT_NOT_CAPTURABLE",
                      amounts.declined ? "the authorization was declined"
                                       : "the authorization was voided before it arrived");
  }
  if (amount > amounts.open()) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "AMOUNT_EXCEEDS_AUTHORIZATION",
                      absl::StrCat("capture of ", amount, " exceeds the ", amounts.open(),
                                   " still open on the authorization"));
  }
  PaymentAmounts next = amounts;
  next.captured += amount;
  return next;
}

absl::StatusOr<PaymentAmounts> ApplyVoid(const PaymentAmounts& amounts, long long amount) {
  if (amount < 0) return NegativeAmount();
  if (amount > amounts.open()) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "AMOUNT_EXCEEDS_AUTHORIZATION",
                      absl::StrCat("void of ", amount, " exceeds the ", amounts.open(),
                                   " still open on the authorization"));
  }
  PaymentAmounts next = amounts;
  next.voided += amount;
  return next;
}

absl::StatusOr<PaymentAmounts> ApplyRefund(const PaymentAmounts& amounts, long long amount) {
  if (amount < 0) return NegativeAmount();
  if (amount > amounts.refundable()) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "REFUND_EXCEEDS_CAPTURE",
                      absl::StrCat("refund of ", amount, " exceeds the ", amounts.refundable(),
                                   " captured and not yet refunded"));
  }
  PaymentAmounts next = amounts;
  next.refunded += amount;
  return next;
}

absl::StatusOr<PaymentAmounts> ApplyIncrement(const PaymentAmounts& amounts, long long amount) {
  if (amount < 0) return NegativeAmount();
  if (amount == 0) return amounts;
  const v1::PaymentStatus status = DeriveStatus(amounts);
  if (status != v1::PAYMENT_STATUS_AUTHORIZED && status != v1::PAYMENT_STATUS_PARTIALLY_CAPTURED) {
    return WithReason(
        absl::StatusCode::kFailedPrecondition, "PAYMENT_NOT_AUTHORIZED",
        absl::StrCat("a ", StatusText(status), " payment cannot be authorized for more"));
  }
  if (amount > kMaxAmountMinor - amounts.authorized) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "AUTHORIZATION_EXCEEDS_LIMIT",
                      absl::StrCat("an increment of ", amount, " takes the authorized ",
                                   amounts.authorized, " beyond ", kMaxAmountMinor));
  }
  PaymentAmounts next = amounts;
  next.authorized += amount;
  return next;
}

}  // namespace oms::billing
