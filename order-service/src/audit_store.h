// The facts of a page of orders for the cross-service invariant check (AuditOrders): statements
// and row mapping. Keyset pages by orders.id (the primary key; a uuid sorts as its canonical
// text does in byte order, the order every service's pages are merged in), each order's sagas by
// sagas_subject's leading order_id, and the duplicate checks of I6 as lookups in the unique
// indexes on (client_id, idempotency_key) and (channel, external_order_id): a call costs one page
// whatever the history.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "common/audit_page.h"
#include "oms/order/v1/order.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  // The orders of `page` (`page.after` "" or an order id) with their sagas, and the I6 findings
  // among them.
  [[nodiscard]] virtual absl::Status AuditOrders(const AuditPage& page,
                                                 v1::AuditOrdersResponse* out) = 0;
};

class PgAuditStore final : public AuditStore {
 public:
  explicit PgAuditStore(PgPool& pool) : pool_(pool) {}
  // The statements below, for the pool's list.
  static const std::vector<PreparedStatement>& Statements();

  [[nodiscard]] absl::Status AuditOrders(const AuditPage& page,
                                         v1::AuditOrdersResponse* out) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::order
