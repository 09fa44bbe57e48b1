#include "shipping-service/src/shipping_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "shipping-service/src/shipment_status.h"

namespace oms::shipping {

ShippingMetrics::ShippingMetrics(prometheus::Registry& registry) {
  auto& created = prometheus::BuildCounter()
                      .Name("oms_shipping_shipments_created_total")
                      .Help("Shipments created, by kind (OUTBOUND, RETURN).")
                      .Register(registry);
  for (auto kind : {v1::SHIPMENT_KIND_OUTBOUND, v1::SHIPMENT_KIND_RETURN}) {
    created_[KindName(kind)] = &created.Add({{"kind", KindName(kind)}});
  }
  cancelled_ = &prometheus::BuildCounter()
                    .Name("oms_shipping_shipments_cancelled_total")
                    .Help("Shipments cancelled.")
                    .Register(registry)
                    .Add({});
  auto& journal = prometheus::BuildCounter()
                      .Name("oms_shipping_journal_events_total")
                      .Help("Shipment events received, by type and outcome (recorded, duplicate).")
                      .Register(registry);
  auto& transitions = prometheus::BuildCounter()
                          .Name("oms_shipping_status_transitions_total")
                          .Help("Derived shipment status changes, by the status reached.")
                          .Register(registry);
  for (int value = v1::ShipmentEventType_MIN + 1; value <= v1::ShipmentEventType_MAX; ++value) {
    const std::string type = EventTypeName(static_cast<v1::ShipmentEventType>(value));
    journal_[{type, false}] = &journal.Add({{"type", type}, {"outcome", "recorded"}});
    journal_[{type, true}] = &journal.Add({{"type", type}, {"outcome", "duplicate"}});
  }
  for (int value = v1::ShipmentStatus_MIN + 1; value <= v1::ShipmentStatus_MAX; ++value) {
    const std::string status = StatusName(static_cast<v1::ShipmentStatus>(value));
    transitions_[status] = &transitions.Add({{"to", status}});
  }
  subscribers_ = &prometheus::BuildGauge()
                      .Name("oms_shipping_stream_subscribers")
                      .Help("Open StreamEvents subscriptions.")
                      .Register(registry)
                      .Add({});
  outbox_lag_ = &prometheus::BuildGauge()
                     .Name("oms_shipping_outbox_lag_seconds")
                     .Help(
                         "Age of the oldest outbox event not yet sent to any consumer; 0 when "
                         "every event was sent.")
                     .Register(registry)
                     .Add({});
}

void ShippingMetrics::ShipmentCreated(const std::string& kind) {
  if (auto it = created_.find(kind); it != created_.end()) it->second->Increment();
}
void ShippingMetrics::ShipmentCancelled() { cancelled_->Increment(); }
void ShippingMetrics::JournalEvent(const std::string& type, bool duplicate) {
  if (auto it = journal_.find({type, duplicate}); it != journal_.end()) it->second->Increment();
}
void ShippingMetrics::StatusTransition(const std::string& to) {
  if (auto it = transitions_.find(to); it != transitions_.end()) it->second->Increment();
}
void ShippingMetrics::SubscriberAdded() { subscribers_->Increment(); }
void ShippingMetrics::SubscriberRemoved() { subscribers_->Decrement(); }
void ShippingMetrics::SetOutboxLagSeconds(double seconds) { outbox_lag_->Set(seconds); }

}  // namespace oms::shipping
