// Shipping's event stream taken into the orders it belongs to, exactly once: the cursor moves in
// the same transaction as the reaction, and an event at or below the cursor is skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

// Every commit that changes what an order's timeline shows sends a NOTIFY on this channel with
// the order id (triggers of migration 0007, and the shipment event cursor).
inline constexpr char kOrderChangedChannel[] = "oms_order_changed";

// Where the consumer of shipping's stream stands: the last sequence taken in, and the identity
// of the outbox that numbered it ("" until bound; migration 0011).
struct StreamPosition {
  int64_t cursor = 0;
  std::string stream_id;
};

class PgShipmentEventStore {
 public:
  explicit PgShipmentEventStore(PgPool& pool) : pool_(pool) {}
  static const std::vector<PreparedStatement>& Statements();

  // Takes one event into its order: the shipment's row (status, and its SHIPMENT_SHIPPED event),
  // whatever the order's status; the order's status derived from its shipment rows
  // (fulfilment.h); and, once the order is confirmed, the saga of a shipped shipment, whose id is
  // returned ("" otherwise, and for an event taken already or not about an order of ours; a
  // second saga started at once is found by the coordinator's poll). An event that tells the
  // shipment's row nothing new (its status, and for SHIPMENT_SHIPPED its shipped event, recorded
  // already) moves the cursor and changes nothing else.
  [[nodiscard]] absl::StatusOr<std::string> Apply(const shipping::v1::OutboxEvent& event);
  // Takes consecutive events of the stream in, in order, as Apply would one by one, in one
  // transaction: one commit for all (the feed's throughput is its commits), and all or none
  // taken in. Returns the ids of every saga they started.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> ApplyAll(
      const std::vector<shipping::v1::OutboxEvent>& events);
  // The sequence of the last event taken in (a plain read: a consumer stuck behind the cursor's
  // lock must still be seen lagging).
  [[nodiscard]] absl::StatusOr<int64_t> Cursor();
  // The cursor with its outbox identity (a plain read, like Cursor()).
  [[nodiscard]] absl::StatusOr<StreamPosition> Position();
  // Binds the cursor to the outbox `stream_id` unless it is bound already; returns the identity
  // bound, which is another one when the cursor counts another outbox's sequences.
  [[nodiscard]] absl::StatusOr<std::string> BindStream(const std::string& stream_id);

 private:
  PgPool& pool_;
};

}  // namespace oms::order
