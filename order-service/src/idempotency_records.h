// The gateway's Idempotency-Key records (oms.order.v1.IdempotencyService), kept in the orders'
// database because the gateway has none: validation, the PostgreSQL store, and the gRPC
// handlers, which run the store on the bounded executor. Leases and expiry are decided by the
// database clock, so every order-service replica and every gateway agree on them.
#pragma once

#include <atomic>
#include <chrono>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/executor.h"
#include "oms/order/v1/idempotency.grpc.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

// Bounds of what a record holds (the gateway's answers are bounded by its own limits too).
inline constexpr std::size_t kMaxIdempotencyScope = 512;
inline constexpr std::size_t kMaxStoredBodyBytes = 1 << 20;
inline constexpr int kMaxStoredHeaders = 16;

// INVALID_ARGUMENT naming the field.
[[nodiscard]] absl::Status ValidateClaim(const v1::ClaimIdempotencyKeyRequest& request);
[[nodiscard]] absl::Status ValidateComplete(const v1::CompleteIdempotencyKeyRequest& request);
[[nodiscard]] absl::Status ValidateRelease(const v1::ReleaseIdempotencyKeyRequest& request);

class PgIdempotencyStore {
 public:
  // Records live `retention` after their latest claim.
  PgIdempotencyStore(PgPool& pool, std::chrono::milliseconds retention)
      : pool_(pool), retention_(retention) {}
  // The statements below, for the pool's list.
  static const std::vector<PreparedStatement>& Statements();

  // See IdempotencyService in idempotency.proto. Requests are validated by the caller.
  [[nodiscard]] absl::Status Claim(const v1::ClaimIdempotencyKeyRequest& request,
                                   v1::ClaimIdempotencyKeyResponse* out);
  [[nodiscard]] absl::Status Complete(const v1::CompleteIdempotencyKeyRequest& request);
  [[nodiscard]] absl::Status Release(const v1::ReleaseIdempotencyKeyRequest& request);
  // Deletes up to `limit` expired records (SKIP LOCKED: replicas sweeping at once never wait
  // for each other); how many.
  [[nodiscard]] absl::StatusOr<int> SweepExpired(int limit);

 private:
  PgPool& pool_;
  std::chrono::milliseconds retention_;
};

struct IdempotencyOptions {
  std::chrono::milliseconds retention = std::chrono::hours(24);
  // At most one sweep of expired records this often, started by a claim.
  std::chrono::milliseconds sweep_interval = std::chrono::minutes(1);
  int sweep_batch = 1000;
};

class IdempotencyServiceImpl final : public v1::IdempotencyService::CallbackService {
 public:
  IdempotencyServiceImpl(PgPool& pool, BoundedExecutor& executor, IdempotencyOptions options = {})
      : store_(pool, options.retention), executor_(executor), options_(options) {}

  grpc::ServerUnaryReactor* ClaimIdempotencyKey(grpc::CallbackServerContext* context,
                                                const v1::ClaimIdempotencyKeyRequest* request,
                                                v1::ClaimIdempotencyKeyResponse* response) override;
  grpc::ServerUnaryReactor* CompleteIdempotencyKey(
      grpc::CallbackServerContext* context, const v1::CompleteIdempotencyKeyRequest* request,
      v1::CompleteIdempotencyKeyResponse* response) override;
  grpc::ServerUnaryReactor* ReleaseIdempotencyKey(
      grpc::CallbackServerContext* context, const v1::ReleaseIdempotencyKeyRequest* request,
      v1::ReleaseIdempotencyKeyResponse* response) override;

 private:
  // Queues a sweep when the last one is older than the interval.
  void MaybeSweep();

  PgIdempotencyStore store_;
  BoundedExecutor& executor_;
  IdempotencyOptions options_;
  std::atomic<std::chrono::steady_clock::rep> last_sweep_{0};
};

}  // namespace oms::order
