// The shipments, their lines and the cancellation tombstones in PostgreSQL: statements and row
// mapping, each function one step of the caller's transaction. Kinds and statuses cross this
// boundary as enums. What the steps mean and when to take them is decided elsewhere
// (shipment_rules.h, return_rules.h, journal_rules.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "oms/shipping/v1/shipping.pb.h"
#include "shipping-service/src/return_rules.h"
#include "shipping-service/src/validation.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::shipping {

const std::vector<PreparedStatement>& ShipmentStatements();

// A shipment row: the shipment without lines, pick list or journal, whether its shipped
// milestone was announced (the `shipped` column) and whether it was short-picked.
struct ShipmentRow {
  v1::Shipment shipment;
  bool shipped = false;
  bool short_picked = false;
};

// Serializes, to the end of `tx`, create, cancel-by-order and return creation of one order, so a
// tombstone and a create can never both miss each other.
void LockOrder(pqxx::work& tx, const std::string& order_id);

// Whether the order has shipments of `kind` and `order_version` (Shipment.order_version), not
// counting the shipments of backorder fills.
[[nodiscard]] bool OrderHasShipments(pqxx::work& tx, const std::string& order_id,
                                     v1::ShipmentKind kind, std::int64_t order_version);
[[nodiscard]] bool ReturnShipmentExists(pqxx::work& tx, const std::string& order_id,
                                        const std::string& return_id);

// Stores `draft` (NewShipment, with its return_id, replaces_shipment_id,
// resourced_from_shipment_id, backorder_fill_sequence or order_version when it has one) with its
// lines; `out` is the stored shipment (id, times) with the lines.
void InsertShipment(pqxx::work& tx, const v1::Shipment& draft, v1::Shipment* out);

// The shipment that replaces `shipment_id` (CreateReplacementShipment); nullopt while there is
// none.
[[nodiscard]] std::optional<ShipmentRow> FindReplacement(pqxx::work& tx,
                                                         const std::string& shipment_id);

// Whether a shipment from `warehouse_id` already takes over units `short_picked_shipment_id`
// short-picked (CreateShipments with AllocationGroup.resourced_from_shipment_id).
[[nodiscard]] bool ResourcedShipmentExists(pqxx::work& tx,
                                           const std::string& short_picked_shipment_id,
                                           const std::string& warehouse_id);

// Whether the order already has the shipment of backorder fill `fill_sequence` (> 0;
// CreateShipments with AllocationGroup.backorder_fill_sequence).
[[nodiscard]] bool FillShipmentExists(pqxx::work& tx, const std::string& order_id,
                                      std::int64_t fill_sequence);

// nullopt for an unknown id. LockShipment also locks the row to the end of `tx`.
[[nodiscard]] std::optional<ShipmentRow> FindShipment(pqxx::work& tx,
                                                      const std::string& shipment_id);
[[nodiscard]] std::optional<ShipmentRow> LockShipment(pqxx::work& tx,
                                                      const std::string& shipment_id);

// The order's shipments of `kind` (only those from `warehouse_id` in the second form), locked,
// in id order.
[[nodiscard]] std::vector<ShipmentRow> LockShipmentsOfOrder(pqxx::work& tx,
                                                            const std::string& order_id,
                                                            v1::ShipmentKind kind);
[[nodiscard]] std::vector<ShipmentRow> LockShipmentsOfOrder(pqxx::work& tx,
                                                            const std::string& order_id,
                                                            v1::ShipmentKind kind,
                                                            const std::string& warehouse_id);

// Every shipment of the order, oldest first (the shipments of one create in warehouse order).
[[nodiscard]] std::vector<v1::Shipment> ShipmentsOfOrder(pqxx::work& tx,
                                                         const std::string& order_id);

// A page of a warehouse's pick queue (PickQueueQuery, validation.h), with the shipments' lines.
[[nodiscard]] std::vector<v1::Shipment> PickQueuePage(pqxx::work& tx, const PickQueueQuery& query);

// Marks the shipment CANCELLED; sets the status and update time of `shipment` to the stored ones.
void StoreCancelled(pqxx::work& tx, v1::Shipment* shipment);

// Takes `missing` (PlanShortPick's) off the shipment's lines, a line left with none deleted, and
// marks it short-picked with the freight `shipment` has now (the lines left's); sets the update
// time of `shipment` to the stored one.
void StoreShortPick(pqxx::work& tx,
                    const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& missing,
                    v1::Shipment* shipment);

void StoreStatus(pqxx::work& tx, const std::string& shipment_id, v1::ShipmentStatus status,
                 bool shipped, const std::string& tracking_number);

[[nodiscard]] google::protobuf::RepeatedPtrField<v1::ShipmentLine> LinesOf(
    pqxx::work& tx, const std::string& shipment_id);
// Every line of every shipment of the order, by shipment id and line number.
[[nodiscard]] std::vector<OrderLine> LinesOfOrder(pqxx::work& tx, const std::string& order_id);

// The warehouses ("" for the whole order) whose shipping of the order was cancelled before any
// shipment existed.
[[nodiscard]] std::vector<std::string> TombstonedWarehouses(pqxx::work& tx,
                                                            const std::string& order_id);
// Does nothing when the same tombstone exists.
void InsertTombstone(pqxx::work& tx, const std::string& order_id, const std::string& warehouse_id,
                     const std::string& reason);

}  // namespace oms::shipping
