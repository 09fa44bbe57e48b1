#include "tests/chaos/injector.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <pqxx/pqxx>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/testing/pg_test_database.h"

namespace oms::chaos {
namespace {

using Clock = std::chrono::steady_clock;

std::string EnvOr(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// The database a libpq URL names: what follows its last '/', up to any '?'.
std::string DatabaseName(const std::string& url) {
  std::string name = url.substr(url.rfind('/') + 1);
  return name.substr(0, name.find('?'));
}

bool IsOrderReplica(const std::string& name) { return name.rfind("order-", 0) == 0; }

}  // namespace

bool OwnsDatabaseCluster() {
  return !EnvOr("OMS_TEST_PG_DIR").empty() && !EnvOr("OMS_PG_BINDIR").empty();
}

Injector::Injector(Topology& topology, std::vector<Fault> schedule)
    : topology_(topology), schedule_(std::move(schedule)) {
  for (size_t i = 0; i < schedule_.size(); ++i) {
    actions_.push_back({schedule_[i].at_ms, false, i});
    actions_.push_back({schedule_[i].at_ms + schedule_[i].duration_ms, true, i});
  }
  std::stable_sort(actions_.begin(), actions_.end(),
                   [](const Action& a, const Action& b) { return a.at_ms < b.at_ms; });
}

void Injector::Note(const std::string& line) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  log_.push_back(absl::StrFormat("%8.3fs %s", seconds, line));
  std::cerr << "chaos: " << log_.back() << std::endl;
}

void Injector::Run(Clock::time_point start, const std::atomic<bool>& stop) {
  start_ = start;
  while (!stop) {
    if (next_ == actions_.size()) {
      PollTakeovers();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    const Action& action = actions_[next_];
    const auto due = start_ + std::chrono::milliseconds(action.at_ms);
    if (Clock::now() < due) {
      PollTakeovers();
      std::this_thread::sleep_for(
          std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(100)));
      continue;
    }
    Apply(action);
    ++next_;
  }
}

std::vector<std::string> Injector::Heal() {
  std::vector<std::string> findings;
  for (; next_ < actions_.size(); ++next_) {
    if (actions_[next_].end) Apply(actions_[next_]);
  }
  for (const std::string& name : topology_.ProcessNames()) {
    auto& process = topology_.Process(name);
    auto exited = process.process().WaitForExit(std::chrono::milliseconds(0));
    if (!exited.ok() && process.process().running()) continue;
    findings.push_back(
        absl::StrCat(name, " exited by itself (wait status ", exited.ok() ? *exited : -1, ")"));
    RestartUntilServing(name);
  }
  Note("healed");
  return findings;
}

void Injector::Apply(const Action& action) {
  const Fault& fault = schedule_[action.fault];
  if (action.end) {
    EndFault(fault);
  } else {
    StartFault(fault);
  }
}

void Injector::StartFault(const Fault& fault) {
  ++faults_by_kind_[FaultKindName(fault.kind)];
  RecordCoverage(fault);
  Note(absl::StrCat("start ", FormatFault(fault)));
  switch (fault.kind) {
    case FaultKind::kKill: {
      if (IsOrderReplica(fault.target)) WatchTakeover(fault.target);
      auto& process = topology_.Process(fault.target).process();
      if (process.running()) (void)process.Stop(SIGKILL, std::chrono::seconds(5));
      break;
    }
    case FaultKind::kPause:
      if (IsOrderReplica(fault.target)) WatchTakeover(fault.target);
      if (topology_.Process(fault.target).process().running()) {
        kill(topology_.Process(fault.target).process().pid(), SIGSTOP);
      }
      break;
    case FaultKind::kTerminateDb: {
      try {
        pqxx::connection admin(testing::TestPgUrl());
        pqxx::work tx(admin);
        // The sessions of this run's services only.
        const SuiteDatabases databases = topology_.databases();
        pqxx::result sessions = tx.exec_params(
            "SELECT pid FROM pg_stat_activity WHERE datname IN ($1, $2, $3, $4) "
            "AND pid <> pg_backend_pid() ORDER BY pid",
            DatabaseName(databases.order), DatabaseName(databases.inventory),
            DatabaseName(databases.billing), DatabaseName(databases.shipping));
        if (!sessions.empty()) {
          const int pid = sessions[fault.pick % sessions.size()]["pid"].as<int>();
          tx.exec_params("SELECT pg_terminate_backend($1)", pid);
          Note(absl::StrCat("terminated backend ", pid, " of ", sessions.size()));
        }
        tx.commit();
      } catch (const std::exception& e) {
        Note(absl::StrCat("could not terminate a session: ", e.what()));
      }
      break;
    }
    case FaultKind::kDelay:
      topology_.Edge(fault.target).Set(NetworkMode::kDelay, static_cast<int>(fault.latency_ms));
      break;
    case FaultKind::kBlackhole:
      topology_.Edge(fault.target).Set(NetworkMode::kBlackhole);
      break;
    case FaultKind::kDropReplies:
      topology_.Edge(fault.target).Set(NetworkMode::kDropReplies);
      break;
    case FaultKind::kReset:
      topology_.Edge(fault.target).ResetAll();
      break;
    case FaultKind::kFailpoint:
    case FaultKind::kRefusal:
      topology_.ArmFailpoint(fault.target, fault.failpoint);
      break;
    case FaultKind::kRestartDb: {
      const std::string command =
          absl::StrCat("runuser -u postgres -- '", EnvOr("OMS_PG_BINDIR"), "/pg_ctl' -D '",
                       EnvOr("OMS_TEST_PG_DIR"), "/data' -l '", EnvOr("OMS_TEST_PG_DIR"),
                       "/postgres.log' -w -t 60 -m immediate restart >/dev/null");
      const int rc = std::system(command.c_str());
      Note(absl::StrCat("database restarted (exit status ", rc, ")"));
      break;
    }
  }
}

void Injector::EndFault(const Fault& fault) {
  switch (fault.kind) {
    case FaultKind::kKill:
      RestartUntilServing(fault.target);
      Note(absl::StrCat("restarted ", fault.target));
      break;
    case FaultKind::kPause:
      if (topology_.Process(fault.target).process().running()) {
        kill(topology_.Process(fault.target).process().pid(), SIGCONT);
      }
      Note(absl::StrCat("resumed ", fault.target));
      break;
    case FaultKind::kDelay:
    case FaultKind::kBlackhole:
    case FaultKind::kDropReplies:
      topology_.Edge(fault.target).Set(NetworkMode::kPass);
      Note(absl::StrCat("healed ", fault.target));
      break;
    case FaultKind::kFailpoint:
    case FaultKind::kRefusal:
      topology_.ArmFailpoint(fault.target, "");
      Note(absl::StrCat("disarmed ", fault.target));
      break;
    case FaultKind::kTerminateDb:
    case FaultKind::kRestartDb:
    case FaultKind::kReset:
      break;
  }
}

void Injector::RestartUntilServing(const std::string& name) {
  // Right after a database restart a service may fail to start (its migrations cannot connect):
  // that is the fault, not a finding; try again.
  for (int attempt = 0; attempt < 10; ++attempt) {
    absl::Status restarted = topology_.Process(name).Restart();
    if (restarted.ok()) return;
    Note(absl::StrCat("restart of ", name, " failed: ", restarted.message().substr(0, 200)));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

void Injector::RecordCoverage(const Fault& fault) {
  try {
    pqxx::connection order(topology_.databases().order);
    pqxx::work tx(order);
    pqxx::result open = tx.exec(
        "SELECT kind, step, phase, count(*) AS sagas FROM sagas "
        "WHERE phase IN ('RUNNING', 'COMPENSATING') GROUP BY kind, step, phase");
    for (const auto& row : open) {
      ++coverage_[absl::StrCat(FaultKindName(fault.kind), " x ", row["kind"].as<std::string>(), "/",
                               row["phase"].as<std::string>() == "RUNNING" ? "" : "undo-",
                               row["step"].as<int>())];
    }
  } catch (const std::exception& e) {
    Note(absl::StrCat("coverage not read: ", e.what()));
  }
}

void Injector::WatchTakeover(const std::string& instance) {
  Takeover takeover{Clock::now(), {}};
  try {
    pqxx::connection order(topology_.databases().order);
    pqxx::work tx(order);
    pqxx::result held = tx.exec_params(
        "SELECT id::text AS id, lease_epoch FROM sagas WHERE lease_owner = $1 "
        "AND phase IN ('RUNNING', 'COMPENSATING') AND lease_expires_at > now()",
        instance);
    for (const auto& row : held) {
      takeover.epochs[row["id"].as<std::string>()] = row["lease_epoch"].as<int64_t>();
    }
  } catch (const std::exception& e) {
    Note(absl::StrCat("leases not read: ", e.what()));
  }
  if (!takeover.epochs.empty()) takeovers_.push_back(std::move(takeover));
}

void Injector::PollTakeovers() {
  if (takeovers_.empty()) return;
  try {
    pqxx::connection order(topology_.databases().order);
    pqxx::work tx(order);
    for (auto it = takeovers_.begin(); it != takeovers_.end();) {
      bool moved = true;
      for (const auto& [id, epoch] : it->epochs) {
        pqxx::result row = tx.exec_params(
            "SELECT phase IN ('RUNNING', 'COMPENSATING') AS open, lease_epoch FROM sagas "
            "WHERE id = $1::uuid",
            id);
        if (!row.empty() && row[0]["open"].as<bool>() &&
            row[0]["lease_epoch"].as<int64_t>() <= epoch) {
          moved = false;
          break;
        }
      }
      if (moved) {
        takeover_ms_.push_back(
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - it->since)
                .count());
        it = takeovers_.erase(it);
      } else {
        ++it;
      }
    }
  } catch (const std::exception&) {
    // The database may be restarting; poll again later.
  }
}

void Injector::FinishTakeovers(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!takeovers_.empty() && Clock::now() < deadline) {
    PollTakeovers();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace oms::chaos
