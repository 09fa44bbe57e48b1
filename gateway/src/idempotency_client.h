// The IdempotencyStore of the gateway (idempotency.h): order-service's IdempotencyService,
// through gRPC's callback API, each call with its own deadline; no thread waits.
#pragma once

#include <chrono>

#include "gateway/src/idempotency.h"
#include "oms/order/v1/idempotency.grpc.pb.h"

namespace oms::gateway {

class GrpcIdempotencyStore final : public IdempotencyStore {
 public:
  // `stub` must outlive the store.
  GrpcIdempotencyStore(order::v1::IdempotencyService::Stub* stub,
                       std::chrono::milliseconds deadline)
      : stub_(stub), deadline_(deadline) {}

  void ClaimKey(const Claim& claim, ClaimDone done) override;
  void Complete(const Claim& claim, const std::string& token, const Response& answer,
                Done done) override;
  void Release(const Claim& claim, const std::string& token, Done done) override;

 private:
  order::v1::IdempotencyService::Stub* stub_;
  std::chrono::milliseconds deadline_;
};

}  // namespace oms::gateway
