#include "tests/chaos/history.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace oms::chaos {

void History::Record(Operation operation) {
  std::lock_guard lock(mutex_);
  operations_.push_back(std::move(operation));
}

std::vector<Operation> History::Operations() const {
  std::lock_guard lock(mutex_);
  return operations_;
}

std::map<Outcome, int64_t> History::CountByOutcome(const std::string& action) const {
  std::lock_guard lock(mutex_);
  std::map<Outcome, int64_t> counts;
  for (const Operation& operation : operations_) {
    if (operation.action == action) ++counts[operation.outcome];
  }
  return counts;
}

std::vector<std::string> CheckHistory(const std::vector<Operation>& history,
                                      const OrdersByKey& orders) {
  std::vector<std::string> violations;
  struct KeySeen {
    std::set<std::string> answered;  // order ids ok answers named
    bool only_definite_failures = true;
  };
  std::map<std::pair<std::string, std::string>, KeySeen> keys;
  for (const Operation& operation : history) {
    if (operation.action != "create-order") continue;
    KeySeen& seen = keys[{operation.client, operation.key}];
    if (operation.outcome != Outcome::kFail) seen.only_definite_failures = false;
    if (operation.outcome == Outcome::kOk) seen.answered.insert(operation.order_id);
  }
  for (const auto& [client_key, seen] : keys) {
    const auto& [client, key] = client_key;
    const auto held = orders.find(client_key);
    const std::vector<std::string> none;
    const std::vector<std::string>& held_ids = held == orders.end() ? none : held->second;
    const std::string who = absl::StrCat("client ", client, " key ", key);
    if (held_ids.size() > 1) {
      violations.push_back(absl::StrCat("I6: ", who, " names ", held_ids.size(), " orders"));
    }
    if (seen.answered.size() > 1) {
      violations.push_back(
          absl::StrCat("history: ", who, " was answered with ", seen.answered.size(), " orders"));
    }
    for (const std::string& id : seen.answered) {
      if (held_ids.empty() || held_ids.front() != id) {
        violations.push_back(absl::StrCat("lost: ", who, " was answered with order ", id,
                                          ", which oms does not hold under that key"));
      }
    }
    if (seen.only_definite_failures && !held_ids.empty()) {
      violations.push_back(absl::StrCat(
          "history: ", who, " was refused every time, yet created order ", held_ids.front()));
    }
  }
  return violations;
}

std::string FormatOperation(const Operation& operation) {
  const char* outcome = operation.outcome == Outcome::kOk     ? "ok"
                        : operation.outcome == Outcome::kFail ? "fail"
                                                              : "unknown";
  return absl::StrFormat("%8.3fs %-8s %-13s %-24s %-7s %s %s", operation.at_ms / 1000.0,
                         operation.client, operation.action, operation.key, outcome,
                         operation.order_id, operation.detail);
}

std::vector<std::string> HistoryAround(const std::vector<Operation>& history, int64_t at_ms,
                                       int64_t window_ms) {
  std::vector<std::string> lines;
  for (const Operation& operation : history) {
    if (operation.at_ms >= at_ms - window_ms && operation.at_ms <= at_ms + window_ms) {
      lines.push_back(FormatOperation(operation));
    }
  }
  return lines;
}

}  // namespace oms::chaos
