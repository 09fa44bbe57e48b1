// The collector of the cross-service invariant check: pages through the four services' read-only
// audit calls (order-service's AuditOrders, the participants' AuditOrderFacts) over gRPC, merges
// their pages by order id and feeds each window of orders whose facts are complete to the pure
// check (invariant_check.h). Inventory's own CheckInvariants (I1 to I3 within stock) is asked
// once. Each call costs one page; the collector holds at most about one page per service.
//
// The merge: each service answers pages that cover every order id up to their last_order_id
// (common/audit_page.h), in byte order. After each round the ids up to the least of the
// services' covered ids are complete everywhere: that window is checked and dropped, and the
// services whose page ended there are asked for their next page.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/check/invariant_check.h"

namespace grpc {
class Channel;
}

namespace oms::check {

// Channels straight to one replica of each service (not through any proxy or the gateway).
struct SuiteChannels {
  std::shared_ptr<grpc::Channel> order;
  std::shared_ptr<grpc::Channel> inventory;
  std::shared_ptr<grpc::Channel> billing;
  std::shared_ptr<grpc::Channel> shipping;
};

struct AuditOptions {
  int page_size = 200;  // orders per call, 1 to 500
  std::chrono::milliseconds call_timeout{10000};
};

struct SuiteReport {
  std::vector<std::string> violations;  // "<invariant id>: <what>"
  int64_t orders = 0;                   // orders order-service answered for
};

// Every violation in the suite; an error (naming the service and call) only when a service
// cannot be read.
[[nodiscard]] absl::StatusOr<SuiteReport> CheckSuite(const SuiteChannels& channels,
                                                     const CheckOptions& check,
                                                     const AuditOptions& audit = {});

}  // namespace oms::check
