#include "shipping-service/src/shipping_store.h"

#include <map>
#include <optional>
#include <set>

#include <google/protobuf/util/time_util.h>
#include <pqxx/except>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "shipping-service/src/carrier_rules.h"
#include "shipping-service/src/shipment_status.h"
#include "shipping-service/src/shipping_metrics.h"

namespace oms::shipping {
namespace {

using google::protobuf::util::TimeUtil;

#define OMS_MICROS(column) "(extract(epoch FROM " column ") * 1000000)::bigint"
// Read by ReadShipment and ReadJournalEntry in this order.
#define OMS_SHIPMENT_COLUMNS                                                                \
  "id, order_id, kind, warehouse_id, return_id, status, cancelled, shipped, address_name, " \
  "address_line1, address_line2, address_city, address_postal_code, address_region, "       \
  "address_country, carrier, service_level, transport_mode, total_weight_grams, "           \
  "package_count, cost_currency, cost_minor, tracking_number, " OMS_MICROS(                 \
      "created_at") ", " OMS_MICROS("updated_at")
#define OMS_JOURNAL_COLUMNS \
  "j.id, j.type, " OMS_MICROS("j.occurred_at") ", " OMS_MICROS("j.recorded_at") ", "           \
  "j.location, j.note, j.tracking_number, j.proof_uri, j.proof_content_type, j.proof_sha256, " \
  "j.carrier_event_id"

constexpr char kShipmentsLockOrder[] = "shipments_lock_order";
constexpr char kShipmentsCountOutbound[] = "shipments_count_outbound";
constexpr char kShipmentsFindReturn[] = "shipments_find_return";
constexpr char kShipmentsInsert[] = "shipments_insert";
constexpr char kShipmentsGet[] = "shipments_get";
constexpr char kShipmentsLock[] = "shipments_lock";
constexpr char kShipmentsByOrder[] = "shipments_by_order";
constexpr char kShipmentsLockOutbound[] = "shipments_lock_outbound";
constexpr char kShipmentsCancel[] = "shipments_cancel";
constexpr char kShipmentsUpdateStatus[] = "shipments_update_status";
constexpr char kShipmentTombstonesFind[] = "shipment_tombstones_find";
constexpr char kShipmentTombstonesInsert[] = "shipment_tombstones_insert";
constexpr char kCarrierRulesFor[] = "carrier_rules_for";
constexpr char kShipmentLinesInsert[] = "shipment_lines_insert";
constexpr char kShipmentLinesGet[] = "shipment_lines_get";
constexpr char kShipmentLinesByOrder[] = "shipment_lines_by_order";
constexpr char kShipmentLinesDelivered[] = "shipment_lines_delivered";
constexpr char kShipmentLinesReturned[] = "shipment_lines_returned";
constexpr char kShipmentJournalFind[] = "shipment_journal_find";
constexpr char kShipmentJournalInsert[] = "shipment_journal_insert";
constexpr char kShipmentJournalFacts[] = "shipment_journal_facts";
constexpr char kShipmentJournalGet[] = "shipment_journal_get";
constexpr char kShipmentJournalByOrder[] = "shipment_journal_by_order";
constexpr char kOutboxCounterNext[] = "outbox_counter_next";
constexpr char kOutboxEventsInsert[] = "outbox_events_insert";
constexpr char kOutboxEventsNotify[] = "outbox_events_notify";
constexpr char kOutboxEventsList[] = "outbox_events_list";

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // Serializes create, cancel-by-order and return creation of one order, so a tombstone and
      // a create can never both miss each other.
      {kShipmentsLockOrder, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"},
      {kShipmentsCountOutbound,
       "SELECT count(*) FROM shipments WHERE order_id = $1 AND kind = 'OUTBOUND'"},
      {kShipmentsFindReturn,
       "SELECT id FROM shipments WHERE order_id = $1 AND kind = 'RETURN' AND return_id = $2"},
      {kShipmentsInsert,
       "INSERT INTO shipments (order_id, kind, warehouse_id, return_id, status, address_name, "
       "address_line1, address_line2, address_city, address_postal_code, address_region, "
       "address_country, carrier, service_level, transport_mode, total_weight_grams, "
       "package_count, cost_currency, cost_minor) "
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
       "$19) RETURNING " OMS_SHIPMENT_COLUMNS},
      {kShipmentsGet, "SELECT " OMS_SHIPMENT_COLUMNS " FROM shipments WHERE id = $1::uuid"},
      {kShipmentsLock,
       "SELECT " OMS_SHIPMENT_COLUMNS " FROM shipments WHERE id = $1::uuid FOR UPDATE"},
      {kShipmentsByOrder,
       "SELECT " OMS_SHIPMENT_COLUMNS " FROM shipments WHERE order_id = $1 "
       // One call creates several shipments at the same now(): the warehouse orders them.
       "ORDER BY created_at, kind, warehouse_id, id"},
      {kShipmentsLockOutbound,
       "SELECT " OMS_SHIPMENT_COLUMNS " FROM shipments WHERE order_id = $1 AND kind = 'OUTBOUND' "
       "AND ($2 = '' OR warehouse_id = $2) ORDER BY id FOR UPDATE"},
      {kShipmentsCancel,
       "UPDATE shipments SET status = 'CANCELLED', cancelled = true, updated_at = now() "
       "WHERE id = $1::uuid RETURNING " OMS_MICROS("updated_at")},
      {kShipmentsUpdateStatus,
       "UPDATE shipments SET status = $2, shipped = $3, "
       "tracking_number = CASE WHEN $4 = '' THEN tracking_number ELSE $4 END, "
       "updated_at = now() WHERE id = $1::uuid RETURNING tracking_number, " OMS_MICROS(
           "updated_at")},
      {kShipmentTombstonesFind, "SELECT warehouse_id FROM shipment_tombstones WHERE order_id = $1"},
      {kShipmentTombstonesInsert,
       "INSERT INTO shipment_tombstones (order_id, warehouse_id, reason) VALUES ($1, $2, $3) "
       "ON CONFLICT (order_id, warehouse_id) DO NOTHING"},
      {kCarrierRulesFor,
       "SELECT country, region, max_weight_grams, carrier, service_level, transport_mode, "
       "currency, base_cost_minor, per_kg_cost_minor FROM carrier_rules WHERE country = $1"},
      {kShipmentLinesInsert,
       "INSERT INTO shipment_lines (shipment_id, line_no, sku, quantity, unit_weight_grams) "
       "SELECT $1::uuid, t.n, t.sku, t.quantity, t.weight "
       "FROM unnest($2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY "
       "AS t (sku, quantity, weight, n)"},
      {kShipmentLinesGet,
       "SELECT shipment_id::text, sku, quantity, unit_weight_grams FROM shipment_lines "
       "WHERE shipment_id = $1::uuid ORDER BY line_no"},
      {kShipmentLinesByOrder,
       "SELECT l.shipment_id::text, l.sku, l.quantity, l.unit_weight_grams "
       "FROM shipment_lines l JOIN shipments s ON s.id = l.shipment_id "
       "WHERE s.order_id = $1 ORDER BY l.shipment_id, l.line_no"},
      {kShipmentLinesDelivered,
       "SELECT l.sku, sum(l.quantity)::bigint, max(l.unit_weight_grams) "
       "FROM shipment_lines l JOIN shipments s ON s.id = l.shipment_id "
       "WHERE s.order_id = $1 AND s.kind = 'OUTBOUND' AND s.status = 'DELIVERED' GROUP BY l.sku"},
      {kShipmentLinesReturned,
       "SELECT l.sku, sum(l.quantity)::bigint FROM shipment_lines l "
       "JOIN shipments s ON s.id = l.shipment_id "
       "WHERE s.order_id = $1 AND s.kind = 'RETURN' AND NOT s.cancelled GROUP BY l.sku"},
      {kShipmentJournalFind, "SELECT " OMS_JOURNAL_COLUMNS " FROM shipment_journal j "
                             "WHERE j.shipment_id = $1::uuid AND j.dedup_key = $2"},
      {kShipmentJournalInsert,
       "INSERT INTO shipment_journal AS j (shipment_id, type, occurred_at, location, note, "
       "tracking_number, proof_uri, proof_content_type, proof_sha256, carrier_event_id, "
       "dedup_key) VALUES ($1::uuid, $2, timestamptz 'epoch' + $3::bigint * interval "
       "'1 microsecond', $4, $5, $6, $7, $8, $9, $10, $11) RETURNING " OMS_JOURNAL_COLUMNS},
      {kShipmentJournalFacts,
       "SELECT type, " OMS_MICROS("occurred_at") " FROM shipment_journal "
                                                 "WHERE shipment_id = $1::uuid"},
      {kShipmentJournalGet,
       "SELECT j.shipment_id::text, " OMS_JOURNAL_COLUMNS " FROM shipment_journal j "
       "WHERE j.shipment_id = $1::uuid ORDER BY j.id"},
      {kShipmentJournalByOrder,
       "SELECT j.shipment_id::text, " OMS_JOURNAL_COLUMNS " FROM shipment_journal j "
       "JOIN shipments s ON s.id = j.shipment_id WHERE s.order_id = $1 ORDER BY j.id"},
      // The row lock taken here is held to commit: see the migration.
      {kOutboxCounterNext,
       "UPDATE outbox_counter SET last = last + 1 WHERE id = 1 RETURNING last, " OMS_MICROS(
           "now()")},
      {kOutboxEventsInsert,
       "INSERT INTO outbox_events (sequence, type, shipment_id, order_id, payload) "
       "VALUES ($1, $2, $3::uuid, $4, decode($5, 'hex'))"},
      // Delivered to listeners only when the transaction commits.
      {kOutboxEventsNotify, "SELECT pg_notify('oms_shipping_outbox', $1)"},
      {kOutboxEventsList,
       "SELECT sequence, encode(payload, 'hex') FROM outbox_events WHERE sequence > $1 "
       "ORDER BY sequence LIMIT $2"},
  };
  return kStatements;
}

// Metric effects of one transaction, applied only once it committed.
struct Effects {
  std::vector<std::string> created;  // kinds
  int cancelled = 0;
  std::vector<std::pair<std::string, bool>> journal;
  std::vector<std::string> transitions;

  void ApplyTo(ShippingMetrics* metrics) const {
    if (metrics == nullptr) return;
    for (const auto& kind : created) metrics->ShipmentCreated(kind);
    for (int i = 0; i < cancelled; ++i) metrics->ShipmentCancelled();
    for (const auto& [type, duplicate] : journal) metrics->JournalEvent(type, duplicate);
    for (const auto& to : transitions) metrics->StatusTransition(to);
  }
};

v1::TransportMode ParseMode(const std::string& name) {
  v1::TransportMode mode = v1::TRANSPORT_MODE_UNSPECIFIED;
  return v1::TransportMode_Parse("TRANSPORT_MODE_" + name, &mode) ? mode
                                                                  : v1::TRANSPORT_MODE_UNSPECIFIED;
}

std::string ModeName(v1::TransportMode mode) {
  return v1::TransportMode_Name(mode).substr(sizeof("TRANSPORT_MODE_") - 1);
}

// Shipment rows carry no lines, pick list or journal; AttachDetails adds them.
void ReadShipment(const pqxx::row& row, v1::Shipment* shipment) {
  shipment->Clear();
  shipment->set_id(row[0].as<std::string>());
  shipment->set_order_id(row[1].as<std::string>());
  shipment->set_kind(ParseKind(row[2].as<std::string>()));
  shipment->set_warehouse_id(row[3].as<std::string>());
  shipment->set_return_id(row[4].as<std::string>());
  shipment->set_status(ParseStatus(row[5].as<std::string>()));
  auto* address = shipment->mutable_address();
  address->set_name(row[8].as<std::string>());
  address->set_line1(row[9].as<std::string>());
  address->set_line2(row[10].as<std::string>());
  address->set_city(row[11].as<std::string>());
  address->set_postal_code(row[12].as<std::string>());
  address->set_region(row[13].as<std::string>());
  address->set_country(row[14].as<std::string>());
  shipment->set_carrier(row[15].as<std::string>());
  shipment->set_service_level(row[16].as<std::string>());
  shipment->set_transport_mode(ParseMode(row[17].as<std::string>()));
  auto* freight = shipment->mutable_freight();
  freight->set_total_weight_grams(row[18].as<long long>());
  freight->set_package_count(row[19].as<int>());
  freight->mutable_estimated_cost()->set_currency(row[20].as<std::string>());
  freight->mutable_estimated_cost()->set_amount_minor(row[21].as<long long>());
  shipment->set_tracking_number(row[22].as<std::string>());
  *shipment->mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[23].as<long long>());
  *shipment->mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(row[24].as<long long>());
}

bool RowShipped(const pqxx::row& row) { return row[7].as<bool>(); }

// Reads the journal columns starting at `at`.
void ReadJournalEntry(const pqxx::row& row, int at, v1::JournalEntry* entry) {
  entry->Clear();
  entry->set_id(row[at].as<long long>());
  entry->set_type(ParseEventType(row[at + 1].as<std::string>()));
  *entry->mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(row[at + 2].as<long long>());
  *entry->mutable_recorded_at() = TimeUtil::MicrosecondsToTimestamp(row[at + 3].as<long long>());
  entry->set_location(row[at + 4].as<std::string>());
  entry->set_note(row[at + 5].as<std::string>());
  entry->set_tracking_number(row[at + 6].as<std::string>());
  if (!row[at + 7].as<std::string>().empty()) {
    entry->mutable_proof()->set_uri(row[at + 7].as<std::string>());
    entry->mutable_proof()->set_content_type(row[at + 8].as<std::string>());
    entry->mutable_proof()->set_sha256(row[at + 9].as<std::string>());
  }
  entry->set_carrier_event_id(row[at + 10].as<std::string>());
}

void ReadLine(const pqxx::row& row, v1::ShipmentLine* line) {
  line->set_sku(row[1].as<std::string>());
  line->set_quantity(row[2].as<long long>());
  line->set_unit_weight_grams(row[3].as<long long>());
}

void AddPickList(v1::Shipment* shipment) {
  if (shipment->kind() == v1::SHIPMENT_KIND_OUTBOUND) {
    *shipment->mutable_pick_list() = MakePickList(shipment->warehouse_id(), shipment->lines());
  }
}

// Lines, pick list and journal of one shipment.
void AttachDetails(pqxx::work& tx, v1::Shipment* shipment) {
  for (const auto& row : tx.exec_prepared(kShipmentLinesGet, shipment->id())) {
    ReadLine(row, shipment->add_lines());
  }
  AddPickList(shipment);
  for (const auto& row : tx.exec_prepared(kShipmentJournalGet, shipment->id())) {
    ReadJournalEntry(row, 1, shipment->add_journal());
  }
}

// Text-array literals for $n::text[] and $n::bigint[] (libpqxx 6.4 has no array parameters).
std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string IntArray(const std::vector<long long>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

void InsertLines(pqxx::work& tx, const std::string& shipment_id,
                 const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines) {
  std::vector<std::string> skus;
  std::vector<long long> quantities;
  std::vector<long long> weights;
  for (const auto& line : lines) {
    skus.push_back(line.sku());
    quantities.push_back(line.quantity());
    weights.push_back(line.unit_weight_grams());
  }
  tx.exec_prepared(kShipmentLinesInsert, shipment_id, TextArray(skus), IntArray(quantities),
                   IntArray(weights));
}

std::vector<CarrierRule> RulesFor(pqxx::work& tx, const std::string& country) {
  std::vector<CarrierRule> rules;
  for (const auto& row : tx.exec_prepared(kCarrierRulesFor, country)) {
    CarrierRule rule;
    rule.country = row[0].as<std::string>();
    rule.region = row[1].as<std::string>();
    rule.max_weight_grams = row[2].as<long long>();
    rule.carrier = row[3].as<std::string>();
    rule.service_level = row[4].as<std::string>();
    rule.transport_mode = ParseMode(row[5].as<std::string>());
    rule.currency = row[6].as<std::string>();
    rule.base_cost_minor = row[7].as<long long>();
    rule.per_kg_cost_minor = row[8].as<long long>();
    rules.push_back(std::move(rule));
  }
  return rules;
}

// Inserts a PENDING shipment with its lines; `out` gets the row, lines and pick list.
void InsertShipment(pqxx::work& tx, const std::string& order_id, v1::ShipmentKind kind,
                    const std::string& warehouse_id, const std::string& return_id,
                    const common::v1::Address& address, const CarrierRule& rule,
                    const v1::Freight& freight,
                    const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines,
                    v1::Shipment* out) {
  ReadShipment(
      tx.exec_prepared1(kShipmentsInsert, order_id, KindName(kind), warehouse_id, return_id,
                        StatusName(v1::SHIPMENT_STATUS_PENDING), address.name(), address.line1(),
                        address.line2(), address.city(), address.postal_code(), address.region(),
                        address.country(), rule.carrier, rule.service_level,
                        ModeName(rule.transport_mode), freight.total_weight_grams(),
                        freight.package_count(), freight.estimated_cost().currency(),
                        freight.estimated_cost().amount_minor()),
      out);
  InsertLines(tx, out->id(), lines);
  *out->mutable_lines() = lines;
  AddPickList(out);
}

v1::OutboxEvent MakeOutboxEvent(v1::OutboxEventType type, const v1::Shipment& shipment,
                                const v1::JournalEntry* cause) {
  v1::OutboxEvent event;
  event.set_type(type);
  event.set_shipment_id(shipment.id());
  event.set_order_id(shipment.order_id());
  event.set_kind(shipment.kind());
  event.set_warehouse_id(shipment.warehouse_id());
  event.set_status(shipment.status());
  *event.mutable_lines() = shipment.lines();
  if (cause != nullptr) *event.mutable_cause() = *cause;
  event.set_return_id(shipment.return_id());
  return event;
}

// The transaction's last step: numbers the events from the locked counter, stores them and
// notifies listeners (on commit). Taking the counter lock last keeps it held for the shortest time.
void WriteOutbox(pqxx::work& tx, std::vector<v1::OutboxEvent>& events) {
  if (events.empty()) return;
  for (auto& event : events) {
    pqxx::row next = tx.exec_prepared1(kOutboxCounterNext);
    event.set_sequence(next[0].as<long long>());
    *event.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(next[1].as<long long>());
    std::string payload;
    event.SerializeToString(&payload);
    tx.exec_prepared(kOutboxEventsInsert, event.sequence(), OutboxTypeName(event.type()),
                     event.shipment_id(), event.order_id(), absl::BytesToHexString(payload));
  }
  tx.exec_prepared(kOutboxEventsNotify, std::to_string(events.back().sequence()));
}

std::vector<JournalFact> Facts(pqxx::work& tx, const std::string& shipment_id) {
  std::vector<JournalFact> facts;
  for (const auto& row : tx.exec_prepared(kShipmentJournalFacts, shipment_id)) {
    facts.push_back({ParseEventType(row[0].as<std::string>()), row[1].as<long long>()});
  }
  return facts;
}

absl::Status AlreadyShipped(const std::string& shipment_id) {
  return WithReason(absl::StatusCode::kFailedPrecondition, "SHIPMENT_ALREADY_SHIPPED",
                    absl::StrCat("shipment ", shipment_id, " has shipped and cannot be cancelled"));
}

// Cancels the locked shipment of `row` (not yet cancelled, not shipped) and queues its event.
void CancelRow(pqxx::work& tx, const pqxx::row& row, v1::Shipment* shipment,
               std::vector<v1::OutboxEvent>& outbox, Effects& effects) {
  ReadShipment(row, shipment);
  pqxx::row updated = tx.exec_prepared1(kShipmentsCancel, shipment->id());
  shipment->set_status(v1::SHIPMENT_STATUS_CANCELLED);
  *shipment->mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(updated[0].as<long long>());
  AttachDetails(tx, shipment);
  outbox.push_back(MakeOutboxEvent(OutboxTypeFor(shipment->kind(), v1::SHIPMENT_STATUS_CANCELLED),
                                   *shipment, nullptr));
  ++effects.cancelled;
  effects.transitions.push_back(StatusName(v1::SHIPMENT_STATUS_CANCELLED));
}

std::string DedupKey(const v1::RecordShipmentEventRequest& request) {
  if (!request.carrier_event_id().empty()) return "carrier:" + request.carrier_event_id();
  return absl::StrCat("event:", EventTypeName(request.type()), ":",
                      TimeUtil::TimestampToMicroseconds(request.occurred_at()));
}

}  // namespace

const std::vector<PreparedStatement>& PgShippingStore::Statements() {
  static const std::vector<PreparedStatement> kAll = [] {
    std::vector<PreparedStatement> all = OwnStatements();
    const auto& shared = IdempotencyStatements();
    all.insert(all.end(), shared.begin(), shared.end());
    return all;
  }();
  return kAll;
}

absl::Status PgShippingStore::CreateShipments(const v1::CreateShipmentsRequest& request,
                                              v1::CreateShipmentsResponse* out) {
  Effects effects;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    out->Clear();
    effects = Effects();
    auto claim = ClaimRequest(tx, request.request_id(), "CreateShipments", request);
    if (!claim.ok()) return claim.status();
    if (claim->has_value()) {
      out->ParseFromString(**claim);
      return absl::OkStatus();
    }
    tx.exec_prepared(kShipmentsLockOrder, request.order_id());
    std::set<std::string> warehouses;
    for (const auto& group : request.groups()) warehouses.insert(group.warehouse_id());
    for (const auto& row : tx.exec_prepared(kShipmentTombstonesFind, request.order_id())) {
      const std::string warehouse = row[0].as<std::string>();
      if (warehouse.empty() || warehouses.count(warehouse) > 0) {
        return WithReason(absl::StatusCode::kFailedPrecondition, "SHIPMENT_CANCELLED",
                          absl::StrCat("order ", request.order_id(),
                                       ": shipping was cancelled before it was created"));
      }
    }
    if (tx.exec_prepared1(kShipmentsCountOutbound, request.order_id())[0].as<long long>() > 0) {
      return WithReason(absl::StatusCode::kAlreadyExists, "SHIPMENTS_EXIST",
                        absl::StrCat("order ", request.order_id(),
                                     " already has shipments from another request"));
    }
    const std::vector<CarrierRule> rules = RulesFor(tx, request.destination().country());
    std::vector<v1::OutboxEvent> outbox;
    for (const auto& group : request.groups()) {
      const std::int64_t weight = TotalWeightGrams(group.lines());
      auto rule = ChooseCarrier(rules, request.destination(), weight);
      if (!rule.ok()) return rule.status();  // the transaction rolls back: none created
      v1::Shipment* shipment = out->add_shipments();
      InsertShipment(tx, request.order_id(), v1::SHIPMENT_KIND_OUTBOUND, group.warehouse_id(), "",
                     request.destination(), *rule, ComputeFreight(*rule, weight), group.lines(),
                     shipment);
      outbox.push_back(MakeOutboxEvent(v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED, *shipment, nullptr));
      effects.created.push_back(KindName(v1::SHIPMENT_KIND_OUTBOUND));
    }
    WriteOutbox(tx, outbox);
    RecordResponse(tx, request.request_id(), *out);
    return absl::OkStatus();
  });
  if (status.ok()) effects.ApplyTo(metrics_);
  return status;
}

absl::Status PgShippingStore::CancelShipment(const v1::CancelShipmentRequest& request,
                                             v1::CancelShipmentResponse* out) {
  Effects effects;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    out->Clear();
    effects = Effects();
    auto claim = ClaimRequest(tx, request.request_id(), "CancelShipment", request);
    if (!claim.ok()) return claim.status();
    if (claim->has_value()) {
      out->ParseFromString(**claim);
      return absl::OkStatus();
    }
    std::vector<v1::OutboxEvent> outbox;
    if (request.has_shipment_id()) {
      pqxx::result rows = tx.exec_prepared(kShipmentsLock, request.shipment_id());
      if (rows.empty()) {
        return absl::NotFoundError(
            absl::StrCat("shipment_id: shipment ", request.shipment_id(), " does not exist"));
      }
      v1::Shipment* shipment = out->add_shipments();
      ReadShipment(rows[0], shipment);
      if (shipment->status() == v1::SHIPMENT_STATUS_CANCELLED) {
        AttachDetails(tx, shipment);  // already cancelled: nothing to do
      } else if (RowShipped(rows[0])) {
        return AlreadyShipped(shipment->id());
      } else {
        CancelRow(tx, rows[0], shipment, outbox, effects);
      }
    } else {
      const auto& target = request.order();
      tx.exec_prepared(kShipmentsLockOrder, target.order_id());
      pqxx::result rows =
          tx.exec_prepared(kShipmentsLockOutbound, target.order_id(), target.warehouse_id());
      for (const auto& row : rows) {
        if (RowShipped(row)) return AlreadyShipped(row[0].as<std::string>());
      }
      if (rows.empty()) {
        // Nothing to cancel yet: the create may still be on its way. Refuse it when it comes.
        tx.exec_prepared(kShipmentTombstonesInsert, target.order_id(), target.warehouse_id(),
                         request.reason());
        out->set_tombstoned(true);
      }
      for (const auto& row : rows) {
        v1::Shipment* shipment = out->add_shipments();
        if (ParseStatus(row[5].as<std::string>()) == v1::SHIPMENT_STATUS_CANCELLED) {
          ReadShipment(row, shipment);
          AttachDetails(tx, shipment);
        } else {
          CancelRow(tx, row, shipment, outbox, effects);
        }
      }
    }
    WriteOutbox(tx, outbox);
    RecordResponse(tx, request.request_id(), *out);
    return absl::OkStatus();
  });
  if (status.ok()) effects.ApplyTo(metrics_);
  return status;
}

absl::Status PgShippingStore::RecordShipmentEvent(const v1::RecordShipmentEventRequest& request,
                                                  v1::RecordShipmentEventResponse* out) {
  Effects effects;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    out->Clear();
    effects = Effects();
    if (!request.request_id().empty()) {
      auto claim = ClaimRequest(tx, request.request_id(), "RecordShipmentEvent", request);
      if (!claim.ok()) return claim.status();
      if (claim->has_value()) {
        out->ParseFromString(**claim);
        return absl::OkStatus();
      }
    }
    pqxx::result rows = tx.exec_prepared(kShipmentsLock, request.shipment_id());
    if (rows.empty()) {
      return absl::NotFoundError(
          absl::StrCat("shipment_id: shipment ", request.shipment_id(), " does not exist"));
    }
    v1::Shipment shipment;
    ReadShipment(rows[0], &shipment);
    const bool shipped_before = RowShipped(rows[0]);
    absl::Status allowed = EventAllowed(shipment.kind(), request.type());
    if (!allowed.ok()) return allowed;
    const std::string type = EventTypeName(request.type());
    const std::string dedup_key = DedupKey(request);
    pqxx::result existing = tx.exec_prepared(kShipmentJournalFind, shipment.id(), dedup_key);
    if (!existing.empty()) {
      ReadJournalEntry(existing[0], 0, out->mutable_entry());
      out->set_duplicate(true);
      out->set_status(shipment.status());
      effects.journal.push_back({type, true});
    } else {
      if (shipment.status() == v1::SHIPMENT_STATUS_CANCELLED) {
        return WithReason(absl::StatusCode::kFailedPrecondition, "SHIPMENT_CANCELLED",
                          absl::StrCat("shipment ", shipment.id(), " is cancelled"));
      }
      const auto& proof = request.proof();
      ReadJournalEntry(
          tx.exec_prepared1(kShipmentJournalInsert, shipment.id(), type,
                            TimeUtil::TimestampToMicroseconds(request.occurred_at()),
                            request.location(), request.note(), request.tracking_number(),
                            proof.uri(), proof.content_type(), proof.sha256(),
                            request.carrier_event_id(), dedup_key),
          0, out->mutable_entry());
      effects.journal.push_back({type, false});
      const std::vector<JournalFact> facts = Facts(tx, shipment.id());
      const v1::ShipmentStatus before = shipment.status();
      const v1::ShipmentStatus after = DeriveStatus(false, facts);
      const bool shipped_after = HasShipped(facts);
      pqxx::row updated =
          tx.exec_prepared1(kShipmentsUpdateStatus, shipment.id(), StatusName(after), shipped_after,
                            request.tracking_number());
      shipment.set_status(after);
      shipment.set_tracking_number(updated[0].as<std::string>());
      out->set_status(after);
      out->set_status_changed(after != before);
      if (after != before) effects.transitions.push_back(StatusName(after));
      const auto types =
          OutboxEffects(shipment.kind(), before, after, shipped_before, shipped_after);
      if (!types.empty()) {
        for (const auto& row : tx.exec_prepared(kShipmentLinesGet, shipment.id())) {
          ReadLine(row, shipment.add_lines());
        }
        std::vector<v1::OutboxEvent> outbox;
        for (auto outbox_type : types) {
          outbox.push_back(MakeOutboxEvent(outbox_type, shipment, &out->entry()));
        }
        WriteOutbox(tx, outbox);
      }
    }
    if (!request.request_id().empty()) RecordResponse(tx, request.request_id(), *out);
    return absl::OkStatus();
  });
  if (status.ok()) effects.ApplyTo(metrics_);
  return status;
}

absl::Status PgShippingStore::CreateReturnShipment(const v1::CreateReturnShipmentRequest& request,
                                                   v1::Shipment* out) {
  Effects effects;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    out->Clear();
    effects = Effects();
    auto claim = ClaimRequest(tx, request.request_id(), "CreateReturnShipment", request);
    if (!claim.ok()) return claim.status();
    if (claim->has_value()) {
      out->ParseFromString(**claim);
      return absl::OkStatus();
    }
    tx.exec_prepared(kShipmentsLockOrder, request.order_id());
    // What was delivered, less what earlier returns (not cancelled) already take back.
    std::map<std::string, std::pair<long long, long long>> returnable;  // sku -> (qty, weight)
    for (const auto& row : tx.exec_prepared(kShipmentLinesDelivered, request.order_id())) {
      returnable[row[0].as<std::string>()] = {row[1].as<long long>(), row[2].as<long long>()};
    }
    for (const auto& row : tx.exec_prepared(kShipmentLinesReturned, request.order_id())) {
      returnable[row[0].as<std::string>()].first -= row[1].as<long long>();
    }
    google::protobuf::RepeatedPtrField<v1::ShipmentLine> lines;
    for (const auto& wanted : request.lines()) {
      auto it = returnable.find(wanted.sku());
      const long long left = it == returnable.end() ? 0 : it->second.first;
      if (wanted.quantity() > left) {
        return WithReason(absl::StatusCode::kFailedPrecondition, "RETURN_EXCEEDS_DELIVERED",
                          absl::StrCat("lines: ", wanted.quantity(), " x ", wanted.sku(),
                                       " asked, ", left, " delivered and not yet returned"));
      }
      auto* line = lines.Add();
      line->set_sku(wanted.sku());
      line->set_quantity(wanted.quantity());
      line->set_unit_weight_grams(it->second.second);
    }
    const std::int64_t weight = TotalWeightGrams(lines);
    auto rule = ChooseCarrier(RulesFor(tx, request.pickup_address().country()),
                              request.pickup_address(), weight);
    if (!rule.ok()) return rule.status();
    // The order lock is held: no concurrent create of the same return can slip in after this.
    if (!tx.exec_prepared(kShipmentsFindReturn, request.order_id(), request.return_id()).empty()) {
      return WithReason(absl::StatusCode::kAlreadyExists, "RETURN_EXISTS",
                        absl::StrCat("return_id: return ", request.return_id(),
                                     " already has a return shipment"));
    }
    InsertShipment(tx, request.order_id(), v1::SHIPMENT_KIND_RETURN, request.warehouse_id(),
                   request.return_id(), request.pickup_address(), *rule,
                   ComputeFreight(*rule, weight), lines, out);
    std::vector<v1::OutboxEvent> outbox = {
        MakeOutboxEvent(v1::OUTBOX_EVENT_TYPE_RETURN_CREATED, *out, nullptr)};
    WriteOutbox(tx, outbox);
    effects.created.push_back(KindName(v1::SHIPMENT_KIND_RETURN));
    RecordResponse(tx, request.request_id(), *out);
    return absl::OkStatus();
  });
  if (status.ok()) effects.ApplyTo(metrics_);
  return status;
}

absl::Status PgShippingStore::GetShipment(const std::string& shipment_id, v1::Shipment* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_prepared(kShipmentsGet, shipment_id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("shipment ", shipment_id, " does not exist"));
    }
    ReadShipment(rows[0], out);
    AttachDetails(tx, out);
    return absl::OkStatus();
  });
}

absl::Status PgShippingStore::ListShipments(const std::string& order_id,
                                            v1::ListShipmentsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    out->Clear();
    std::map<std::string, v1::Shipment*> by_id;
    for (const auto& row : tx.exec_prepared(kShipmentsByOrder, order_id)) {
      v1::Shipment* shipment = out->add_shipments();
      ReadShipment(row, shipment);
      by_id[shipment->id()] = shipment;
    }
    for (const auto& row : tx.exec_prepared(kShipmentLinesByOrder, order_id)) {
      if (auto it = by_id.find(row[0].as<std::string>()); it != by_id.end()) {
        ReadLine(row, it->second->add_lines());
      }
    }
    for (const auto& row : tx.exec_prepared(kShipmentJournalByOrder, order_id)) {
      if (auto it = by_id.find(row[0].as<std::string>()); it != by_id.end()) {
        ReadJournalEntry(row, 1, it->second->add_journal());
      }
    }
    for (auto& shipment : *out->mutable_shipments()) AddPickList(&shipment);
    return absl::OkStatus();
  });
}

absl::Status PgShippingStore::ListEvents(std::int64_t after_sequence, int limit,
                                         v1::ListEventsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    out->Clear();
    out->set_last_sequence(after_sequence);
    for (const auto& row : tx.exec_prepared(kOutboxEventsList, after_sequence, limit)) {
      if (!out->add_events()->ParseFromString(absl::HexStringToBytes(row[1].as<std::string>()))) {
        return absl::InternalError(
            absl::StrCat("outbox event ", row[0].as<long long>(), " does not parse"));
      }
      out->set_last_sequence(row[0].as<long long>());
    }
    return absl::OkStatus();
  });
}

}  // namespace oms::shipping
