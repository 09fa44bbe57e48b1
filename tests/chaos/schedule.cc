#include "tests/chaos/schedule.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace oms::chaos {

const char* FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kKill:
      return "kill";
    case FaultKind::kPause:
      return "pause";
    case FaultKind::kTerminateDb:
      return "terminate-db-session";
    case FaultKind::kRestartDb:
      return "restart-db";
    case FaultKind::kDelay:
      return "delay";
    case FaultKind::kBlackhole:
      return "blackhole";
    case FaultKind::kDropReplies:
      return "drop-replies";
    case FaultKind::kReset:
      return "reset";
    case FaultKind::kFailpoint:
      return "failpoint";
    case FaultKind::kRefusal:
      return "refusal";
  }
  return "?";
}

bool IsNetworkFault(FaultKind kind) {
  return kind == FaultKind::kDelay || kind == FaultKind::kBlackhole ||
         kind == FaultKind::kDropReplies || kind == FaultKind::kReset;
}

std::vector<Fault> MakeSchedule(uint64_t seed, const ScheduleOptions& options) {
  // mt19937_64 and the hand-rolled draws below are specified exactly by the standard, unlike the
  // std:: distributions, so a seed means the same schedule with every standard library.
  std::mt19937_64 random(seed);
  auto below = [&](uint64_t bound) { return bound == 0 ? 0 : random() % bound; };
  auto between = [&](int64_t low, int64_t high) {
    return low + static_cast<int64_t>(below(static_cast<uint64_t>(high - low + 1)));
  };

  // A process of `points` becomes the fault's target; one of its points is returned.
  auto pick_point = [&](const std::map<std::string, std::vector<std::string>>& points,
                        Fault& fault) {
    auto process = points.begin();
    std::advance(process, below(points.size()));
    fault.target = process->first;
    return process->second[below(process->second.size())];
  };

  std::vector<FaultKind> kinds;
  if (!options.processes.empty()) kinds = {FaultKind::kKill, FaultKind::kPause};
  kinds.push_back(FaultKind::kTerminateDb);
  if (options.restart_database) kinds.push_back(FaultKind::kRestartDb);
  if (!options.edges.empty()) {
    for (FaultKind kind :
         {FaultKind::kDelay, FaultKind::kBlackhole, FaultKind::kDropReplies, FaultKind::kReset}) {
      kinds.push_back(kind);
    }
  }

  if (!options.failpoints.empty()) kinds.push_back(FaultKind::kFailpoint);
  if (!options.refusals.empty()) kinds.push_back(FaultKind::kRefusal);

  std::vector<Fault> faults;
  std::map<std::string, int64_t> busy_until;  // a process takes one fault at a time
  int64_t database_busy_until = 0;
  int64_t at = between(options.mean_gap_ms / 4, options.mean_gap_ms);
  while (at < options.window_ms) {
    Fault fault;
    fault.at_ms = at;
    // The first faults placed take each kind in turn (one that found its target busy is tried
    // again at the next slot), then kinds come at random.
    fault.kind = faults.size() < kinds.size() ? kinds[faults.size()] : kinds[below(kinds.size())];
    switch (fault.kind) {
      case FaultKind::kKill:
        fault.target = options.processes[below(options.processes.size())];
        fault.duration_ms = between(0, 1000);
        break;
      case FaultKind::kPause:
        fault.target = options.processes[below(options.processes.size())];
        fault.duration_ms = between(options.lease_ms / 2, options.lease_ms * 3);
        break;
      case FaultKind::kTerminateDb:
        fault.pick = random();
        break;
      case FaultKind::kRestartDb:
        break;
      case FaultKind::kDelay:
        fault.target = options.edges[below(options.edges.size())];
        fault.duration_ms = between(1000, 4000);
        fault.latency_ms = between(options.deadline_ms / 2, options.deadline_ms * 3 / 2);
        break;
      case FaultKind::kBlackhole:
      case FaultKind::kDropReplies:
        fault.target = options.edges[below(options.edges.size())];
        fault.duration_ms = between(500, 4000);
        break;
      case FaultKind::kReset:
        fault.target = options.edges[below(options.edges.size())];
        break;
      case FaultKind::kFailpoint: {
        const std::string point = pick_point(options.failpoints, fault);
        fault.duration_ms = between(1000, 4000);
        // Transient failures only (a run of them parks nothing): a stall around the deadline,
        // a retryable error, or an answer lost after the work was done; on every hit or half.
        std::string action;
        switch (below(3)) {
          case 0:
            action = absl::StrFormat("sleep(%d)",
                                     between(options.deadline_ms / 2, options.deadline_ms * 3 / 2));
            break;
          case 1:
            action = "error(UNAVAILABLE)";
            break;
          default:
            action = "reply_lost";
            break;
        }
        fault.failpoint = absl::StrCat(point, "=", action, below(2) == 0 ? "@p0.5" : "");
        break;
      }
      case FaultKind::kRefusal: {
        const std::string point = pick_point(options.refusals, fault);
        fault.duration_ms = between(300, 1500);
        fault.failpoint = absl::StrCat(point, "=error(", kInjectedRefusal, ")");
        break;
      }
    }
    at += between(options.mean_gap_ms / 2, options.mean_gap_ms * 3 / 2);
    const bool on_process = !fault.target.empty();
    if (on_process && busy_until[fault.target] > fault.at_ms) continue;
    if (fault.kind == FaultKind::kRestartDb && database_busy_until > fault.at_ms) continue;
    if (on_process) busy_until[fault.target] = fault.at_ms + fault.duration_ms + 1;
    // A restart takes a few seconds; another one meanwhile would only fail.
    if (fault.kind == FaultKind::kRestartDb) database_busy_until = fault.at_ms + 10000;
    faults.push_back(fault);
  }
  return faults;
}

std::string FormatFault(const Fault& fault) {
  std::string line = absl::StrFormat("%8.3fs %s", fault.at_ms / 1000.0, FaultKindName(fault.kind));
  if (!fault.target.empty()) absl::StrAppendFormat(&line, " %s", fault.target);
  if (fault.kind == FaultKind::kKill)
    absl::StrAppendFormat(&line, ", down %dms", fault.duration_ms);
  const bool armed = fault.kind == FaultKind::kFailpoint || fault.kind == FaultKind::kRefusal;
  if (armed) absl::StrAppendFormat(&line, " %s", fault.failpoint);
  if (fault.kind == FaultKind::kPause || fault.kind == FaultKind::kBlackhole ||
      fault.kind == FaultKind::kDropReplies || armed) {
    absl::StrAppendFormat(&line, " for %dms", fault.duration_ms);
  }
  if (fault.kind == FaultKind::kDelay) {
    absl::StrAppendFormat(&line, " by %dms for %dms", fault.latency_ms, fault.duration_ms);
  }
  if (fault.kind == FaultKind::kTerminateDb)
    absl::StrAppendFormat(&line, " #%d", fault.pick % 1000);
  return line;
}

}  // namespace oms::chaos
