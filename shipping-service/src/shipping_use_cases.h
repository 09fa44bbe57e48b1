// What shipping-service does, one call per RPC: the port the gRPC handlers (and the event stream)
// call, so that handler tests can run against a fake. PgShippingUseCases is the PostgreSQL
// implementation: each call is one transaction that claims its request id (oms::RunOnce), reads
// through the stores (*_store.h), asks the pure rules (*_rules.h, shipment_status.h) and writes
// through the stores, its outbox events last. Metrics count effects once they committed, never
// for a replayed request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/audit_page.h"
#include "oms/shipping/v1/shipping.pb.h"
#include "shipping-service/src/proof_store.h"
#include "shipping-service/src/validation.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::shipping {

class ShippingMetrics;

inline constexpr int kDefaultEventsLimit = 100;
inline constexpr int kMaxEventsLimit = 500;

class ShippingUseCases {
 public:
  virtual ~ShippingUseCases() = default;

  // All shipments or none, once per request id. FAILED_PRECONDITION: DESTINATION_NOT_SERVED,
  // SHIPMENT_CANCELLED (a tombstone); ALREADY_EXISTS (SHIPMENTS_EXIST) when another request
  // already created the shipments of the order version a first group ships (or a re-sourced
  // group's, or a backorder fill's); INVALID_ARGUMENT naming `groups[i].resourced_from_shipment_id`
  // unless it names an outbound shipment of the order.
  [[nodiscard]] virtual absl::Status CreateShipments(const v1::CreateShipmentsRequest& request,
                                                     v1::CreateShipmentsResponse* out) = 0;
  // NOT_FOUND for an unknown shipment id; FAILED_PRECONDITION (SHIPMENT_ALREADY_SHIPPED) when a
  // target has shipped, and then nothing is cancelled. Cancelling a cancelled shipment is OK.
  [[nodiscard]] virtual absl::Status CancelShipment(const v1::CancelShipmentRequest& request,
                                                    v1::CancelShipmentResponse* out) = 0;
  // NOT_FOUND; INVALID_ARGUMENT (type) for an event the shipment's kind never has;
  // FAILED_PRECONDITION (SHIPMENT_CANCELLED) for a cancelled shipment.
  [[nodiscard]] virtual absl::Status RecordShipmentEvent(
      const v1::RecordShipmentEventRequest& request, v1::RecordShipmentEventResponse* out) = 0;
  // FAILED_PRECONDITION: RETURN_EXCEEDS_DELIVERED, DESTINATION_NOT_SERVED; ALREADY_EXISTS
  // (RETURN_EXISTS) for a second return shipment of the same return id.
  [[nodiscard]] virtual absl::Status CreateReturnShipment(
      const v1::CreateReturnShipmentRequest& request, v1::Shipment* out) = 0;
  // The replacement of an outbound shipment RETURNED_TO_SENDER, or the one it already has (made
  // under any request id). NOT_FOUND; FAILED_PRECONDITION: SHIPMENT_NOT_RETURNED_TO_SENDER,
  // DESTINATION_NOT_SERVED.
  [[nodiscard]] virtual absl::Status CreateReplacementShipment(
      const v1::CreateReplacementShipmentRequest& request, v1::Shipment* out) = 0;
  // Takes the units a warehouse could not pick off an outbound shipment not yet shipped, once per
  // shipment; the shipment after it (CANCELLED when none is left). NOT_FOUND (also for another
  // warehouse's shipment, for a warehouse-bound request); FAILED_PRECONDITION:
  // ALREADY_SHORT_PICKED, SHIPMENT_NOT_PICKABLE; INVALID_ARGUMENT naming `missing[i]` for units
  // the shipment does not have.
  [[nodiscard]] virtual absl::Status ReportShortPick(const v1::ReportShortPickRequest& request,
                                                     v1::Shipment* out) = 0;
  [[nodiscard]] virtual absl::Status GetShipment(const std::string& shipment_id,
                                                 v1::Shipment* out) = 0;
  [[nodiscard]] virtual absl::Status ListShipments(const std::string& order_id,
                                                   v1::ListShipmentsResponse* out) = 0;
  // A page of the warehouse's pick queue; `next_page_token` set when more follow.
  [[nodiscard]] virtual absl::Status ListPickQueue(const PickQueueQuery& query,
                                                   v1::ListPickQueueResponse* out) = 0;
  // Up to `limit` events after `after_sequence`, in sequence order.
  [[nodiscard]] virtual absl::Status ListEvents(std::int64_t after_sequence, int limit,
                                                v1::ListEventsResponse* out) = 0;
  // Read only: the shipments of a page of orders, for the cross-service invariant check.
  [[nodiscard]] virtual absl::Status AuditOrderFacts(const AuditPage& page,
                                                     v1::AuditOrderFactsResponse* out) = 0;
  // Stores a validated image (ValidateUploadProof) for the shipment and records that it belongs
  // to it. NOT_FOUND for an unknown shipment, or another warehouse's for a warehouse-bound
  // request; FAILED_PRECONDITION (PROOF_STORE_NOT_CONFIGURED) without a proof store.
  [[nodiscard]] virtual absl::Status UploadProof(const v1::UploadProofRequest& request,
                                                 v1::ProofOfDelivery* out) {
    (void)request;
    (void)out;
    return absl::UnimplementedError("UploadProof");
  }
  // A proof uploaded for that shipment; NOT_FOUND for any other.
  [[nodiscard]] virtual absl::Status GetProof(const v1::GetProofRequest& request,
                                              v1::ProofFile* out) {
    (void)request;
    (void)out;
    return absl::UnimplementedError("GetProof");
  }
};

class PgShippingUseCases : public ShippingUseCases {
 public:
  // `metrics` may be null (tests); so may `proofs`, and then uploads are refused
  // (PROOF_STORE_NOT_CONFIGURED).
  PgShippingUseCases(PgPool& pool, ShippingMetrics* metrics, ProofStore* proofs = nullptr)
      : pool_(pool), metrics_(metrics), proofs_(proofs) {}

  // Every statement of every store the use cases call, for the pool to prepare on each
  // connection.
  static const std::vector<PreparedStatement>& Statements();

  absl::Status CreateShipments(const v1::CreateShipmentsRequest& request,
                               v1::CreateShipmentsResponse* out) override;
  absl::Status CancelShipment(const v1::CancelShipmentRequest& request,
                              v1::CancelShipmentResponse* out) override;
  absl::Status RecordShipmentEvent(const v1::RecordShipmentEventRequest& request,
                                   v1::RecordShipmentEventResponse* out) override;
  absl::Status CreateReturnShipment(const v1::CreateReturnShipmentRequest& request,
                                    v1::Shipment* out) override;
  absl::Status CreateReplacementShipment(const v1::CreateReplacementShipmentRequest& request,
                                         v1::Shipment* out) override;
  absl::Status ReportShortPick(const v1::ReportShortPickRequest& request,
                               v1::Shipment* out) override;
  absl::Status GetShipment(const std::string& shipment_id, v1::Shipment* out) override;
  absl::Status ListShipments(const std::string& order_id, v1::ListShipmentsResponse* out) override;
  absl::Status ListPickQueue(const PickQueueQuery& query, v1::ListPickQueueResponse* out) override;
  absl::Status ListEvents(std::int64_t after_sequence, int limit,
                          v1::ListEventsResponse* out) override;
  absl::Status AuditOrderFacts(const AuditPage& page, v1::AuditOrderFactsResponse* out) override;
  absl::Status UploadProof(const v1::UploadProofRequest& request,
                           v1::ProofOfDelivery* out) override;
  absl::Status GetProof(const v1::GetProofRequest& request, v1::ProofFile* out) override;

 private:
  PgPool& pool_;
  ShippingMetrics* metrics_;
  ProofStore* proofs_;
};

}  // namespace oms::shipping
