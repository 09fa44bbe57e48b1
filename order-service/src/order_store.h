// order-service persistence: customers, orders, and the sagas' durable state. Saga writes are
// fenced by the lease epoch the writer claimed, so a replica that lost its lease (paused, slow,
// partitioned) can no longer write.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/order/v1/order.pb.h"
#include "oms/shipping/v1/shipping.pb.h"
#include "order-service/src/saga.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

// Every commit that changes what an order's timeline shows sends a NOTIFY on this channel with
// the order id (triggers of migration 0007, and the shipment event cursor).
inline constexpr char kOrderChangedChannel[] = "oms_order_changed";

struct CustomerPage {
  std::vector<v1::Customer> customers;
  std::string next_after;  // "" on the last page
};

// A new order and its saga, or the existing order a replay (same client and key, or same
// channel and external id) points at.
struct InsertedOrder {
  std::string order_id;
  std::string saga_id;
  bool created = false;
  bool same_request = true;  // false: the key was used for a different request
};

struct OrderFilter {
  std::string customer_id;
  std::string status;  // the enum name without prefix, "" for any
  std::string after;   // page token payload
  int page_size = 50;
};

enum class SagaKind { kOrder, kShipment, kCancel, kReturn, kReceive };

// A saga this replica holds the lease of, and what its steps need to know.
struct ClaimedSaga {
  std::string owner;  // the replica that holds the lease
  SagaKind kind = SagaKind::kOrder;
  shipping::v1::OutboxEvent event;  // kShipment: the SHIPMENT_SHIPPED event that started it
  v1::CancelPlan plan;              // kCancel: what it cancels, and what it has cancelled
  v1::Return ret;                   // kReturn, kReceive: the return
  std::string saga_id;
  std::string order_id;
  int64_t epoch = 0;
  SagaState state;
  v1::Order order;  // the captured order with what the saga learned so far
  std::string payment_token;
};

// What one saga step changes, written with the saga's new state in one transaction.
struct StepRecord {
  std::string step;
  std::string action;  // FORWARD, COMPENSATE, OPERATOR
  std::string request_id;
  std::string outcome;  // OK, TRANSIENT, REFUSED
  std::string detail;
  std::chrono::milliseconds retry_after{0};  // > 0: release the lease until then
  // Results the order keeps (set only by the step that learned them).
  std::optional<inventory::v1::Allocation> allocation;
  std::optional<std::vector<v1::ShipmentSummary>> shipments;
  std::optional<std::string> payment_id;
  // A cancellation's progress, kept with the saga.
  std::optional<v1::CancelPlan> plan;
  // Set when the step decides the order's status (a cancellation that cancelled everything).
  std::optional<std::string> order_status;
  // A return's progress (its return shipment), kept with the return.
  std::optional<v1::Return> return_update;
};

// A return (or its receipt) and the saga that carries it out.
struct StartedReturn {
  v1::Return ret;
  std::string saga_id;
  bool created = false;
};

// A cancellation saga started (or the one already running) for an order.
struct StartedCancel {
  std::string saga_id;
  bool created = false;
};

// Sagas not yet final, grouped for the coordinator's gauges.
struct SagaCount {
  SagaKind kind = SagaKind::kOrder;
  int step = 0;
  SagaPhase phase = SagaPhase::kRunning;
  int64_t count = 0;
  double oldest_seconds = 0;  // age of the oldest of them
};

class PgOrderStore {
 public:
  explicit PgOrderStore(PgPool& pool) : pool_(pool) {}
  // Its own statements and those of the stores sharing its pool (PgApiKeyStore).
  static const std::vector<PreparedStatement>& Statements();
  // The pool, for the stores that share it (PgApiKeyStore).
  PgPool& pool() const { return pool_; }

  [[nodiscard]] absl::Status CreateCustomer(const v1::Customer& customer, v1::Customer* out);
  [[nodiscard]] absl::Status GetCustomer(const std::string& id, v1::Customer* out);
  // Locks the customer, applies `update` to it and writes the result.
  [[nodiscard]] absl::Status UpdateCustomer(
      const std::string& id,
      const std::function<absl::StatusOr<v1::Customer>(const v1::Customer&)>& update,
      v1::Customer* out);
  [[nodiscard]] absl::Status ListCustomers(const std::string& after, int page_size,
                                           CustomerPage* out);

  // `request_hex` is the request's DeterministicHex; its SHA-256 is the stored fingerprint.
  // The order an idempotency key or an external id already names, if any.
  [[nodiscard]] absl::StatusOr<std::optional<InsertedOrder>> FindExisting(
      const v1::CreateOrderRequest& request, const std::string& request_hex);
  // Stores the captured order PENDING with its saga, or answers the order a concurrent
  // duplicate stored first.
  [[nodiscard]] absl::StatusOr<InsertedOrder> InsertOrder(const v1::Order& order,
                                                          const v1::CreateOrderRequest& request,
                                                          const std::string& request_hex);
  [[nodiscard]] absl::Status GetOrder(const std::string& id, v1::Order* out);
  [[nodiscard]] absl::Status ListOrders(const OrderFilter& filter, v1::ListOrdersResponse* out);
  // The order's own events: status changes and every saga step, oldest first.
  [[nodiscard]] absl::Status OrderEvents(const std::string& order_id, v1::OrderTimeline* out);

  // Takes the lease of up to `limit` sagas that are due and not leased; `saga_id` non-empty
  // claims that one saga only (if due and free).
  [[nodiscard]] absl::StatusOr<std::vector<ClaimedSaga>> Claim(const std::string& owner,
                                                               std::chrono::seconds lease,
                                                               int limit,
                                                               const std::string& saga_id = "");
  // Writes the saga's next state, the journal row, the order's status and results; renews the
  // lease, or releases it when the saga is final, parked or waiting to retry. ABORTED with
  // reason LEASE_LOST when another replica holds the saga now.
  [[nodiscard]] absl::Status SaveStep(ClaimedSaga& saga, const SagaState& next,
                                      const StepRecord& record, std::chrono::seconds lease);

  // Takes one shipping event into the order it belongs to, exactly once: the cursor moves in
  // the same transaction as the reaction, and an event at or below the cursor is skipped. A
  // SHIPMENT_SHIPPED starts that shipment's saga; its id is returned ("" otherwise).
  [[nodiscard]] absl::StatusOr<std::string> ApplyShipmentEvent(
      const shipping::v1::OutboxEvent& event);
  [[nodiscard]] absl::StatusOr<int64_t> ShippingCursor();

  // Starts the order's cancellation saga for its shipments that have not shipped, or answers
  // the one already started. FAILED_PRECONDITION: ORDER_NOT_CONFIRMED while the order is being
  // placed, NOTHING_TO_CANCEL when every shipment shipped or the order is final.
  [[nodiscard]] absl::StatusOr<StartedCancel> StartCancel(const std::string& order_id,
                                                          const std::string& reason);

  // A return of delivered lines (RETURN saga), or the one `request_id` already made.
  [[nodiscard]] absl::StatusOr<StartedReturn> StartReturn(const v1::CreateReturnRequest& request);
  // The receipt of a return (RECEIVE saga: restock, refund, record it at shipping).
  [[nodiscard]] absl::StatusOr<StartedReturn> StartReceive(const v1::ReceiveReturnRequest& request);

  [[nodiscard]] absl::Status ListStuckSagas(int limit, v1::ListStuckSagasResponse* out);
  // Running, compensating and parked sagas by kind, step and phase.
  [[nodiscard]] absl::StatusOr<std::vector<SagaCount>> CountOpenSagas();
  // RetrySaga (resume) and ResolveSaga (end by hand) of a NEEDS_ATTENTION saga.
  [[nodiscard]] absl::Status OperateSaga(const std::string& saga_id, bool resolve,
                                         const std::string& note, v1::Saga* out);

 private:
  PgPool& pool_;
};

// The order status a saga phase shows.
v1::OrderStatus StatusOf(SagaPhase phase);
// The rejection reason clients see for a saga's failure reason: INSUFFICIENT_STOCK,
// PAYMENT_DECLINED, DESTINATION_NOT_SERVED, or DEPENDENCY_UNAVAILABLE for anything else.
std::string RejectionReason(const std::string& failure_reason);

}  // namespace oms::order
