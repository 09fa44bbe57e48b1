// The chaos run's fault schedule: a pure function of a seed, so that a seed names one schedule
// and replays it exactly (the processes' timing still varies; what is injected, where and when
// does not). Pure logic.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace oms::chaos {

enum class FaultKind {
  kKill,         // SIGKILL, then start it again on the same database and ports
  kPause,        // SIGSTOP for `duration_ms`, then SIGCONT
  kTerminateDb,  // pg_terminate_backend of one session of the suite's databases
  kRestartDb,    // pg_ctl restart -m immediate of the whole cluster
  kDelay,        // an edge delays every byte by `latency_ms` (around the call deadline)
  kBlackhole,    // an edge loses every byte both ways, its sockets left open (half-open)
  kDropReplies,  // an edge delivers requests and loses the answers
  kReset,        // every connection of an edge ends with a RST
  kFailpoint,    // a named point of a process fails (sleep, error, lost reply) for `duration_ms`,
                 // armed and disarmed at run time through its failpoints file
  kRefusal,      // the coordinator's call of a step after the pivot is refused for
                 // `duration_ms` (a failpoint too): the sagas it hits park for the operator
};

const char* FaultKindName(FaultKind kind);
bool IsNetworkFault(FaultKind kind);

struct Fault {
  int64_t at_ms = 0;  // since the start of the fault window
  FaultKind kind = FaultKind::kKill;
  std::string target;       // a process or edge name, "" for database faults
  int64_t duration_ms = 0;  // how long it lasts; kills: how long the process stays down
  int64_t latency_ms = 0;   // kDelay
  uint64_t pick = 0;        // which session a kTerminateDb ends (an index into the sorted list)
  std::string failpoint;    // kFailpoint: the entry armed, e.g. "order.after_ship=reply_lost@p0.5"
  bool operator==(const Fault&) const = default;
};

struct ScheduleOptions {
  int64_t window_ms = 30000;           // faults happen within [0, window_ms)
  int64_t mean_gap_ms = 2500;          // mean time between two faults
  int64_t lease_ms = 2000;             // pauses last 0.5 .. 3 leases
  std::vector<std::string> processes;  // what kills and pauses may hit
  std::vector<std::string> edges;      // what network faults may hit
  int64_t deadline_ms = 900;           // delays fall around it
  bool restart_database = false;       // kRestartDb only when the run owns the cluster
  // Failpoints a kFailpoint may arm, by process (common/failpoints.h says what each action means
  // at each kind of point); none: no kFailpoint.
  std::map<std::string, std::vector<std::string>> failpoints;
  // Points of the coordinator (`order.before_<step>`, steps after the pivot) a kRefusal may
  // arm, by process; none: no kRefusal.
  std::map<std::string, std::vector<std::string>> refusals;
};

// What a kRefusal arms at its point: a refusal of the call, never made, that parks its saga.
inline constexpr char kInjectedRefusal[] = "FAILED_PRECONDITION";

// The faults of `seed`, sorted by time. Every kind that is enabled appears at least once when the
// window holds enough faults (the first ones cycle through the kinds), so that a short run still
// covers each kind.
std::vector<Fault> MakeSchedule(uint64_t seed, const ScheduleOptions& options);

// One line per fault, e.g. "  3.120s pause order-b for 2400ms".
std::string FormatFault(const Fault& fault);

}  // namespace oms::chaos
