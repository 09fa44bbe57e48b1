#include "order-service/src/parcel_decisions.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "order-service/src/fulfilment.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/pg_saga_writes.h"
#include "order-service/src/sagas/registry.h"

namespace oms::order {
namespace {

constexpr char kShipmentsFind[] = "order_shipments_find";
constexpr char kSagasInsertDecision[] = "sagas_insert_parcel_decision";
constexpr char kSagasFindDecision[] = "sagas_find_parcel_decision";
constexpr char kSagasPhaseOf[] = "sagas_phase_of_subject";

}  // namespace

const std::vector<PreparedStatement>& PgParcelDecisions::Statements() {
  // A shipment has at most one saga of each kind (its subject is the shipment's id); the
  // decision taken is the kind ($2 or $3) of the one found.
  static const std::vector<PreparedStatement> kStatements = {
      {kShipmentsFind,
       "SELECT order_id::text AS order_id, status FROM order_shipments WHERE shipment_id = $1"},
      {kSagasInsertDecision,
       "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
       "VALUES ($1::uuid, 'RUNNING', $2, $3, decode($4, 'hex')) "
       "ON CONFLICT (order_id, kind, subject) DO NOTHING RETURNING id"},
      {kSagasFindDecision,
       "SELECT id, kind FROM sagas "
       "WHERE order_id = $1::uuid AND kind IN ($2, $3) AND subject = $4"},
      {kSagasPhaseOf,
       "SELECT phase FROM sagas WHERE order_id = $1::uuid AND kind = $2 AND subject = $3"},
  };
  return kStatements;
}

absl::StatusOr<StartedDecision> PgParcelDecisions::StartReship(
    const v1::ReshipShipmentRequest& request) {
  return Start(kReshipSagaKind, request.shipment_id(), Hex(request));
}

absl::StatusOr<StartedDecision> PgParcelDecisions::StartRefund(
    const v1::RefundShipmentRequest& request) {
  return Start(kRefundSagaKind, request.shipment_id(), Hex(request));
}

absl::StatusOr<StartedDecision> PgParcelDecisions::Start(const std::string& kind,
                                                         const std::string& shipment_id,
                                                         const std::string& payload_hex) {
  StartedDecision started;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result found = tx.exec_prepared(kShipmentsFind, shipment_id);
    if (found.empty()) {
      return absl::NotFoundError(
          absl::StrCat("shipment_id: ", shipment_id, " is no shipment of an order"));
    }
    started.order_id = found[0]["order_id"].as<std::string>();
    // As every writer of the order's fulfilment does, the order first; then the shipment's row
    // and its sagas as they stand under that lock.
    tx.exec_prepared(kOrdersLock, started.order_id);
    const std::string shipment_status =
        tx.exec_prepared1(kShipmentsFind, shipment_id)["status"].as<std::string>();
    pqxx::result decided = tx.exec_prepared(kSagasFindDecision, started.order_id, kReshipSagaKind,
                                            kRefundSagaKind, shipment_id);
    if (!decided.empty()) {
      const std::string decided_kind = decided[0]["kind"].as<std::string>();
      if (decided_kind != kind) {
        return WithReason(absl::StatusCode::kFailedPrecondition, "SHIPMENT_ALREADY_DECIDED",
                          absl::StrCat("shipment_id: shipment ", shipment_id,
                                       " was decided on already: ", decided_kind));
      }
      started.saga_id = decided[0]["id"].as<std::string>();
      return absl::OkStatus();
    }
    if (!AwaitsParcelDecision(shipment_status)) {
      return WithReason(
          absl::StatusCode::kFailedPrecondition, "SHIPMENT_NOT_RETURNED_TO_SENDER",
          absl::StrCat("shipment_id: shipment ", shipment_id, " is ", shipment_status,
                       "; only a parcel returned to sender or lost waits for a decision"));
    }
    // A refund credits the parcel's invoice: its capture must have been made.
    if (kind == kRefundSagaKind) {
      pqxx::result shipped =
          tx.exec_prepared(kSagasPhaseOf, started.order_id, kShipmentSagaKind, shipment_id);
      if (shipped.empty() || shipped[0]["phase"].as<std::string>() != "COMPLETED") {
        return WithReason(absl::StatusCode::kFailedPrecondition, "SHIPMENT_NOT_SETTLED",
                          absl::StrCat("shipment_id: shipment ", shipment_id,
                                       " is not captured and invoiced yet; decide once it is"));
      }
    }
    pqxx::row inserted =
        tx.exec_prepared1(kSagasInsertDecision, started.order_id, kind, shipment_id, payload_hex);
    started.saga_id = inserted["id"].as<std::string>();
    started.created = true;
    RecountAttention(tx, started.order_id);  // decided: the parcel waits no more
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return started;
}

}  // namespace oms::order
