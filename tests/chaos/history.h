// What the chaos workload did and what it was told, and the checks that need only that and the
// orders oms ended with. Pure logic: the run fills a History and reads the final orders; the
// checks compare them.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace oms::chaos {

// How a call ended, as a client sees it: ok (answered), fail (a definite refusal: the request
// was judged and changed nothing) or unknown (a timeout or an unavailable server: it may have
// taken effect).
enum class Outcome { kOk, kFail, kUnknown };

struct Operation {
  std::string client;  // the caller's client id
  std::string action;  // "create-order", "cancel", "ship", ...
  std::string key;     // create-order: the idempotency key; others: the order id
  std::string body;    // create-order: a digest of the request body (same key, other body)
  Outcome outcome = Outcome::kUnknown;
  std::string order_id;  // the order the answer named, when it named one
  std::string detail;    // status code and message, or the order status
  int64_t at_ms = 0;     // when the call returned, since the run started
};

class History {
 public:
  void Record(Operation operation);
  std::vector<Operation> Operations() const;
  std::map<Outcome, int64_t> CountByOutcome(const std::string& action) const;

 private:
  mutable std::mutex mutex_;
  std::vector<Operation> operations_;
};

// What oms holds at the end: order id by (client, idempotency key).
using OrdersByKey = std::map<std::pair<std::string, std::string>, std::vector<std::string>>;

// The history's promises, checked against the final orders; one line per violation:
// - every order an ok create-order named exists, under its (client, key);
// - one (client, key) names one order: all ok answers for it name the same one, and oms holds
//   at most one;
// - a key whose every attempt was a definite failure created nothing.
std::vector<std::string> CheckHistory(const std::vector<Operation>& history,
                                      const OrdersByKey& orders);

// The operations around `at_ms` (within `window_ms`), one line each, to print next to a violation.
std::vector<std::string> HistoryAround(const std::vector<Operation>& history, int64_t at_ms,
                                       int64_t window_ms);
std::string FormatOperation(const Operation& operation);

}  // namespace oms::chaos
