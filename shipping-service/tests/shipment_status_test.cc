// Status derivation from the journal: every precedence rule, late, repeated and out-of-order
// events, and the outbox events a change emits.
#include "shipping-service/src/shipment_status.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace oms::shipping {
namespace {

using E = v1::ShipmentEventType;

JournalFact At(E type, std::int64_t minute) { return {type, minute * 60'000'000}; }

constexpr E kPicked = v1::SHIPMENT_EVENT_TYPE_PICKED;
constexpr E kPacked = v1::SHIPMENT_EVENT_TYPE_PACKED;
constexpr E kShipped = v1::SHIPMENT_EVENT_TYPE_SHIPPED;
constexpr E kInTransit = v1::SHIPMENT_EVENT_TYPE_IN_TRANSIT;
constexpr E kOut = v1::SHIPMENT_EVENT_TYPE_OUT_FOR_DELIVERY;
constexpr E kDelivered = v1::SHIPMENT_EVENT_TYPE_DELIVERED;
constexpr E kFailed = v1::SHIPMENT_EVENT_TYPE_DELIVERY_FAILED;
constexpr E kException = v1::SHIPMENT_EVENT_TYPE_EXCEPTION;
constexpr E kReturned = v1::SHIPMENT_EVENT_TYPE_RETURNED_TO_SENDER;
constexpr E kReceived = v1::SHIPMENT_EVENT_TYPE_RECEIVED;
constexpr E kLost = v1::SHIPMENT_EVENT_TYPE_LOST;

TEST(DeriveStatusTest, EmptyJournalIsPending) {
  EXPECT_EQ(DeriveStatus(false, {}), v1::SHIPMENT_STATUS_PENDING);
}

TEST(DeriveStatusTest, EachEventAloneGivesItsStatus) {
  const std::vector<std::pair<E, v1::ShipmentStatus>> cases = {
      {kPicked, v1::SHIPMENT_STATUS_PICKED},
      {kPacked, v1::SHIPMENT_STATUS_PACKED},
      {kShipped, v1::SHIPMENT_STATUS_SHIPPED},
      {kInTransit, v1::SHIPMENT_STATUS_IN_TRANSIT},
      {kOut, v1::SHIPMENT_STATUS_OUT_FOR_DELIVERY},
      {kDelivered, v1::SHIPMENT_STATUS_DELIVERED},
      {kFailed, v1::SHIPMENT_STATUS_DELIVERY_FAILED},
      {kException, v1::SHIPMENT_STATUS_EXCEPTION},
      {kReturned, v1::SHIPMENT_STATUS_RETURNED_TO_SENDER},
      {kReceived, v1::SHIPMENT_STATUS_RECEIVED},
      {kLost, v1::SHIPMENT_STATUS_LOST}};
  for (const auto& [type, status] : cases) {
    EXPECT_EQ(DeriveStatus(false, {At(type, 1)}), status) << EventTypeName(type);
  }
}

TEST(DeriveStatusTest, CancelledOutranksEverything) {
  EXPECT_EQ(DeriveStatus(true, {}), v1::SHIPMENT_STATUS_CANCELLED);
  EXPECT_EQ(DeriveStatus(true, {At(kPicked, 1), At(kDelivered, 2)}), v1::SHIPMENT_STATUS_CANCELLED);
}

TEST(DeriveStatusTest, FurthestProgressWinsWhateverTheOrder) {
  // A late IN_TRANSIT scan arriving after OUT_FOR_DELIVERY never moves the status back, even
  // when the carrier stamped it later.
  EXPECT_EQ(DeriveStatus(false, {At(kOut, 5), At(kInTransit, 3)}),
            v1::SHIPMENT_STATUS_OUT_FOR_DELIVERY);
  EXPECT_EQ(DeriveStatus(false, {At(kOut, 5), At(kInTransit, 9)}),
            v1::SHIPMENT_STATUS_OUT_FOR_DELIVERY);
  EXPECT_EQ(DeriveStatus(false, {At(kPacked, 2), At(kPicked, 1)}), v1::SHIPMENT_STATUS_PACKED);
}

TEST(DeriveStatusTest, TerminalEventsAreNeverUndone) {
  EXPECT_EQ(DeriveStatus(false, {At(kDelivered, 5), At(kInTransit, 9)}),
            v1::SHIPMENT_STATUS_DELIVERED);
  EXPECT_EQ(DeriveStatus(false, {At(kDelivered, 5), At(kException, 9)}),
            v1::SHIPMENT_STATUS_DELIVERED);
  EXPECT_EQ(DeriveStatus(false, {At(kReturned, 5), At(kOut, 9), At(kFailed, 10)}),
            v1::SHIPMENT_STATUS_RETURNED_TO_SENDER);
  EXPECT_EQ(DeriveStatus(false, {At(kReceived, 5), At(kInTransit, 9)}),
            v1::SHIPMENT_STATUS_RECEIVED);
}

TEST(DeriveStatusTest, ALostParcelStaysLostUnlessItTurnsUpWhateverTheOrder) {
  EXPECT_EQ(DeriveStatus(false, {At(kShipped, 1), At(kLost, 9), At(kInTransit, 10)}),
            v1::SHIPMENT_STATUS_LOST);
  // Found after all: sent back to its warehouse, or delivered.
  EXPECT_EQ(DeriveStatus(false, {At(kReturned, 12), At(kLost, 9)}),
            v1::SHIPMENT_STATUS_RETURNED_TO_SENDER);
  EXPECT_EQ(DeriveStatus(false, {At(kLost, 9), At(kReturned, 12)}),
            v1::SHIPMENT_STATUS_RETURNED_TO_SENDER);
  EXPECT_EQ(DeriveStatus(false, {At(kLost, 9), At(kDelivered, 8)}), v1::SHIPMENT_STATUS_DELIVERED);
  EXPECT_TRUE(HasShipped({At(kLost, 9)}));
  EXPECT_FALSE(EventAllowed(v1::SHIPMENT_KIND_RETURN, kLost).ok());
  EXPECT_TRUE(EventAllowed(v1::SHIPMENT_KIND_OUTBOUND, kLost).ok());
  EXPECT_EQ(OutboxTypeFor(v1::SHIPMENT_KIND_OUTBOUND, v1::SHIPMENT_STATUS_LOST),
            v1::OUTBOX_EVENT_TYPE_SHIPMENT_LOST);
}

TEST(DeriveStatusTest, DeliveredOutranksReturnedToSender) {
  EXPECT_EQ(DeriveStatus(false, {At(kReturned, 9), At(kDelivered, 5)}),
            v1::SHIPMENT_STATUS_DELIVERED);
  EXPECT_EQ(DeriveStatus(false, {At(kDelivered, 5), At(kReturned, 9)}),
            v1::SHIPMENT_STATUS_DELIVERED);
}

TEST(DeriveStatusTest, AProblemHoldsUntilLaterProgressClearsIt) {
  EXPECT_EQ(DeriveStatus(false, {At(kShipped, 1), At(kException, 2)}),
            v1::SHIPMENT_STATUS_EXCEPTION);
  // Progress that happened before the problem (reported late) does not clear it.
  EXPECT_EQ(DeriveStatus(false, {At(kShipped, 1), At(kException, 3), At(kInTransit, 2)}),
            v1::SHIPMENT_STATUS_EXCEPTION);
  // Progress after it does; the status is then the furthest progress.
  EXPECT_EQ(DeriveStatus(false, {At(kShipped, 1), At(kException, 3), At(kInTransit, 4)}),
            v1::SHIPMENT_STATUS_IN_TRANSIT);
  EXPECT_EQ(DeriveStatus(false, {At(kOut, 5), At(kFailed, 6)}),
            v1::SHIPMENT_STATUS_DELIVERY_FAILED);
  EXPECT_EQ(DeriveStatus(false, {At(kOut, 5), At(kFailed, 6), At(kOut, 8)}),
            v1::SHIPMENT_STATUS_OUT_FOR_DELIVERY);
  // An exception before shipping (damaged while packing) is cleared by the later SHIPPED.
  EXPECT_EQ(DeriveStatus(false, {At(kPacked, 1), At(kException, 2), At(kShipped, 3)}),
            v1::SHIPMENT_STATUS_SHIPPED);
}

TEST(DeriveStatusTest, TheLatestProblemWinsAndExceptionBreaksTies) {
  EXPECT_EQ(DeriveStatus(false, {At(kShipped, 1), At(kException, 2), At(kFailed, 3)}),
            v1::SHIPMENT_STATUS_DELIVERY_FAILED);
  EXPECT_EQ(DeriveStatus(false, {At(kShipped, 1), At(kFailed, 2), At(kException, 3)}),
            v1::SHIPMENT_STATUS_EXCEPTION);
  EXPECT_EQ(DeriveStatus(false, {At(kShipped, 1), At(kFailed, 2), At(kException, 2)}),
            v1::SHIPMENT_STATUS_EXCEPTION);
  // At the same instant as progress, the problem holds.
  EXPECT_EQ(DeriveStatus(false, {At(kShipped, 2), At(kException, 2)}),
            v1::SHIPMENT_STATUS_EXCEPTION);
}

TEST(DeriveStatusTest, DuplicatesChangeNothing) {
  std::vector<JournalFact> journal = {At(kShipped, 1), At(kException, 2), At(kInTransit, 3)};
  const auto once = DeriveStatus(false, journal);
  journal.push_back(At(kException, 2));
  journal.push_back(At(kShipped, 1));
  EXPECT_EQ(DeriveStatus(false, journal), once);
}

TEST(DeriveStatusTest, EveryPermutationDerivesTheSameStatus) {
  const std::vector<std::vector<JournalFact>> journals = {
      {At(kPicked, 1), At(kPacked, 2), At(kShipped, 3), At(kInTransit, 4), At(kOut, 5),
       At(kDelivered, 6)},
      {At(kShipped, 1), At(kException, 2), At(kInTransit, 3), At(kFailed, 4), At(kOut, 4)},
      {At(kShipped, 1), At(kFailed, 5), At(kOut, 4), At(kReturned, 9), At(kInTransit, 2)},
  };
  for (auto journal : journals) {
    std::sort(journal.begin(), journal.end(), [](const JournalFact& a, const JournalFact& b) {
      return std::tie(a.occurred_micros, a.type) < std::tie(b.occurred_micros, b.type);
    });
    const auto expected = DeriveStatus(false, journal);
    int permutations = 0;
    do {
      EXPECT_EQ(DeriveStatus(false, journal), expected);
      ++permutations;
    } while (std::next_permutation(
        journal.begin(), journal.end(), [](const JournalFact& a, const JournalFact& b) {
          return std::tie(a.occurred_micros, a.type) < std::tie(b.occurred_micros, b.type);
        }));
    EXPECT_GE(permutations, 120);
  }
}

TEST(HasShippedTest, AnyEventPastTheDockCounts) {
  EXPECT_FALSE(HasShipped({}));
  EXPECT_FALSE(HasShipped({At(kPicked, 1), At(kPacked, 2), At(kException, 3)}));
  for (E type : {kShipped, kInTransit, kOut, kFailed, kDelivered, kReturned, kReceived}) {
    EXPECT_TRUE(HasShipped({At(kPicked, 1), At(type, 2)})) << EventTypeName(type);
  }
}

TEST(EventAllowedTest, KindsHaveTheirOwnEvents) {
  EXPECT_TRUE(EventAllowed(v1::SHIPMENT_KIND_OUTBOUND, kDelivered).ok());
  EXPECT_EQ(EventAllowed(v1::SHIPMENT_KIND_OUTBOUND, kReceived).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(EventAllowed(v1::SHIPMENT_KIND_RETURN, kReceived).ok());
  EXPECT_TRUE(EventAllowed(v1::SHIPMENT_KIND_RETURN, kInTransit).ok());
  for (E type : {kDelivered, kPicked, kPacked, kReturned}) {
    EXPECT_EQ(EventAllowed(v1::SHIPMENT_KIND_RETURN, type).code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(EventAllowed(v1::SHIPMENT_KIND_OUTBOUND, v1::SHIPMENT_EVENT_TYPE_UNSPECIFIED).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OutboxEffectsTest, AStatusChangeEmitsItsEvent) {
  EXPECT_EQ(OutboxEffects(v1::SHIPMENT_KIND_OUTBOUND, v1::SHIPMENT_STATUS_SHIPPED,
                          v1::SHIPMENT_STATUS_DELIVERED, true, true),
            std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERED});
  EXPECT_EQ(OutboxEffects(v1::SHIPMENT_KIND_OUTBOUND, v1::SHIPMENT_STATUS_PENDING,
                          v1::SHIPMENT_STATUS_SHIPPED, false, true),
            std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED});
  EXPECT_EQ(OutboxEffects(v1::SHIPMENT_KIND_RETURN, v1::SHIPMENT_STATUS_IN_TRANSIT,
                          v1::SHIPMENT_STATUS_RECEIVED, true, true),
            std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_RETURN_RECEIVED});
}

TEST(OutboxEffectsTest, NoChangeEmitsNothing) {
  EXPECT_TRUE(OutboxEffects(v1::SHIPMENT_KIND_OUTBOUND, v1::SHIPMENT_STATUS_DELIVERED,
                            v1::SHIPMENT_STATUS_DELIVERED, true, true)
                  .empty());
}

TEST(OutboxEffectsTest, ShippedIsAnnouncedOnceEvenWhenSkippedOrHidden) {
  // DELIVERED arrives before any SHIPPED: order-service still hears SHIPPED first.
  EXPECT_EQ(OutboxEffects(v1::SHIPMENT_KIND_OUTBOUND, v1::SHIPMENT_STATUS_PACKED,
                          v1::SHIPMENT_STATUS_DELIVERED, false, true),
            (std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED,
                                              v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERED}));
  // A late SHIPPED behind a standing EXCEPTION: the status stays, the milestone is announced.
  EXPECT_EQ(OutboxEffects(v1::SHIPMENT_KIND_OUTBOUND, v1::SHIPMENT_STATUS_EXCEPTION,
                          v1::SHIPMENT_STATUS_EXCEPTION, false, true),
            std::vector<v1::OutboxEventType>{v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED});
  // Back to SHIPPED after an exception: no second SHIPPED.
  EXPECT_TRUE(OutboxEffects(v1::SHIPMENT_KIND_OUTBOUND, v1::SHIPMENT_STATUS_EXCEPTION,
                            v1::SHIPMENT_STATUS_SHIPPED, true, true)
                  .empty());
}

TEST(NamesTest, RoundTrip) {
  EXPECT_EQ(StatusName(v1::SHIPMENT_STATUS_IN_TRANSIT), "IN_TRANSIT");
  EXPECT_EQ(ParseStatus("IN_TRANSIT"), v1::SHIPMENT_STATUS_IN_TRANSIT);
  EXPECT_EQ(ParseStatus("nope"), v1::SHIPMENT_STATUS_UNSPECIFIED);
  EXPECT_EQ(EventTypeName(kOut), "OUT_FOR_DELIVERY");
  EXPECT_EQ(ParseEventType("OUT_FOR_DELIVERY"), kOut);
  EXPECT_EQ(OutboxTypeName(v1::OUTBOX_EVENT_TYPE_RETURN_RECEIVED), "RETURN_RECEIVED");
  EXPECT_EQ(ParseOutboxType("RETURN_RECEIVED"), v1::OUTBOX_EVENT_TYPE_RETURN_RECEIVED);
  EXPECT_EQ(KindName(v1::SHIPMENT_KIND_RETURN), "RETURN");
  EXPECT_EQ(ParseKind("OUTBOUND"), v1::SHIPMENT_KIND_OUTBOUND);
  EXPECT_EQ(TransportModeName(v1::TRANSPORT_MODE_RAIL), "RAIL");
  EXPECT_EQ(ParseTransportMode("SEA"), v1::TRANSPORT_MODE_SEA);
  EXPECT_EQ(ParseTransportMode("TELEPORT"), v1::TRANSPORT_MODE_UNSPECIFIED);
}

}  // namespace
}  // namespace oms::shipping
