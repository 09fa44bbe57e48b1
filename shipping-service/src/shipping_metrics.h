// The domain metrics of shipping-service, registered once on the process registry. The use cases
// count effects after they commit (never for a replayed request); the stream counts subscribers;
// the outbox listener sets the lag.
#pragma once

#include <map>
#include <string>
#include <utility>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace oms::shipping {

class ShippingMetrics {
 public:
  explicit ShippingMetrics(prometheus::Registry& registry);

  void ShipmentCreated(const std::string& kind);  // OUTBOUND or RETURN
  void ShipmentCancelled();
  void JournalEvent(const std::string& type, bool duplicate);
  void StatusTransition(const std::string& to);
  void SubscriberAdded();
  void SubscriberRemoved();
  void SetOutboxLagSeconds(double seconds);

 private:
  // Every label value comes from a closed enum: each child is added once, here, and kept.
  std::map<std::string, prometheus::Counter*> created_;
  prometheus::Counter* cancelled_ = nullptr;
  std::map<std::pair<std::string, bool>, prometheus::Counter*> journal_;
  std::map<std::string, prometheus::Counter*> transitions_;
  prometheus::Gauge* subscribers_ = nullptr;
  prometheus::Gauge* outbox_lag_ = nullptr;
};

}  // namespace oms::shipping
