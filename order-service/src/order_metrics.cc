#include "order-service/src/order_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/metrics.h"
#include "order-service/src/sagas/registry.h"

namespace oms::order {
namespace {

const char* kPhases[] = {"COMPLETED", "COMPENSATED", "NEEDS_ATTENTION"};
const char* kActions[] = {"FORWARD", "COMPENSATE"};
const char* kOutcomes[] = {"OK", "TRANSIENT", "REFUSED"};

}  // namespace

OrderMetrics::OrderMetrics(prometheus::Registry& registry)
    : created_(&prometheus::BuildCounter()
                    .Name("oms_order_orders_created_total")
                    .Help("Orders captured (replays not counted).")
                    .Register(registry)
                    .Add({})),
      finished_(prometheus::BuildCounter()
                    .Name("oms_order_sagas_finished_total")
                    .Help("Order sagas that ended or parked, by phase (COMPLETED: confirmed, "
                          "COMPENSATED: rejected, NEEDS_ATTENTION: parked).")
                    .Register(registry)),
      steps_(prometheus::BuildCounter()
                 .Name("oms_order_saga_steps_total")
                 .Help("Saga step calls by step, action and outcome.")
                 .Register(registry)),
      step_seconds_(prometheus::BuildHistogram()
                        .Name("oms_order_saga_step_duration_seconds")
                        .Help("Duration of one saga step call, by step.")
                        .Register(registry)) {
  // Every series exists from the start, so dashboards see zeros rather than gaps.
  for (const char* phase : kPhases) finished_series_[phase] = &finished_.Add({{"phase", phase}});
  std::vector<StepDef> steps;
  for (const auto& kind : SagaKinds()) {
    steps.insert(steps.end(), kind.steps.begin(), kind.steps.end());
  }
  auto& in_flight = prometheus::BuildGauge()
                        .Name("oms_order_sagas_in_flight")
                        .Help("Sagas running or compensating, by the step they are at.")
                        .Register(registry);
  parked_ = &prometheus::BuildGauge()
                 .Name("oms_order_sagas_needs_attention")
                 .Help("Sagas parked in NEEDS_ATTENTION, waiting for an operator.")
                 .Register(registry)
                 .Add({});
  oldest_ = &prometheus::BuildGauge()
                 .Name("oms_order_oldest_running_saga_age_seconds")
                 .Help("Age of the oldest saga still running or compensating (0 when none).")
                 .Register(registry)
                 .Add({});
  consumer_lag_ = &prometheus::BuildGauge()
                       .Name("oms_order_event_consumer_lag_seconds")
                       .Help(
                           "Age of the oldest event of a stream this service follows that it "
                           "has not yet taken in (0 when caught up; while the stream is silent "
                           "or refused, the time since it was last caught up), by stream.")
                       .Register(registry)
                       .Add({{"stream", "shipping"}});
  event_batch_ = &prometheus::BuildHistogram()
                      .Name("oms_order_event_batch_events")
                      .Help(
                          "Events of a stream this service follows taken in per transaction "
                          "(at most the feed's batch size), by stream.")
                      .Register(registry)
                      .Add({{"stream", "shipping"}},
                           prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64});
  auto& stream_errors = prometheus::BuildCounter()
                            .Name("oms_order_event_stream_errors_total")
                            .Help(
                                "Times the consumer of a stream found it inconsistent with its "
                                "cursor and took nothing in (identity_changed, gap, "
                                "head_behind_cursor), by stream and reason.")
                            .Register(registry);
  for (const char* reason : kStreamErrorReasons) {
    stream_errors_[reason] = &stream_errors.Add({{"stream", "shipping"}, {"reason", reason}});
  }
  watchers_ = &prometheus::BuildGauge()
                   .Name("oms_order_watch_streams")
                   .Help("Open WatchOrder streams.")
                   .Register(registry)
                   .Add({});
  for (const auto& step : steps) {
    in_flight_series_[step.name] = &in_flight.Add({{"step", step.name}});
    step_seconds_series_[step.name] = &step_seconds_.Add(
        {{"step", step.name}},
        prometheus::Histogram::BucketBoundaries(LatencyBuckets().begin(), LatencyBuckets().end()));
    for (const char* action : kActions) {
      for (const char* outcome : kOutcomes) {
        step_series_[step.name + "|" + action + "|" + outcome] =
            &steps_.Add({{"step", step.name}, {"action", action}, {"outcome", outcome}});
      }
    }
  }
}

void OrderMetrics::OrderCreated() { created_->Increment(); }

void OrderMetrics::SagaEnded(const std::string& phase) {
  auto it = finished_series_.find(phase);
  if (it != finished_series_.end()) it->second->Increment();
}

void OrderMetrics::Step(const std::string& step, const std::string& action,
                        const std::string& outcome, double seconds) {
  auto counter = step_series_.find(step + "|" + action + "|" + outcome);
  if (counter != step_series_.end()) counter->second->Increment();
  auto histogram = step_seconds_series_.find(step);
  if (histogram != step_seconds_series_.end()) histogram->second->Observe(seconds);
}

void OrderMetrics::OpenSagas(const std::map<std::string, int64_t>& in_flight_by_step,
                             int64_t parked, double oldest_running_seconds) {
  for (auto& [step, gauge] : in_flight_series_) {
    auto it = in_flight_by_step.find(step);
    gauge->Set(it == in_flight_by_step.end() ? 0 : static_cast<double>(it->second));
  }
  parked_->Set(static_cast<double>(parked));
  oldest_->Set(oldest_running_seconds);
}

void OrderMetrics::ConsumerLag(double seconds) { consumer_lag_->Set(seconds); }

double OrderMetrics::ConsumerLagSeconds() const { return consumer_lag_->Value(); }

void OrderMetrics::EventBatch(std::size_t events) {
  event_batch_->Observe(static_cast<double>(events));
}

void OrderMetrics::StreamError(const std::string& reason) {
  auto it = stream_errors_.find(reason);
  if (it != stream_errors_.end()) it->second->Increment();
}

void OrderMetrics::WatcherOpened() { watchers_->Increment(); }

void OrderMetrics::WatcherClosed() { watchers_->Decrement(); }

}  // namespace oms::order
