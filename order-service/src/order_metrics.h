// Domain metrics of order-service.
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <class T>
class Family;
}  // namespace prometheus

namespace oms::order {

// Why the consumer of shipping's stream stopped taking events in (shipment_feed.h): the
// `reason` label of oms_order_event_stream_errors_total.
inline constexpr const char* kStreamErrorReasons[] = {"identity_changed", "gap",
                                                      "head_behind_cursor"};

class OrderMetrics {
 public:
  explicit OrderMetrics(prometheus::Registry& registry);

  void OrderCreated();
  // phase: COMPLETED (confirmed), COMPENSATED (rejected), NEEDS_ATTENTION.
  void SagaEnded(const std::string& phase);
  void Step(const std::string& step, const std::string& action, const std::string& outcome,
            double seconds);
  // Open sagas: running or compensating per step (every step's series is set, zero when none),
  // parked, and the age of the oldest running one.
  void OpenSagas(const std::map<std::string, int64_t>& in_flight_by_step, int64_t parked,
                 double oldest_running_seconds);
  // Age of the oldest event of shipping's stream not yet taken in (0 when caught up; see
  // ConsumerLag in shipment_feed.h).
  void ConsumerLag(double seconds);
  // The last value ConsumerLag set.
  double ConsumerLagSeconds() const;
  // The feed took `events` of shipping's stream in, in one transaction.
  void EventBatch(std::size_t events);
  // The feed found shipping's stream inconsistent with its cursor and stopped (one of
  // kStreamErrorReasons; counted at every attempt while it stays so).
  void StreamError(const std::string& reason);
  // Open WatchOrder streams.
  void WatcherOpened();
  void WatcherClosed();

 private:
  prometheus::Counter* created_;
  prometheus::Family<prometheus::Counter>& finished_;
  prometheus::Family<prometheus::Counter>& steps_;
  prometheus::Family<prometheus::Histogram>& step_seconds_;
  std::map<std::string, prometheus::Counter*> finished_series_;
  std::map<std::string, prometheus::Counter*> step_series_;
  std::map<std::string, prometheus::Histogram*> step_seconds_series_;
  std::map<std::string, prometheus::Gauge*> in_flight_series_;
  prometheus::Gauge* parked_;
  prometheus::Gauge* oldest_;
  prometheus::Gauge* consumer_lag_;
  prometheus::Histogram* event_batch_;
  std::map<std::string, prometheus::Counter*> stream_errors_;
  prometheus::Gauge* watchers_;
};

}  // namespace oms::order
