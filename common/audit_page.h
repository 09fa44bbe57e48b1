// The pages of the read-only audit calls (AuditOrders, AuditOrderFacts) every service answers for
// the cross-service invariant check: keyset pagination by order id. A page answers for every
// order id in (after, last]: a service with several sources of facts (billing: payments,
// invoices, the provider's ledger) reads at most `size` order ids from each, and the page ends
// where the first source that had more ends, so that no order is answered in part. Ids compare
// in byte order (SQL: COLLATE "C"), the order in which a UUID's canonical text sorts as the UUID,
// so pages of services that key orders by uuid and by text can be merged. Pure logic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oms/common/v1/common.pb.h"

namespace oms {

inline constexpr int kDefaultAuditPageSize = 100;
inline constexpr int kMaxAuditPageSize = 500;

struct AuditPage {
  std::string after;  // "" for the first page: every id sorts after it
  int size = kDefaultAuditPageSize;
};

// page_size 0 -> the default, 1..kMaxAuditPageSize as asked, anything else INVALID_ARGUMENT
// naming "page.page_size"; a token this server did not issue: INVALID_ARGUMENT "page.page_token".
[[nodiscard]] absl::StatusOr<AuditPage> ParseAuditPage(const common::v1::AuditPageRequest& request);

// What one source of facts holds after the cursor: how many order ids it read (at most the page
// size) and the greatest of them ("" when none).
struct AuditSourceBound {
  int64_t orders = 0;
  std::string last_order_id;
};

// The range (after, last_order_id] a page answers for, and whether more may follow it.
struct AuditRange {
  std::string last_order_id;  // "" when no source has any order after the cursor
  bool more = false;
};

// A source that read a full page bounds the range at its last id (the least such bound wins);
// when none did, every source is exhausted and the range runs to the greatest id read.
AuditRange AuditRangeOf(const std::vector<AuditSourceBound>& sources, int page_size);

void SetAuditPageResponse(const AuditRange& range, common::v1::AuditPageResponse* out);

}  // namespace oms
