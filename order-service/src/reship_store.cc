#include "order-service/src/reship_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/pg_saga_writes.h"
#include "order-service/src/sagas/registry.h"

namespace oms::order {
namespace {

constexpr char kShipmentsFind[] = "order_shipments_find";
constexpr char kSagasInsertReship[] = "sagas_insert_reship";
constexpr char kSagasFindReship[] = "sagas_find_reship";

}  // namespace

const std::vector<PreparedStatement>& PgReshipStore::Statements() {
  // A shipment has at most one RESHIP saga (its subject is the shipment's id).
  static const std::vector<PreparedStatement> kStatements = {
      {kShipmentsFind,
       "SELECT order_id::text AS order_id, status FROM order_shipments WHERE shipment_id = $1"},
      {kSagasInsertReship,
       "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
       "VALUES ($1::uuid, 'RUNNING', $2, $3, decode($4, 'hex')) "
       "ON CONFLICT (order_id, kind, subject) DO NOTHING RETURNING id"},
      {kSagasFindReship,
       "SELECT id FROM sagas WHERE order_id = $1::uuid AND kind = $2 AND subject = $3"},
  };
  return kStatements;
}

absl::StatusOr<StartedReship> PgReshipStore::StartReship(const v1::ReshipShipmentRequest& request) {
  StartedReship started;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result found = tx.exec_prepared(kShipmentsFind, request.shipment_id());
    if (found.empty()) {
      return absl::NotFoundError(
          absl::StrCat("shipment_id: ", request.shipment_id(), " is no shipment of an order"));
    }
    started.order_id = found[0]["order_id"].as<std::string>();
    // As every writer of the order's fulfilment does, the order first; then the shipment's row
    // as it stands under that lock.
    tx.exec_prepared(kOrdersLock, started.order_id);
    const std::string shipment_status =
        tx.exec_prepared1(kShipmentsFind, request.shipment_id())["status"].as<std::string>();
    pqxx::result existing = tx.exec_prepared(kSagasFindReship, started.order_id, kReshipSagaKind,
                                             request.shipment_id());
    if (!existing.empty()) {
      started.saga_id = existing[0]["id"].as<std::string>();
      return absl::OkStatus();
    }
    if (shipment_status != "SHIPMENT_STATUS_RETURNED_TO_SENDER") {
      return WithReason(
          absl::StatusCode::kFailedPrecondition, "SHIPMENT_NOT_RETURNED_TO_SENDER",
          absl::StrCat("shipment_id: shipment ", request.shipment_id(), " is ", shipment_status,
                       "; only a parcel returned to sender is "
                       "shipped again"));
    }
    pqxx::row inserted = tx.exec_prepared1(kSagasInsertReship, started.order_id, kReshipSagaKind,
                                           request.shipment_id(), Hex(request));
    started.saga_id = inserted["id"].as<std::string>();
    started.created = true;
    RecountAttention(tx, started.order_id);  // decided: the parcel waits no more
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return started;
}

}  // namespace oms::order
