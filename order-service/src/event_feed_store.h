// The feed of every order's events (event_feed.h) in the order database.
#pragma once

#include <vector>

#include "order-service/src/event_feed.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

class PgEventFeed final : public EventFeed {
 public:
  explicit PgEventFeed(PgPool& pool) : pool_(pool) {}
  static const std::vector<PreparedStatement>& Statements();

  [[nodiscard]] absl::Status ReadFeed(const FeedPosition& after, int limit,
                                      v1::ListEventsResponse* out) override;
  [[nodiscard]] absl::StatusOr<std::vector<FeedFollower>> Followers(int limit) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::order
