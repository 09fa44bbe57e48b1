#include "order-service/src/order_database.h"

#include "common/pg_pool.h"
#include "order-service/src/api_keys.h"
#include "order-service/src/audit_store.h"
#include "order-service/src/backorder_fill_store.h"
#include "order-service/src/cancel_store.h"
#include "order-service/src/customer_store.h"
#include "order-service/src/edit_store.h"
#include "order-service/src/event_cursor.h"
#include "order-service/src/event_feed_store.h"
#include "order-service/src/idempotency_records.h"
#include "order-service/src/notification_store.h"
#include "order-service/src/order_repository.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/parcel_decisions.h"
#include "order-service/src/pg_saga_store.h"
#include "order-service/src/pg_saga_writes.h"
#include "order-service/src/return_store.h"
#include "order-service/src/shipment_event_store.h"
#include "order-service/src/webhook_store.h"

namespace oms::order {

const std::vector<PreparedStatement>& OrderDatabaseStatements() {
  static const std::vector<PreparedStatement> kAll = [] {
    std::vector<PreparedStatement> all;
    for (const auto* statements :
         {&OrderRowStatements(), &PgOrderRepository::Statements(), &PgCustomerStore::Statements(),
          &PgReturnStore::Statements(), &PgCancelStore::Statements(), &PgEditStore::Statements(),
          &PgParcelDecisions::Statements(), &PgSagaStore::Statements(), &PgSagaWrites::Statements(),
          &PgShipmentEventStore::Statements(), &PgBackorderFillStore::Statements(),
          &EventCursorStatements(), &PgApiKeyStore::Statements(), &PgIdempotencyStore::Statements(),
          &PgAuditStore::Statements(), &PgEventFeed::Statements(), &PgWebhookStore::Statements(),
          &PgNotificationStore::Statements()}) {
      all.insert(all.end(), statements->begin(), statements->end());
    }
    return all;
  }();
  return kAll;
}

}  // namespace oms::order
