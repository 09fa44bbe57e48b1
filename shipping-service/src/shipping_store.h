// Shipping persistence. The interface lets handler tests run against a fake; PgShippingStore is
// the PostgreSQL implementation, with its statements in shipping_store.cc.
//
// Every change that moves a shipment writes its outbox events in the same transaction, numbered
// from the locked outbox_counter row as the transaction's last step, and NOTIFYs
// kOutboxChannel, which PostgreSQL delivers only when (and if) the transaction commits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::shipping {

class ShippingMetrics;

inline constexpr char kOutboxChannel[] = "oms_shipping_outbox";
inline constexpr int kDefaultEventsLimit = 100;
inline constexpr int kMaxEventsLimit = 500;

class ShippingStore {
 public:
  virtual ~ShippingStore() = default;

  // All shipments or none, once per request id. FAILED_PRECONDITION: DESTINATION_NOT_SERVED,
  // SHIPMENT_CANCELLED (a tombstone); ALREADY_EXISTS (SHIPMENTS_EXIST) when another request
  // already created the order's shipments.
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
  [[nodiscard]] virtual absl::Status GetShipment(const std::string& shipment_id,
                                                 v1::Shipment* out) = 0;
  [[nodiscard]] virtual absl::Status ListShipments(const std::string& order_id,
                                                   v1::ListShipmentsResponse* out) = 0;
  // Up to `limit` events after `after_sequence`, in sequence order.
  [[nodiscard]] virtual absl::Status ListEvents(std::int64_t after_sequence, int limit,
                                                v1::ListEventsResponse* out) = 0;
};

class PgShippingStore : public ShippingStore {
 public:
  // `metrics` may be null (tests).
  PgShippingStore(PgPool& pool, ShippingMetrics* metrics) : pool_(pool), metrics_(metrics) {}

  // Every statement this store uses, for the pool to prepare on each connection.
  static const std::vector<PreparedStatement>& Statements();

  absl::Status CreateShipments(const v1::CreateShipmentsRequest& request,
                               v1::CreateShipmentsResponse* out) override;
  absl::Status CancelShipment(const v1::CancelShipmentRequest& request,
                              v1::CancelShipmentResponse* out) override;
  absl::Status RecordShipmentEvent(const v1::RecordShipmentEventRequest& request,
                                   v1::RecordShipmentEventResponse* out) override;
  absl::Status CreateReturnShipment(const v1::CreateReturnShipmentRequest& request,
                                    v1::Shipment* out) override;
  absl::Status GetShipment(const std::string& shipment_id, v1::Shipment* out) override;
  absl::Status ListShipments(const std::string& order_id, v1::ListShipmentsResponse* out) override;
  absl::Status ListEvents(std::int64_t after_sequence, int limit,
                          v1::ListEventsResponse* out) override;

 private:
  PgPool& pool_;
  ShippingMetrics* metrics_;
};

}  // namespace oms::shipping
