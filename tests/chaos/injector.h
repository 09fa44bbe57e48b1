// Carries out a fault schedule against the chaos topology, logging each fault with its time, and
// heals: every paused process resumed, every killed one running again. It also keeps the run's
// figures: faults by kind, which saga steps were in flight when each kind struck, and how long
// the sagas an order-service replica held took to move again after it was killed or paused.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "tests/chaos/schedule.h"
#include "tests/chaos/topology.h"

namespace oms::chaos {

class Injector {
 public:
  Injector(Topology& topology, std::vector<Fault> schedule);

  // Runs the schedule from `start` until `stop` is set; faults still in effect then stay so
  // until Heal().
  void Run(std::chrono::steady_clock::time_point start, const std::atomic<bool>& stop);

  // Ends every fault in effect, and brings back any process that exited by itself (each one is
  // a finding: returned as a line).
  std::vector<std::string> Heal();

  // Waits (bounded) until the sagas held by faulted order-service replicas moved again, so that
  // the takeover figures are complete.
  void FinishTakeovers(std::chrono::milliseconds timeout);

  std::map<std::string, int64_t> FaultsByKind() const { return faults_by_kind_; }
  // "<fault kind> x <saga kind>/<step>" -> how often that step was in flight when it struck.
  std::map<std::string, int64_t> Coverage() const { return coverage_; }
  std::vector<int64_t> TakeoverMillis() const { return takeover_ms_; }
  const std::vector<std::string>& Log() const { return log_; }

 private:
  struct Action {
    int64_t at_ms;
    bool end;  // ends the fault (restart, resume) rather than starting it
    size_t fault;
  };
  // Sagas leased by a faulted replica, and the lease epochs they had then.
  struct Takeover {
    std::chrono::steady_clock::time_point since;
    std::map<std::string, int64_t> epochs;
  };

  void Apply(const Action& action);
  void StartFault(const Fault& fault);
  void EndFault(const Fault& fault);
  void RestartUntilServing(const std::string& name);
  void RecordCoverage(const Fault& fault);
  void WatchTakeover(const std::string& instance);
  void PollTakeovers();
  void Note(const std::string& line);

  Topology& topology_;
  std::vector<Fault> schedule_;
  std::vector<Action> actions_;
  size_t next_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::map<std::string, int64_t> faults_by_kind_;
  std::map<std::string, int64_t> coverage_;
  std::vector<Takeover> takeovers_;
  std::vector<int64_t> takeover_ms_;
  std::vector<std::string> log_;
};

// The cluster directory and server binaries of the PostgreSQL the run may restart
// (OMS_TEST_PG_DIR and OMS_PG_BINDIR, set by ./oms test and ./oms chaos); false when the run
// shares a cluster it must not restart.
bool OwnsDatabaseCluster();

}  // namespace oms::chaos
