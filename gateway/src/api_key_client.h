// The ApiKeyVerifier that asks order-service (VerifyApiKey) through gRPC's callback API: no
// thread waits for the answer. The secret goes only into the request; it is never logged.
#pragma once

#include <chrono>

#include "gateway/src/api_key_cache.h"
#include "oms/order/v1/order.grpc.pb.h"

namespace oms::gateway {

class GrpcApiKeyVerifier final : public ApiKeyVerifier {
 public:
  // `stub` must outlive the verifier.
  GrpcApiKeyVerifier(order::v1::OrderService::Stub* stub, std::chrono::milliseconds deadline)
      : stub_(stub), deadline_(deadline) {}

  void Verify(const std::string& secret, Done done) override;

 private:
  order::v1::OrderService::Stub* stub_;
  std::chrono::milliseconds deadline_;
};

// The principal of a verified key: named "key:<id>" for rate limits, logs and idempotency.
Principal PrincipalOf(const order::v1::ApiKey& key);

}  // namespace oms::gateway
