// Orders in the order database: capture (with the order's saga, in one statement) and replays
// by idempotency key or external id, reads, and an order's own events for its timeline.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/order/v1/order.pb.h"
#include "order-service/src/saga_store.h"
#include "order-service/src/timeline_resume.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

// A new order and its saga, or the existing order a replay (same client and key, or same
// channel and external id) points at.
struct InsertedOrder {
  std::string order_id;
  std::string saga_id;
  bool created = false;
  bool same_request = true;  // false: the key was used for a different request
  // The first request of the same key may not have been answered yet: the order is PENDING and
  // the time that request answers by has not come.
  bool first_unanswered = false;
  // A new order's saga inserted under the caller's lease (SagaLease), as a claim would read it.
  std::optional<ClaimedSaga> claimed;
};

struct OrderFilter {
  std::string customer_id;                                // "" for any
  v1::OrderStatus status = v1::ORDER_STATUS_UNSPECIFIED;  // UNSPECIFIED for any
  std::string after;                                      // page token payload
  int page_size = 50;
  std::string channel;                // "" for any
  std::string external_order_id;      // "" for any; set with `channel`
  int64_t created_after_micros = 0;   // 0: no bound
  int64_t created_before_micros = 0;  // 0: no bound
  std::string sku;                    // "" for any; else only orders with a line of it
};

class OrderRepository {
 public:
  virtual ~OrderRepository() = default;
  // `request_hex` is the request's DeterministicHex; its SHA-256 is the stored fingerprint.
  // The order an idempotency key or an external id already names, if any. ALREADY_EXISTS /
  // EXTERNAL_ORDER_ID_IN_USE when the external id names another client's order; NOT_FOUND
  // naming customer_id when no order is named and the request's customer does not exist.
  [[nodiscard]] virtual absl::StatusOr<std::optional<InsertedOrder>> FindExisting(
      const v1::CreateOrderRequest& request, const std::string& request_hex) = 0;
  // Stores the captured order PENDING with its saga, or answers the order a concurrent
  // duplicate stored first (refused as FindExisting refuses it). NOT_FOUND when the customer
  // does not exist. `answer_within`: when this request answers at the latest, from now. The
  // saga is leased to `lease.owner` when there is one.
  [[nodiscard]] virtual absl::StatusOr<InsertedOrder> InsertOrder(
      const v1::Order& order, const v1::CreateOrderRequest& request, const std::string& request_hex,
      std::chrono::milliseconds answer_within, const SagaLease& lease) = 0;
  [[nodiscard]] virtual absl::Status GetOrder(const std::string& id, v1::Order* out) = 0;
  // Newest first. INVALID_ARGUMENT naming page_token when `filter.after` is not one we issued.
  [[nodiscard]] virtual absl::Status ListOrders(const OrderFilter& filter,
                                                v1::ListOrdersResponse* out) = 0;
  // The order's own events: status changes and every saga step, oldest first, appended to
  // `out`; their transactions and the read's floor go to `positions`.
  [[nodiscard]] virtual absl::Status OrderEvents(const std::string& order_id,
                                                 v1::OrderTimeline* out,
                                                 SourcePositions* positions) = 0;
};

class PgOrderRepository final : public OrderRepository {
 public:
  explicit PgOrderRepository(PgPool& pool) : pool_(pool) {}
  // The statements below, for the pool's list.
  static const std::vector<PreparedStatement>& Statements();

  [[nodiscard]] absl::StatusOr<std::optional<InsertedOrder>> FindExisting(
      const v1::CreateOrderRequest& request, const std::string& request_hex) override;
  [[nodiscard]] absl::StatusOr<InsertedOrder> InsertOrder(const v1::Order& order,
                                                          const v1::CreateOrderRequest& request,
                                                          const std::string& request_hex,
                                                          std::chrono::milliseconds answer_within,
                                                          const SagaLease& lease) override;
  [[nodiscard]] absl::Status GetOrder(const std::string& id, v1::Order* out) override;
  [[nodiscard]] absl::Status ListOrders(const OrderFilter& filter,
                                        v1::ListOrdersResponse* out) override;
  [[nodiscard]] absl::Status OrderEvents(const std::string& order_id, v1::OrderTimeline* out,
                                         SourcePositions* positions) override;
  // Writes the SKU rows (order_skus) of up to `batch` orders placed before they existed; how
  // many it did (0: none are left).
  [[nodiscard]] absl::StatusOr<int> IndexOrderSkus(int batch);

 private:
  PgPool& pool_;
};

}  // namespace oms::order
