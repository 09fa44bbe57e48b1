// The payment state machine: status derivation and every checked move, with its bounds.
#include "billing-service/src/payment_state.h"

#include <gtest/gtest.h>

#include "common/status.h"
#include "common/validation.h"

namespace oms::billing {
namespace {

PaymentAmounts Authorized(long long amount) {
  PaymentAmounts amounts;
  amounts.authorized = amount;
  return amounts;
}

TEST(PaymentStateTest, StatusFollowsTheAmounts) {
  EXPECT_EQ(DeriveStatus(Authorized(1000)), v1::PAYMENT_STATUS_AUTHORIZED);
  PaymentAmounts declined;
  declined.declined = true;
  EXPECT_EQ(DeriveStatus(declined), v1::PAYMENT_STATUS_DECLINED);
  PaymentAmounts tombstone;
  tombstone.tombstone = true;
  EXPECT_EQ(DeriveStatus(tombstone), v1::PAYMENT_STATUS_VOIDED);

  PaymentAmounts amounts = Authorized(1000);
  amounts.captured = 400;
  EXPECT_EQ(DeriveStatus(amounts), v1::PAYMENT_STATUS_PARTIALLY_CAPTURED);
  amounts.voided = 600;
  EXPECT_EQ(DeriveStatus(amounts), v1::PAYMENT_STATUS_CAPTURED);
  amounts.refunded = 100;
  EXPECT_EQ(DeriveStatus(amounts), v1::PAYMENT_STATUS_PARTIALLY_REFUNDED);
  amounts.refunded = 400;
  EXPECT_EQ(DeriveStatus(amounts), v1::PAYMENT_STATUS_REFUNDED);
  amounts.voided = 0;  // fully refunded, but something still open
  EXPECT_EQ(DeriveStatus(amounts), v1::PAYMENT_STATUS_PARTIALLY_REFUNDED);

  PaymentAmounts voided = Authorized(1000);
  voided.voided = 1000;
  EXPECT_EQ(DeriveStatus(voided), v1::PAYMENT_STATUS_VOIDED);
  voided.voided = 300;  // a partial void leaves it authorized
  EXPECT_EQ(DeriveStatus(voided), v1::PAYMENT_STATUS_AUTHORIZED);
}

TEST(PaymentStateTest, StatusTextRoundTrips) {
  for (auto status : {v1::PAYMENT_STATUS_AUTHORIZED, v1::PAYMENT_STATUS_PARTIALLY_CAPTURED,
                      v1::PAYMENT_STATUS_CAPTURED, v1::PAYMENT_STATUS_VOIDED,
                      v1::PAYMENT_STATUS_PARTIALLY_REFUNDED, v1::PAYMENT_STATUS_REFUNDED,
                      v1::PAYMENT_STATUS_DECLINED}) {
    EXPECT_EQ(StatusFromText(StatusText(status)), status);
  }
  EXPECT_EQ(StatusText(v1::PAYMENT_STATUS_PARTIALLY_CAPTURED), "PARTIALLY_CAPTURED");
  EXPECT_EQ(StatusFromText("NONSENSE"), v1::PAYMENT_STATUS_UNSPECIFIED);
}

TEST(PaymentStateTest, PartialCapturesAddUpToTheAuthorizationAndNoFurther) {
  auto first = ApplyCapture(Authorized(1000), 600);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = ApplyCapture(*first, 400);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->captured, 1000);
  EXPECT_EQ(second->open(), 0);
  auto third = ApplyCapture(*second, 1);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(third.status()), "AMOUNT_EXCEEDS_AUTHORIZATION");
  auto too_much = ApplyCapture(*first, 401);
  EXPECT_EQ(ReasonOf(too_much.status()), "AMOUNT_EXCEEDS_AUTHORIZATION");
}

TEST(PaymentStateTest, DeclinedAndTombstonedPaymentsCannotBeCaptured) {
  PaymentAmounts declined;
  declined.declined = true;
  EXPECT_EQ(ReasonOf(ApplyCapture(declined, 1).status()), "PAYMENT_NOT_CAPTURABLE");
  PaymentAmounts tombstone;
  tombstone.tombstone = true;
  EXPECT_EQ(ReasonOf(ApplyCapture(tombstone, 1).status()), "PAYMENT_NOT_CAPTURABLE");
}

TEST(PaymentStateTest, VoidTakesOnlyWhatIsStillOpen) {
  auto captured = ApplyCapture(Authorized(1000), 700);
  ASSERT_TRUE(captured.ok());
  EXPECT_EQ(ReasonOf(ApplyVoid(*captured, 301).status()), "AMOUNT_EXCEEDS_AUTHORIZATION");
  auto voided = ApplyVoid(*captured, 300);
  ASSERT_TRUE(voided.ok());
  EXPECT_EQ(voided->voided, 300);
  EXPECT_EQ(voided->open(), 0);
  // Nothing open: a zero void is a success and changes nothing; a capture is refused.
  auto again = ApplyVoid(*voided, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *voided);
  EXPECT_EQ(ReasonOf(ApplyCapture(*voided, 1).status()), "AMOUNT_EXCEEDS_AUTHORIZATION");
}

TEST(PaymentStateTest, RefundsNeverExceedWhatWasCaptured) {
  PaymentAmounts authorized = Authorized(1000);
  EXPECT_EQ(ReasonOf(ApplyRefund(authorized, 1).status()), "REFUND_EXCEEDS_CAPTURE");
  auto captured = ApplyCapture(authorized, 500);
  ASSERT_TRUE(captured.ok());
  auto refunded = ApplyRefund(*captured, 200);
  ASSERT_TRUE(refunded.ok());
  EXPECT_EQ(refunded->refundable(), 300);
  EXPECT_EQ(ReasonOf(ApplyRefund(*refunded, 301).status()), "REFUND_EXCEEDS_CAPTURE");
  auto rest = ApplyRefund(*refunded, 300);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->refunded, 500);
}

TEST(PaymentStateTest, AnIncrementRaisesAnOpenAuthorizationAndWhatACaptureMayTake) {
  auto raised = ApplyIncrement(Authorized(1000), 250);
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(raised->authorized, 1250);
  EXPECT_EQ(raised->open(), 1250);
  EXPECT_TRUE(ApplyCapture(*raised, 1250).ok());

  PaymentAmounts partly_captured = Authorized(1000);
  partly_captured.captured = 400;
  auto more = ApplyIncrement(partly_captured, 100);
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_EQ(more->authorized, 1100);
  EXPECT_EQ(DeriveStatus(*more), v1::PAYMENT_STATUS_PARTIALLY_CAPTURED);
}

TEST(PaymentStateTest, OnlyAnAuthorizedOrPartlyCapturedPaymentTakesAnIncrement) {
  PaymentAmounts declined;
  declined.declined = true;
  PaymentAmounts tombstone;
  tombstone.tombstone = true;
  PaymentAmounts voided = Authorized(1000);
  voided.voided = 1000;
  PaymentAmounts captured = Authorized(1000);
  captured.captured = 1000;
  PaymentAmounts refunded_with_some_open = Authorized(1000);
  refunded_with_some_open.captured = 400;
  refunded_with_some_open.refunded = 100;
  for (const PaymentAmounts& amounts :
       {declined, tombstone, voided, captured, refunded_with_some_open}) {
    auto refused = ApplyIncrement(amounts, 100);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ReasonOf(refused.status()), "PAYMENT_NOT_AUTHORIZED") << DeriveStatus(amounts);
  }
}

TEST(PaymentStateTest, TheAuthorizedTotalStaysWithinTheAmountBound) {
  EXPECT_TRUE(ApplyIncrement(Authorized(1000), kMaxAmountMinor - 1000).ok());
  EXPECT_EQ(ReasonOf(ApplyIncrement(Authorized(1000), kMaxAmountMinor - 999).status()),
            "AUTHORIZATION_EXCEEDS_LIMIT");
}

TEST(PaymentStateTest, NegativeAmountsAreInvalid) {
  EXPECT_EQ(ApplyCapture(Authorized(10), -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyVoid(Authorized(10), -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyRefund(Authorized(10), -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyIncrement(Authorized(10), -1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace oms::billing
