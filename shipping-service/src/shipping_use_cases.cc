#include "shipping-service/src/shipping_use_cases.h"

#include <map>
#include <optional>
#include <set>
#include <utility>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "shipping-service/src/audit_store.h"
#include "shipping-service/src/carrier_rules.h"
#include "shipping-service/src/carrier_rules_store.h"
#include "shipping-service/src/journal_rules.h"
#include "shipping-service/src/journal_store.h"
#include "shipping-service/src/outbox_store.h"
#include "shipping-service/src/proof_rules.h"
#include "shipping-service/src/proofs_store.h"
#include "shipping-service/src/return_rules.h"
#include "shipping-service/src/shipment_rules.h"
#include "shipping-service/src/shipment_status.h"
#include "shipping-service/src/shipments_store.h"
#include "shipping-service/src/shipping_metrics.h"
#include "shipping-service/src/short_pick_rules.h"

namespace oms::shipping {
namespace {

// What one transaction announces and counts: its outbox events, written as its last statement
// (WriteOutbox), and its metric effects, applied only once it committed.
struct Effects {
  std::vector<v1::OutboxEvent> outbox;
  std::vector<v1::ShipmentKind> created;
  int cancelled = 0;
  std::vector<std::pair<v1::ShipmentEventType, bool>> journal;  // (type, duplicate)
  std::vector<v1::ShipmentStatus> transitions;

  void ApplyTo(ShippingMetrics* metrics) const {
    if (metrics == nullptr) return;
    for (auto kind : created) metrics->ShipmentCreated(KindName(kind));
    for (int i = 0; i < cancelled; ++i) metrics->ShipmentCancelled();
    for (const auto& [type, duplicate] : journal) {
      metrics->JournalEvent(EventTypeName(type), duplicate);
    }
    for (auto to : transitions) metrics->StatusTransition(StatusName(to));
  }
};

absl::Status UnknownShipment(const std::string& shipment_id) {
  return absl::NotFoundError(
      absl::StrCat("shipment_id: shipment ", shipment_id, " does not exist"));
}

// Lines, pick list and journal of one shipment.
void AttachDetails(pqxx::work& tx, v1::Shipment* shipment) {
  *shipment->mutable_lines() = LinesOf(tx, shipment->id());
  AddPickList(shipment);
  for (auto& entry : JournalOf(tx, shipment->id())) *shipment->add_journal() = std::move(entry);
}

// Stores `draft` as `out` and queues the event announcing it.
void StoreNewShipment(pqxx::work& tx, const v1::Shipment& draft, v1::Shipment* out,
                      Effects& effects) {
  InsertShipment(tx, draft, out);
  AddPickList(out);
  effects.outbox.push_back(
      MakeOutboxEvent(OutboxTypeFor(out->kind(), out->status()), *out, nullptr));
  effects.created.push_back(out->kind());
}

std::vector<CancelTarget> CancelTargets(const std::vector<ShipmentRow>& rows) {
  std::vector<CancelTarget> targets;
  for (const ShipmentRow& row : rows) {
    targets.push_back({row.shipment.id(), row.shipment.status(), row.shipped});
  }
  return targets;
}

// Of the order versions whose first groups `groups` hold (FirstGroupVersions), those the order
// has outbound shipments of already.
std::set<std::int64_t> VersionsWithShipments(
    pqxx::work& tx, const std::string& order_id,
    const google::protobuf::RepeatedPtrField<v1::AllocationGroup>& groups) {
  std::set<std::int64_t> versions;
  for (const std::int64_t version : FirstGroupVersions(groups)) {
    if (OrderHasShipments(tx, order_id, v1::SHIPMENT_KIND_OUTBOUND, version)) {
      versions.insert(version);
    }
  }
  return versions;
}

absl::Status CreateShipmentsIn(pqxx::work& tx, const v1::CreateShipmentsRequest& request,
                               v1::CreateShipmentsResponse* out, Effects& effects) {
  const std::string& order_id = request.order_id();
  LockOrder(tx, order_id);
  absl::Status allowed =
      CreateAllowed(order_id, TombstonedWarehouses(tx, order_id), request.groups(),
                    VersionsWithShipments(tx, order_id, request.groups()));
  if (!allowed.ok()) return allowed;
  // Per group: the order version its shipment ships.
  std::vector<std::int64_t> versions;
  // Under the order's lock: a concurrent create of the same re-sourced group or backorder fill
  // waits, then finds this one's shipment.
  for (int g = 0; g < request.groups_size(); ++g) {
    const v1::AllocationGroup& group = request.groups(g);
    versions.push_back(OrderVersionOf(group));
    if (group.backorder_fill_sequence() > 0) {
      allowed = FillGroupAllowed(order_id, group,
                                 FillShipmentExists(tx, order_id, group.backorder_fill_sequence()));
      if (!allowed.ok()) return allowed;
    }
    if (group.resourced_from_shipment_id().empty()) continue;
    std::optional<ShipmentRow> source = FindShipment(tx, group.resourced_from_shipment_id());
    allowed = ResourcedGroupAllowed(
        order_id, g, group, source ? &source->shipment : nullptr,
        ResourcedShipmentExists(tx, group.resourced_from_shipment_id(), group.warehouse_id()));
    if (!allowed.ok()) return allowed;
    // It ships units of its source's version: billed as that version's.
    versions.back() = source->shipment.order_version();
  }
  const std::vector<CarrierRule> rules = CarrierRulesFor(tx, request.destination().country());
  if (request.groups().empty()) {
    // Nothing to ship yet: whether anything could be shipped there at all.
    auto carrier = ChooseCarrier(rules, request.destination(), 0);
    return carrier.ok() ? absl::OkStatus() : carrier.status();
  }
  for (int g = 0; g < request.groups_size(); ++g) {
    const v1::AllocationGroup& group = request.groups(g);
    auto carriage = PlanCarriage(rules, request.destination(), group.lines());
    if (!carriage.ok()) return carriage.status();  // the transaction rolls back: none created
    v1::Shipment draft = NewShipment(order_id, v1::SHIPMENT_KIND_OUTBOUND, group.warehouse_id(),
                                     request.destination(), *carriage, group.lines());
    draft.set_resourced_from_shipment_id(group.resourced_from_shipment_id());
    draft.set_backorder_fill_sequence(group.backorder_fill_sequence());
    draft.set_order_version(versions[g]);
    StoreNewShipment(tx, draft, out->add_shipments(), effects);
  }
  return absl::OkStatus();
}

// The shipment named, or the order's outbound shipments (of one warehouse, when it names one),
// locked.
absl::StatusOr<std::vector<ShipmentRow>> LockCancelTargets(
    pqxx::work& tx, const v1::CancelShipmentRequest& request) {
  if (request.has_shipment_id()) {
    std::optional<ShipmentRow> locked = LockShipment(tx, request.shipment_id());
    if (!locked) return UnknownShipment(request.shipment_id());
    return std::vector<ShipmentRow>{std::move(*locked)};
  }
  const auto& order = request.order();
  LockOrder(tx, order.order_id());
  if (order.warehouse_id().empty()) {
    return LockShipmentsOfOrder(tx, order.order_id(), v1::SHIPMENT_KIND_OUTBOUND);
  }
  return LockShipmentsOfOrder(tx, order.order_id(), v1::SHIPMENT_KIND_OUTBOUND,
                              order.warehouse_id());
}

absl::Status CancelShipmentIn(pqxx::work& tx, const v1::CancelShipmentRequest& request,
                              v1::CancelShipmentResponse* out, Effects& effects) {
  absl::StatusOr<std::vector<ShipmentRow>> targets = LockCancelTargets(tx, request);
  if (!targets.ok()) return targets.status();
  absl::StatusOr<CancelPlan> plan =
      PlanCancel(CancelTargets(*targets), /*by_order=*/!request.has_shipment_id());
  if (!plan.ok()) return plan.status();
  if (plan->tombstone) {
    InsertTombstone(tx, request.order().order_id(), request.order().warehouse_id(),
                    request.reason());
    out->set_tombstoned(true);
  }
  for (std::size_t i = 0; i < targets->size(); ++i) {
    v1::Shipment* shipment = out->add_shipments();
    *shipment = std::move((*targets)[i].shipment);
    if (plan->cancel[i]) StoreCancelled(tx, shipment);
    AttachDetails(tx, shipment);
    if (!plan->cancel[i]) continue;  // cancelled already: nothing to announce
    effects.outbox.push_back(
        MakeOutboxEvent(OutboxTypeFor(shipment->kind(), shipment->status()), *shipment, nullptr));
    ++effects.cancelled;
    effects.transitions.push_back(shipment->status());
  }
  return absl::OkStatus();
}

absl::Status RecordShipmentEventIn(pqxx::work& tx, const v1::RecordShipmentEventRequest& request,
                                   v1::RecordShipmentEventResponse* out, Effects& effects) {
  std::optional<ShipmentRow> locked = LockShipment(tx, request.shipment_id());
  if (!locked) return UnknownShipment(request.shipment_id());
  v1::Shipment& shipment = locked->shipment;
  // A caller bound to a warehouse learns nothing of another's shipments, not even that they
  // exist: the same answer as a missing one.
  if (!request.warehouse_id().empty() && request.warehouse_id() != shipment.warehouse_id()) {
    return UnknownShipment(request.shipment_id());
  }
  absl::Status allowed = EventAllowed(shipment.kind(), request.type());
  if (!allowed.ok()) return allowed;
  // A proof served by this service (UploadProof's uri) must have been uploaded for this shipment,
  // with that type: the journal never points at a photo GetProof would not answer.
  if (request.has_proof() &&
      request.proof().uri() == ProofUri(request.shipment_id(), request.proof().sha256())) {
    std::optional<StoredProof> uploaded = FindProof(tx, shipment.id(), request.proof().sha256());
    if (!uploaded) {
      return InvalidField("proof.sha256",
                          "no proof with this digest was uploaded for the shipment");
    }
    if (uploaded->content_type != request.proof().content_type()) {
      return InvalidField("proof.content_type",
                          absl::StrCat("must be ", uploaded->content_type, ", the uploaded type"));
    }
  }
  const std::string dedup_key = DedupKey(request);
  if (auto existing = FindJournalEntry(tx, shipment.id(), dedup_key)) {
    *out->mutable_entry() = std::move(*existing);
    out->set_duplicate(true);
    out->set_status(shipment.status());
    effects.journal.push_back({request.type(), true});
    return absl::OkStatus();
  }
  absl::Status accepted = EventAccepted(shipment.id(), shipment.status());
  if (!accepted.ok()) return accepted;
  *out->mutable_entry() = AppendJournalEntry(tx, request, dedup_key);
  effects.journal.push_back({request.type(), false});

  const v1::ShipmentStatus before = shipment.status();
  const JournalChange change =
      ApplyJournal(shipment.kind(), before, locked->shipped, JournalFacts(tx, shipment.id()));
  shipment.set_status(change.status);
  shipment.set_tracking_number(
      TrackingNumberAfter(shipment.tracking_number(), request.tracking_number()));
  StoreStatus(tx, shipment.id(), change.status, change.shipped, shipment.tracking_number());
  out->set_status(change.status);
  out->set_status_changed(change.status != before);
  if (change.status != before) effects.transitions.push_back(change.status);
  if (change.outbox.empty()) return absl::OkStatus();

  *shipment.mutable_lines() = LinesOf(tx, shipment.id());  // what shipped, for its consumers
  for (auto type : change.outbox) {
    effects.outbox.push_back(MakeOutboxEvent(type, shipment, &out->entry()));
  }
  return absl::OkStatus();
}

absl::Status CreateReturnShipmentIn(pqxx::work& tx, const v1::CreateReturnShipmentRequest& request,
                                    v1::Shipment* out, Effects& effects) {
  const std::string& order_id = request.order_id();
  LockOrder(tx, order_id);
  auto lines = ReturnLines(LinesOfOrder(tx, order_id), request.lines());
  if (!lines.ok()) return lines.status();
  auto carriage = PlanCarriage(CarrierRulesFor(tx, request.pickup_address().country()),
                               request.pickup_address(), *lines);
  if (!carriage.ok()) return carriage.status();
  // The order lock is held: no concurrent create of the same return can slip in after this.
  absl::Status allowed =
      ReturnAllowed(request.return_id(), ReturnShipmentExists(tx, order_id, request.return_id()));
  if (!allowed.ok()) return allowed;
  v1::Shipment draft = NewShipment(order_id, v1::SHIPMENT_KIND_RETURN, request.warehouse_id(),
                                   request.pickup_address(), *carriage, *lines);
  draft.set_return_id(request.return_id());
  StoreNewShipment(tx, draft, out, effects);
  return absl::OkStatus();
}

absl::Status CreateReplacementShipmentIn(pqxx::work& tx,
                                         const v1::CreateReplacementShipmentRequest& request,
                                         v1::Shipment* out, Effects& effects) {
  std::optional<ShipmentRow> found = FindShipment(tx, request.shipment_id());
  if (!found) return UnknownShipment(request.shipment_id());
  // The order, then the shipment: the order every create and cancel by order locks in. The order
  // lock serializes the requests for this shipment, whatever their request ids: the second finds
  // the first one's replacement (the unique index shipments_replacement backs this).
  LockOrder(tx, found->shipment.order_id());
  std::optional<ShipmentRow> locked = LockShipment(tx, request.shipment_id());
  if (!locked) return UnknownShipment(request.shipment_id());  // shipments are never deleted
  if (std::optional<ShipmentRow> replacement = FindReplacement(tx, request.shipment_id())) {
    // Replaced already: that replacement is the answer, as it is now, whatever the original's
    // status has become since.
    *out = std::move(replacement->shipment);
    AttachDetails(tx, out);
    return absl::OkStatus();
  }
  v1::Shipment& original = locked->shipment;
  absl::Status allowed = ReplacementAllowed(original);
  if (!allowed.ok()) return allowed;
  *original.mutable_lines() = LinesOf(tx, original.id());
  auto carriage = PlanCarriage(CarrierRulesFor(tx, original.address().country()),
                               original.address(), original.lines());
  if (!carriage.ok()) return carriage.status();
  // The original keeps its status: it stays the record of the parcel that came back.
  StoreNewShipment(tx, ReplacementShipment(original, *carriage), out, effects);
  return absl::OkStatus();
}

absl::Status ReportShortPickIn(pqxx::work& tx, const v1::ReportShortPickRequest& request,
                               v1::Shipment* out, Effects& effects) {
  // The shipment's row lock serializes the reports of one shipment, whatever their request ids:
  // the second finds it short-picked.
  std::optional<ShipmentRow> locked = LockShipment(tx, request.shipment_id());
  // A caller bound to a warehouse learns nothing of another's shipments (as for events).
  if (!locked || (!request.warehouse_id().empty() &&
                  request.warehouse_id() != locked->shipment.warehouse_id())) {
    return UnknownShipment(request.shipment_id());
  }
  v1::Shipment& shipment = locked->shipment;
  absl::Status allowed = ShortPickAllowed(shipment, locked->short_picked);
  if (!allowed.ok()) return allowed;
  *shipment.mutable_lines() = LinesOf(tx, shipment.id());
  absl::StatusOr<ShortPick> plan = PlanShortPick(shipment, request.missing());
  if (!plan.ok()) return plan.status();
  *shipment.mutable_freight() = plan->freight;
  StoreShortPick(tx, plan->missing, &shipment);
  if (plan->emptied) {
    // Nothing left to pick: cancelled as CancelShipment cancels, but announced by the short
    // pick's event alone, whose status says so.
    StoreCancelled(tx, &shipment);
    ++effects.cancelled;
    effects.transitions.push_back(shipment.status());
  }
  const v1::JournalEntry entry =
      AppendJournalEntryNow(tx, shipment.id(), v1::SHIPMENT_EVENT_TYPE_SHORT_PICKED,
                            ShortPickNote(plan->missing, request.note()), kShortPickDedupKey);
  effects.journal.push_back({v1::SHIPMENT_EVENT_TYPE_SHORT_PICKED, false});
  *shipment.mutable_lines() = plan->left;
  v1::OutboxEvent event =
      MakeOutboxEvent(v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHORT_PICKED, shipment, &entry);
  *event.mutable_short_picked_lines() = plan->missing;
  effects.outbox.push_back(std::move(event));
  *out = std::move(shipment);
  AttachDetails(tx, out);
  return absl::OkStatus();
}

// One participant mutation: a transaction in which `effect` runs once per request id (a request
// without one, which only RecordShipmentEvent allows, runs it every time); a repeat answers the
// first call's stored `out`. Metrics follow the commit.
template <typename Request, typename Response>
absl::Status Mutate(PgPool& pool, ShippingMetrics* metrics, const char* method,
                    const Request& request, Response* out,
                    absl::Status (*effect)(pqxx::work&, const Request&, Response*, Effects&)) {
  Effects effects;
  absl::Status status = pool.InTransaction([&](pqxx::work& tx) -> absl::Status {
    out->Clear();
    effects = Effects();
    auto run = [&] { return effect(tx, request, out, effects); };
    absl::Status done = request.request_id().empty()
                            ? run()
                            : RunOnce(tx, request.request_id(), method, request, out, run);
    // After the answer is recorded: nothing follows the outbox's counter lock but the commit.
    // (A refusal was committed by RunOnce without its effect's events.)
    if (done.ok()) WriteOutbox(tx, effects.outbox);
    return done;
  });
  if (status.ok()) effects.ApplyTo(metrics);
  return status;
}

}  // namespace

const std::vector<PreparedStatement>& PgShippingUseCases::Statements() {
  static const std::vector<PreparedStatement> kAll = [] {
    std::vector<PreparedStatement> all;
    for (const auto* part : {&ShipmentStatements(), &JournalStatements(), &OutboxStatements(),
                             &CarrierRuleStatements(), &AuditStatements(), &IdempotencyStatements(),
                             &ProofStatements()}) {
      all.insert(all.end(), part->begin(), part->end());
    }
    return all;
  }();
  return kAll;
}

absl::Status PgShippingUseCases::CreateShipments(const v1::CreateShipmentsRequest& request,
                                                 v1::CreateShipmentsResponse* out) {
  return Mutate(pool_, metrics_, "CreateShipments", request, out, CreateShipmentsIn);
}

absl::Status PgShippingUseCases::CancelShipment(const v1::CancelShipmentRequest& request,
                                                v1::CancelShipmentResponse* out) {
  return Mutate(pool_, metrics_, "CancelShipment", request, out, CancelShipmentIn);
}

absl::Status PgShippingUseCases::RecordShipmentEvent(const v1::RecordShipmentEventRequest& request,
                                                     v1::RecordShipmentEventResponse* out) {
  return Mutate(pool_, metrics_, "RecordShipmentEvent", request, out, RecordShipmentEventIn);
}

absl::Status PgShippingUseCases::CreateReturnShipment(
    const v1::CreateReturnShipmentRequest& request, v1::Shipment* out) {
  return Mutate(pool_, metrics_, "CreateReturnShipment", request, out, CreateReturnShipmentIn);
}

absl::Status PgShippingUseCases::CreateReplacementShipment(
    const v1::CreateReplacementShipmentRequest& request, v1::Shipment* out) {
  return Mutate(pool_, metrics_, "CreateReplacementShipment", request, out,
                CreateReplacementShipmentIn);
}

absl::Status PgShippingUseCases::ReportShortPick(const v1::ReportShortPickRequest& request,
                                                 v1::Shipment* out) {
  return Mutate(pool_, metrics_, "ReportShortPick", request, out, ReportShortPickIn);
}

absl::Status PgShippingUseCases::GetShipment(const std::string& shipment_id, v1::Shipment* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    std::optional<ShipmentRow> row = FindShipment(tx, shipment_id);
    if (!row) return absl::NotFoundError(absl::StrCat("shipment ", shipment_id, " does not exist"));
    *out = std::move(row->shipment);
    AttachDetails(tx, out);
    return absl::OkStatus();
  });
}

absl::Status PgShippingUseCases::ListShipments(const std::string& order_id,
                                               v1::ListShipmentsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    out->Clear();
    std::map<std::string, v1::Shipment*> by_id;
    for (auto& shipment : ShipmentsOfOrder(tx, order_id)) {
      v1::Shipment* added = out->add_shipments();
      *added = std::move(shipment);
      by_id[added->id()] = added;
    }
    for (auto& order_line : LinesOfOrder(tx, order_id)) {
      if (auto it = by_id.find(order_line.shipment_id); it != by_id.end()) {
        *it->second->add_lines() = std::move(order_line.line);
      }
    }
    std::int64_t xact_floor = 0;
    for (auto& [shipment_id, entry] : JournalOfOrder(tx, order_id, &xact_floor)) {
      if (auto it = by_id.find(shipment_id); it != by_id.end()) {
        *it->second->add_journal() = std::move(entry);
      }
    }
    for (auto& shipment : *out->mutable_shipments()) AddPickList(&shipment);
    out->set_xact_floor(xact_floor);
    return absl::OkStatus();
  });
}

absl::Status PgShippingUseCases::ListPickQueue(const PickQueueQuery& query,
                                               v1::ListPickQueueResponse* out) {
  PickQueueQuery one_more = query;  // tells whether a next page exists
  one_more.limit = query.limit + 1;
  return pool_.InTransaction([&](pqxx::work& tx) {
    out->Clear();
    for (auto& shipment : PickQueuePage(tx, one_more)) {
      if (out->shipments_size() == query.limit) {
        out->set_next_page_token(PickQueueToken(out->shipments(query.limit - 1)));
        break;
      }
      AddPickList(&shipment);
      *out->add_shipments() = std::move(shipment);
    }
    return absl::OkStatus();
  });
}

absl::Status PgShippingUseCases::ListEvents(std::int64_t after_sequence, int limit,
                                            v1::ListEventsResponse* out) {
  return pool_.InTransaction(
      [&](pqxx::work& tx) { return ReadOutbox(tx, after_sequence, limit, out); });
}

absl::Status PgShippingUseCases::AuditOrderFacts(const AuditPage& page,
                                                 v1::AuditOrderFactsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    ReadAuditPage(tx, page, out);
    return absl::OkStatus();
  });
}

absl::Status PgShippingUseCases::UploadProof(const v1::UploadProofRequest& request,
                                             v1::ProofOfDelivery* out) {
  if (proofs_ == nullptr) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "PROOF_STORE_NOT_CONFIGURED",
                      "this shipping-service stores no proofs (--proof_dir is not set)");
  }
  return pool_.InTransaction([&](pqxx::work& tx) {
    std::optional<ShipmentRow> row = FindShipment(tx, request.shipment_id());
    // A caller bound to a warehouse learns nothing of another's shipments (as for events).
    if (!row || (!request.warehouse_id().empty() &&
                 request.warehouse_id() != row->shipment.warehouse_id())) {
      return UnknownShipment(request.shipment_id());
    }
    // The file first: content-addressed, so a file whose row never commits is harmless, and a
    // retry writes nothing new.
    auto stored = proofs_->Put(request.content_type(), request.data());
    if (!stored.ok()) return stored.status();
    InsertProof(tx, request.shipment_id(), *stored);
    out->set_uri(ProofUri(request.shipment_id(), stored->sha256));
    out->set_content_type(stored->content_type);
    out->set_sha256(stored->sha256);
    return absl::OkStatus();
  });
}

absl::Status PgShippingUseCases::GetProof(const v1::GetProofRequest& request, v1::ProofFile* out) {
  absl::Status not_found = absl::NotFoundError(absl::StrCat(
      "proof ", request.sha256(), " of shipment ", request.shipment_id(), " does not exist"));
  std::optional<StoredProof> proof;
  absl::Status read = pool_.InTransaction([&](pqxx::work& tx) {
    proof = FindProof(tx, request.shipment_id(), request.sha256());
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  if (!proof) return not_found;
  if (proofs_ == nullptr) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "PROOF_STORE_NOT_CONFIGURED",
                      "this shipping-service stores no proofs (--proof_dir is not set)");
  }
  auto data = proofs_->Get(proof->sha256, proof->content_type);
  if (!data.ok())
    return data.status().code() == absl::StatusCode::kNotFound ? not_found : data.status();
  out->set_content_type(proof->content_type);
  out->set_data(std::move(*data));
  return absl::OkStatus();
}

}  // namespace oms::shipping
