// A PaymentProvider decorator for tests: authorizations wait at a gate until the test opens it,
// so a test can act while a provider call is in flight. Everything else passes straight through.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "billing-service/src/payment_provider.h"

namespace oms::billing {

class GatedProvider : public PaymentProvider {
 public:
  explicit GatedProvider(PaymentProvider& inner) : inner_(inner) {}

  std::string name() const override { return inner_.name(); }

  // Waits at the gate, then asks the inner provider.
  absl::StatusOr<ProviderResult> Authorize(const AuthorizeCall& call) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++waiting_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return open_; });
      --waiting_;
    }
    return inner_.Authorize(call);
  }
  absl::StatusOr<ProviderResult> Capture(const FollowUpCall& call) override {
    return inner_.Capture(call);
  }
  absl::StatusOr<ProviderResult> Void(const FollowUpCall& call) override {
    return inner_.Void(call);
  }
  absl::StatusOr<ProviderResult> Refund(const FollowUpCall& call) override {
    return inner_.Refund(call);
  }
  absl::StatusOr<ProviderResult> IncrementAuthorization(const FollowUpCall& call) override {
    return inner_.IncrementAuthorization(call);
  }
  absl::StatusOr<std::optional<ProviderResult>> FindAuthorization(
      const std::string& idempotency_key) override {
    return inner_.FindAuthorization(idempotency_key);
  }

  // True once an authorization waits at the gate; false if none arrived within `timeout`.
  bool AwaitCallAtGate(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, timeout, [this] { return waiting_ > 0; });
  }

  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  PaymentProvider& inner_;
  std::mutex mu_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

}  // namespace oms::billing
