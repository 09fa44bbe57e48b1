#include "order-service/src/order_rows.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "common/pg_pool.h"
#include "order-service/src/fulfilment.h"

namespace oms::order {

using google::protobuf::util::TimeUtil;

const std::vector<PreparedStatement>& OrderRowStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kOrdersGet, "SELECT " OMS_ORDER_COLUMNS " FROM orders WHERE id = $1::uuid"},
      {kOrdersLock, "SELECT " OMS_ORDER_COLUMNS " FROM orders WHERE id = $1::uuid FOR UPDATE"},
  };
  return kStatements;
}

std::string Hex(const google::protobuf::MessageLite& message) {
  return absl::BytesToHexString(message.SerializeAsString());
}

std::string ShipmentsHex(const google::protobuf::RepeatedPtrField<v1::ShipmentSummary>& shipments) {
  v1::Order order;
  *order.mutable_shipments() = shipments;
  return Hex(order);
}

void FromHex(const pqxx::field& field, google::protobuf::MessageLite* message) {
  if (!field.is_null()) message->ParseFromString(absl::HexStringToBytes(field.as<std::string>()));
}

void ReadOrder(const pqxx::row& row, v1::Order* order) {
  order->Clear();
  FromHex(row["snapshot_hex"], order);
  order->set_id(row["id"].as<std::string>());
  order->set_status(ParseStatus(row["status"].as<std::string>()));
  order->set_rejection_reason(row["rejection_reason"].as<std::string>());
  FromHex(row["allocation_hex"], order->mutable_allocation());
  v1::Order shipments;
  FromHex(row["shipments_hex"], &shipments);
  *order->mutable_shipments() = shipments.shipments();
  const std::string payment_id = row["payment_id"].as<std::string>();
  if (!payment_id.empty()) order->mutable_payment()->set_payment_id(payment_id);
  *order->mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(row["created_micros"].as<int64_t>());
  *order->mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(row["updated_micros"].as<int64_t>());
  order->set_return_status(row["return_status"].as<std::string>());
  order->set_needs_attention(row["needs_attention"].as<bool>());
  ReadBackorders(row["backorders_hex"], order);
  order->set_version(row["version"].as<int64_t>());
}

void ReadBackorders(const pqxx::field& field, v1::Order* order) {
  v1::BackorderState backorders;
  FromHex(field, &backorders);
  *order->mutable_backorder_fills() = backorders.fills();
  order->set_backordered_units(QueuedUnits(order->allocation(), backorders));
}

void ReadTimelineEvent(const pqxx::row& row, v1::TimelineEvent* event) {
  *event->mutable_time() = TimeUtil::MicrosecondsToTimestamp(row["at_micros"].as<int64_t>());
  event->set_source(row["source"].as<std::string>());
  event->set_kind(row["kind"].as<std::string>());
  event->set_detail(row["detail"].as<std::string>());
  event->set_subject(row["subject"].as<std::string>());
}

}  // namespace oms::order
