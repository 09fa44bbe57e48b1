#include "tests/chaos/workload.h"

#include <algorithm>
#include <functional>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "gateway/tests/http_client.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "oms/order/v1/order.grpc.pb.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "tests/chaos/schedule.h"
#include "tests/support/order_fixtures.h"

namespace oms::chaos {
namespace {

namespace inv = oms::inventory::v1;
namespace ord = oms::order::v1;
namespace shp = oms::shipping::v1;
using Clock = std::chrono::steady_clock;

std::unique_ptr<grpc::ClientContext> Context(std::chrono::milliseconds timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

// A definite refusal: the request was judged and changed nothing. Everything else (a deadline,
// an unavailable or restarting server, an internal error) may have taken effect.
Outcome OutcomeOf(const grpc::Status& status) {
  if (status.ok()) return Outcome::kOk;
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return Outcome::kFail;
    default:
      return Outcome::kUnknown;
  }
}

std::string Describe(const grpc::Status& status) {
  return absl::StrCat("code ", static_cast<int>(status.error_code()), " ",
                      status.error_message().substr(0, 120));
}

// Makes `call` until it is answered (ok, or a definite refusal) or `seconds` pass, recording each
// attempt as `action` by `client` with the answer `call` describes; the last outcome.
Outcome UntilAnswered(const std::function<void(Operation)>& record, const std::string& client,
                      const std::string& action, const std::string& order_id, int seconds,
                      const std::function<std::pair<grpc::Status, std::string>()>& call) {
  Outcome outcome = Outcome::kUnknown;
  const auto give_up = Clock::now() + std::chrono::seconds(seconds);
  while (outcome == Outcome::kUnknown && Clock::now() < give_up) {
    auto [status, answer] = call();
    outcome = OutcomeOf(status);
    record(
        {client, action, order_id, "", outcome, order_id, status.ok() ? answer : Describe(status)});
    if (outcome == Outcome::kUnknown) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return outcome;
}

// What a customer was told about an order it placed or cancelled.
struct Answer {
  Outcome outcome = Outcome::kUnknown;
  std::string order_id;
  std::string detail;  // the order's status, or why it was not answered
};

Answer GrpcAnswer(const grpc::Status& status, const ord::Order& order) {
  if (!status.ok()) return {OutcomeOf(status), "", Describe(status)};
  return {Outcome::kOk, order.id(), ord::OrderStatus_Name(order.status())};
}

// An answer of the gateway as its client can judge it: a 2xx names the order; an error whose
// status (API.md's error body) is a definite refusal fails; no answer, a timeout, an
// unavailable service or any other error may have taken effect.
Answer HttpAnswerOf(const gateway::testing::HttpAnswer& http) {
  if (http.status == 0) return {Outcome::kUnknown, "", absl::StrCat("no answer: ", http.error)};
  const auto body = nlohmann::json::parse(http.body, nullptr, /*allow_exceptions=*/false);
  if (http.status >= 200 && http.status < 300 && body.is_object() && body.contains("id")) {
    return {Outcome::kOk, body["id"].get<std::string>(),
            absl::StrCat("HTTP ", http.status, " ", body.value("status", ""))};
  }
  std::string status_name, reason;
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    status_name = body["error"].value("status", "");
    reason = body["error"].value("reason", "");
  }
  static const std::set<std::string> kRefusals = {"INVALID_ARGUMENT",    "NOT_FOUND",
                                                  "FAILED_PRECONDITION", "ALREADY_EXISTS",
                                                  "PERMISSION_DENIED",   "UNAUTHENTICATED"};
  return {kRefusals.count(status_name) ? Outcome::kFail : Outcome::kUnknown, "",
          absl::StrCat("HTTP ", http.status, " ", status_name, " ", reason)};
}

// A customer's calls, over gRPC or over HTTP through the gateway with its API key.
class Storefront {
 public:
  Storefront(ord::OrderService::Stub* orders, const Topology::GatewayAccess* gateway)
      : orders_(orders), gateway_(gateway) {}

  Answer Place(const ord::CreateOrderRequest& request) const {
    if (gateway_ == nullptr) {
      ord::Order order;
      grpc::Status status =
          orders_->CreateOrder(Context(std::chrono::milliseconds(3000)).get(), request, &order);
      return GrpcAnswer(status, order);
    }
    // The key and the client are the request's headers and credential, not its body; the
    // gateway sets a customer's channel itself.
    ord::CreateOrderRequest body = request;
    body.clear_request_id();
    body.clear_client_id();
    body.clear_channel();
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(body, &json);
    return HttpAnswerOf(gateway::testing::HttpCall(
        "POST", gateway_->url + "/v1/orders",
        {Bearer(), "Idempotency-Key: " + request.request_id(), "Content-Type: application/json"},
        json));
  }

  Answer Cancel(const std::string& order_id, const std::string& reason) const {
    if (gateway_ == nullptr) {
      ord::CancelOrderRequest cancel;
      cancel.set_id(order_id);
      cancel.set_reason(reason);
      ord::Order order;
      grpc::Status status =
          orders_->CancelOrder(Context(std::chrono::milliseconds(3000)).get(), cancel, &order);
      return GrpcAnswer(status, order);
    }
    return HttpAnswerOf(gateway::testing::HttpCall(
        "POST", absl::StrCat(gateway_->url, "/v1/orders/", order_id, ":cancel"),
        {Bearer(), "Content-Type: application/json"}, nlohmann::json({{"reason", reason}}).dump()));
  }

  // An edit of the order at `version` to `lines`, keyed by `request_id`.
  Answer Modify(const std::string& order_id, const std::string& request_id, int64_t version,
                const google::protobuf::RepeatedPtrField<ord::OrderLineRequest>& lines) const {
    ord::ModifyOrderRequest edit;
    edit.set_order_id(order_id);
    edit.set_request_id(request_id);
    edit.set_version(version);
    *edit.mutable_lines() = lines;
    if (gateway_ == nullptr) {
      ord::Order order;
      grpc::Status status =
          orders_->ModifyOrder(Context(std::chrono::milliseconds(3000)).get(), edit, &order);
      return GrpcAnswer(status, order);
    }
    edit.clear_order_id();
    edit.clear_request_id();
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(edit, &json);
    return HttpAnswerOf(gateway::testing::HttpCall(
        "POST", absl::StrCat(gateway_->url, "/v1/orders/", order_id, ":modify"),
        {Bearer(), "Idempotency-Key: " + request_id, "Content-Type: application/json"}, json));
  }

 private:
  std::string Bearer() const { return "Authorization: Bearer " + gateway_->api_key; }

  ord::OrderService::Stub* orders_;
  const Topology::GatewayAccess* gateway_;
};

bool IsFinal(ord::OrderStatus status) {
  return status == ord::ORDER_STATUS_COMPLETED || status == ord::ORDER_STATUS_REJECTED ||
         status == ord::ORDER_STATUS_CANCELLED;
}

}  // namespace

struct Workload::Stubs {
  std::unique_ptr<ord::OrderService::Stub> orders;
  std::unique_ptr<shp::ShippingService::Stub> shipping;
  std::unique_ptr<inv::InventoryService::Stub> inventory;
};

Workload::Workload(Topology& topology, History& history, uint64_t seed, Clock::time_point start)
    : topology_(topology), history_(history), seed_(seed), start_(start), stubs_(new Stubs) {
  stubs_->orders = ord::OrderService::NewStub(topology_.orders());
  stubs_->shipping = shp::ShippingService::NewStub(topology_.shipping());
  stubs_->inventory = inv::InventoryService::NewStub(topology_.inventory());
}

Workload::~Workload() = default;

int64_t Workload::SinceStart() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_).count();
}

void Workload::Record(Operation operation) {
  operation.at_ms = SinceStart();
  history_.Record(std::move(operation));
}

void Workload::RunCustomer(int index, const std::atomic<bool>& stop) {
  std::mt19937_64 random(seed_ * 1000003 + index);
  auto chance = [&](int percent) { return static_cast<int>(random() % 100) < percent; };
  // The last customer shops through the gateway, known there by its API key.
  const bool via_gateway = index == kCustomers - 1;
  const Storefront storefront(stubs_->orders.get(), via_gateway ? &topology_.gateway() : nullptr);
  const std::string client =
      via_gateway ? topology_.gateway().client_id : absl::StrCat("customer-", index);
  // Customers other than the first name some keys alike: keys are per client, so each gets its
  // own order.
  const bool shares_keys = index > 0;
  for (int n = 0; !stop; ++n) {
    const std::string key =
        shares_keys && chance(40) ? absl::StrCat("shared-", n) : absl::StrCat(client, "-", n);
    ord::CreateOrderRequest request = testing::PackOrder(
        topology_.customer_id(), client, key, 1 + static_cast<int64_t>(random() % 3),
        chance(8) ? "tok_chargeDeclined" : "tok_visa", chance(4) ? "BR" : "DE");
    if (chance(30)) {
      request.mutable_lines(0)->set_sku("MUG");  // the scarce one
      // Half of those wait for stock rather than be rejected when it runs out (those to a
      // destination nobody serves are rejected all the same, even with nothing held).
      if (chance(50)) request.set_backorder_policy(inv::BACKORDER_POLICY_BACKORDER);
    }
    const std::string body = request.SerializeAsString();
    auto record = [&](const std::string& sent, const Answer& answer) {
      Record({client, "create-order", key, sent, answer.outcome, answer.order_id, answer.detail});
    };

    // Retried with the same key until answered, as a client that cannot tell whether its
    // order was placed must do.
    Answer placed;
    const auto give_up = Clock::now() + std::chrono::seconds(20);
    while (placed.outcome == Outcome::kUnknown && Clock::now() < give_up) {
      placed = storefront.Place(request);
      record(body, placed);
      if (placed.outcome == Outcome::kUnknown) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    if (placed.outcome != Outcome::kOk) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      acknowledged_.push_back(placed.order_id);
    }

    // A replay later: the same order, whatever happened since.
    if (chance(10)) record(body, storefront.Place(request));
    if (chance(5)) {  // the same key with another body: refused, and it changes nothing
      ord::CreateOrderRequest changed = request;
      changed.mutable_lines(0)->set_quantity(changed.lines(0).quantity() + 1);
      record(changed.SerializeAsString(), storefront.Place(changed));
    }
    if (chance(20)) {
      // An edit, racing the warehouse: one unit more or less, sometimes a line of the other SKU
      // added. Retried with its key until answered; refused once anything shipped.
      google::protobuf::RepeatedPtrField<ord::OrderLineRequest> lines = request.lines();
      const int64_t quantity = lines[0].quantity();
      lines[0].set_quantity(quantity > 1 && chance(50) ? quantity - 1 : quantity + 1);
      if (chance(30)) {
        auto* other = lines.Add();
        other->set_sku(lines[0].sku() == "MUG" ? "PACK" : "MUG");
        other->set_quantity(1);
      }
      const std::string edit_key = absl::StrCat(key, "-edit");
      Answer edited;
      const auto edit_give_up = Clock::now() + std::chrono::seconds(20);
      while (edited.outcome == Outcome::kUnknown && Clock::now() < edit_give_up) {
        edited = storefront.Modify(placed.order_id, edit_key, 1, lines);
        Record({client, "modify", placed.order_id, edit_key, edited.outcome, placed.order_id,
                edited.detail});
        if (edited.outcome == Outcome::kUnknown) {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
      }
    }
    if (chance(15)) {
      const Answer cancelled = storefront.Cancel(placed.order_id, "changed my mind");
      Record({client, "cancel", placed.order_id, "", cancelled.outcome, placed.order_id,
              cancelled.detail});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 200));
  }
}

void Workload::Follow(Watch& watch, std::chrono::milliseconds timeout) {
  ++watch.streams;
  ord::WatchOrderRequest request;
  request.set_id(watch.order_id);
  request.set_after_event_id(watch.token);
  auto context = Context(timeout);
  auto reader = stubs_->orders->WatchOrder(context.get(), request);
  ord::TimelineEvent event;
  while (reader->Read(&event)) {
    ++watch.received[event.id()];
    watch.kinds[event.id()] = absl::StrCat(event.source(), " ", event.kind());
    watch.token = event.resume_token();
  }
  reader->Finish();  // a deadline, a fault, a restarting replica: resumed later from the token
}

void Workload::RunWatcher(int index, const std::atomic<bool>& stop) {
  std::mt19937_64 random(seed_ * 7919 + index);
  std::vector<Watch> mine;
  std::set<std::string> watched;
  while (!stop) {
    std::string fresh;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (mine.size() < 12 && !acknowledged_.empty() && !watched.count(acknowledged_.back())) {
        fresh = acknowledged_.back();
      }
    }
    if (!fresh.empty() && (mine.empty() || random() % 2 == 0)) {
      watched.insert(fresh);
      mine.push_back(Watch{fresh, "", {}, {}, 0});
    }
    if (mine.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    Follow(mine[random() % mine.size()], std::chrono::milliseconds(200 + random() % 2500));
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 300));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (Watch& watch : mine) watches_.push_back(std::move(watch));
}

std::vector<std::string> Workload::CheckWatchers(std::map<std::string, int64_t>* figures) {
  std::vector<std::string> violations;
  std::lock_guard<std::mutex> lock(mu_);
  for (Watch& watch : watches_) {
    ord::GetOrderTimelineRequest request;
    request.set_id(watch.order_id);
    ord::OrderTimeline timeline;
    std::set<std::string> ids;
    bool read = false;
    // The timeline stands still at rest; each resume sends what the watcher lacks. A replica
    // may still be finding out that a connection to a peer died in a fault (gRPC keepalive):
    // its reads fail until then, so they are retried for longer than that takes.
    const auto give_up = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < give_up) {
      timeline.Clear();
      read =
          stubs_->orders
              ->GetOrderTimeline(Context(std::chrono::milliseconds(3000)).get(), request, &timeline)
              .ok();
      ids.clear();
      for (const auto& event : timeline.events()) ids.insert(event.id());
      bool complete = read;
      for (const auto& id : ids) complete = complete && watch.received.count(id) > 0;
      if (complete) break;
      if (read) {
        Follow(watch, std::chrono::milliseconds(1000));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    if (!read) {
      violations.push_back(absl::StrCat("watch: order ", watch.order_id,
                                        ": its timeline could not be read at rest"));
      continue;
    }
    (*figures)["streams"] += watch.streams;
    for (const auto& event : timeline.events()) {
      const auto it = watch.received.find(event.id());
      const int times = it == watch.received.end() ? 0 : it->second;
      (*figures)["events"] += times;
      if (times != 1) {
        violations.push_back(absl::StrCat("watch: order ", watch.order_id, ": event ", event.id(),
                                          " (", event.source(), " ", event.kind(), ") sent ", times,
                                          " times over ", watch.streams, " streams"));
      }
    }
    for (const auto& [id, times] : watch.received) {
      if (ids.count(id) == 0) {
        violations.push_back(absl::StrCat("watch: order ", watch.order_id, ": event ", id, " (",
                                          watch.kinds[id], ") sent but not in the timeline"));
      }
    }
  }
  (*figures)["orders"] = static_cast<int64_t>(watches_.size());
  return violations;
}

void Workload::RunReturns(const std::atomic<bool>& stop) {
  std::mt19937_64 random(seed_ * 104729 + 17);
  std::set<std::string> considered;
  while (!stop) {
    ord::ListOrdersRequest list;
    list.set_status(ord::ORDER_STATUS_COMPLETED);
    list.set_page_size(50);
    ord::ListOrdersResponse completed;
    if (stubs_->orders->ListOrders(Context(std::chrono::milliseconds(3000)).get(), list, &completed)
            .ok()) {
      for (const ord::Order& order : completed.orders()) {
        if (stop) break;
        if (!considered.insert(order.id()).second || random() % 4 != 0) continue;
        if (order.lines_size() == 0) continue;
        ReturnOneUnit(order.id(), order.lines(0).sku(), random() % 2 == 0);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

void Workload::ReturnOneUnit(const std::string& order_id, const std::string& sku, bool resellable) {
  ord::CreateReturnRequest request;
  request.set_request_id(absl::StrCat("rma-", order_id));
  request.set_order_id(order_id);
  auto* line = request.add_lines();
  line->set_sku(sku);
  line->set_quantity(1);
  request.set_reason("does not fit");
  ord::Return created;
  const auto record = [this](Operation operation) { Record(std::move(operation)); };
  const Outcome outcome = UntilAnswered(record, "desk", "create-return", order_id, 20, [&] {
    created.Clear();
    grpc::Status status = stubs_->orders->CreateReturn(
        Context(std::chrono::milliseconds(3000)).get(), request, &created);
    return std::make_pair(status, ord::ReturnStatus_Name(created.status()));
  });
  if (outcome != Outcome::kOk) return;

  ord::ReceiveReturnRequest receive;
  receive.set_request_id(absl::StrCat("rma-", order_id, ":receive"));
  receive.set_return_id(created.id());
  receive.set_warehouse_id(created.warehouse_id());
  auto* received_line = receive.add_lines();
  received_line->set_sku(sku);
  received_line->set_quantity(1);
  received_line->set_resellable(resellable);
  // ABORTED until the return saga has created the return shipment: retried like a lost answer.
  UntilAnswered(record, "warehouse", "receive-return", order_id, 30, [&] {
    ord::Return received;
    grpc::Status status = stubs_->orders->ReceiveReturn(
        Context(std::chrono::milliseconds(3000)).get(), receive, &received);
    return std::make_pair(status, ord::ReturnStatus_Name(received.status()));
  });
}

bool Workload::Receive(const std::string& request_id, const std::string& warehouse_id,
                       int64_t units) {
  inv::AdjustStockRequest receipt;
  receipt.set_request_id(request_id);
  receipt.set_warehouse_id(warehouse_id);
  receipt.set_sku("MUG");
  receipt.set_delta(units);
  receipt.set_reason(inv::ADJUSTMENT_REASON_RECEIPT);
  const auto record = [this](Operation operation) { Record(std::move(operation)); };
  // ABORTED (two receipts' fills met in a deadlock) is retried like a lost answer.
  return UntilAnswered(record, "supplier", "receipt", "", 30, [&] {
           inv::AdjustStockResponse received;
           grpc::Status status = stubs_->inventory->AdjustStock(
               Context(std::chrono::milliseconds(3000)).get(), receipt, &received);
           return std::make_pair(status, absl::StrCat(units, " received"));
         }) == Outcome::kOk;
}

void Workload::RunSupplier(const std::atomic<bool>& stop) {
  std::mt19937_64 random(seed_ * 15485863 + 29);
  const std::vector<std::string>& warehouses = topology_.warehouse_ids();
  while (!stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(700 + random() % 800));
    Receive(absl::StrCat("supplier-", receipts_.fetch_add(1)),
            warehouses[random() % warehouses.size()], 1 + static_cast<int64_t>(random() % 4));
  }
}

int64_t Workload::ReceiveWhatIsWaitedFor() {
  inv::GetAvailabilityRequest request;
  request.set_sku("MUG");
  inv::GetAvailabilityResponse availability;
  if (!stubs_->inventory
           ->GetAvailability(Context(std::chrono::milliseconds(3000)).get(), request, &availability)
           .ok() ||
      availability.total_backordered() == 0) {
    return 0;
  }
  const int64_t units = availability.total_backordered();
  return Receive(absl::StrCat("supplier-", receipts_.fetch_add(1)), topology_.warehouse_ids()[0],
                 units)
             ? units
             : 0;
}

void Workload::RunOperator(const std::atomic<bool>& stop) {
  while (!stop) {
    OperatorRound();
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
  }
}

int Workload::OperatorRound() {
  ord::ListStuckSagasRequest list;
  list.set_page_size(100);
  ord::ListStuckSagasResponse stuck;
  if (!stubs_->orders->ListStuckSagas(Context(std::chrono::milliseconds(3000)).get(), list, &stuck)
           .ok()) {
    return 0;
  }
  const auto record = [this](Operation operation) { Record(std::move(operation)); };
  for (const ord::Saga& saga : stuck.sagas()) {
    const std::string detail = absl::StrCat("step ", saga.step(), " ", saga.failure_reason());
    Record({"operator", "parked", saga.id(), "", Outcome::kOk, saga.order_id(), detail});
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++parked_[saga.id()];
      // An injected refusal shows as its code: no participant refuses without a reason of its
      // own. Anything else parked it, once or after a retry, and is reported once.
      const std::string finding =
          absl::StrCat("operator: saga ", saga.id(), " of order ", saga.order_id(), " parked at ",
                       detail, ", which no injected refusal explains");
      if (saga.failure_reason() != kInjectedRefusal &&
          std::find(unexplained_.begin(), unexplained_.end(), finding) == unexplained_.end()) {
        unexplained_.push_back(finding);
      }
    }
    UntilAnswered(record, "operator", "retry-saga", saga.order_id(), 10, [&] {
      ord::RetrySagaRequest retry;
      retry.set_saga_id(saga.id());
      ord::Saga retried;
      grpc::Status status = stubs_->orders->RetrySaga(
          Context(std::chrono::milliseconds(3000)).get(), retry, &retried);
      return std::make_pair(status, retried.phase());
    });
  }
  return stuck.sagas_size();
}

std::vector<std::string> Workload::CheckOperator(std::map<std::string, int64_t>* figures) {
  std::lock_guard<std::mutex> lock(mu_);
  (*figures)["sagas"] = static_cast<int64_t>(parked_.size());
  for (const auto& [saga, times] : parked_) (*figures)["retries"] += times;
  return unexplained_;
}

void Workload::RunWarehouse(const std::atomic<bool>& stop) {
  while (!stop) {
    WarehouseRound();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

int Workload::WarehouseRound() {
  // The orders not final, found through the API (the warehouse does not know what the customers
  // were told; an order whose creation timed out must ship too).
  std::vector<ord::Order> in_flight;
  for (ord::OrderStatus status :
       {ord::ORDER_STATUS_PENDING, ord::ORDER_STATUS_CONFIRMED, ord::ORDER_STATUS_PARTIALLY_SHIPPED,
        ord::ORDER_STATUS_SHIPPED, ord::ORDER_STATUS_PARTIALLY_DELIVERED,
        ord::ORDER_STATUS_DELIVERED, ord::ORDER_STATUS_PARTIALLY_BACKORDERED}) {
    ord::ListOrdersRequest list;
    list.set_status(status);
    list.set_page_size(100);
    for (int page = 0; page < 50; ++page) {
      ord::ListOrdersResponse orders;
      grpc::Status listed =
          stubs_->orders->ListOrders(Context(std::chrono::milliseconds(3000)).get(), list, &orders);
      if (!listed.ok()) break;
      for (const auto& order : orders.orders()) {
        if (!IsFinal(order.status())) in_flight.push_back(order);
      }
      if (orders.next_page_token().empty()) break;
      list.set_page_token(orders.next_page_token());
    }
  }
  for (const ord::Order& order : in_flight) {
    shp::ListShipmentsRequest list;
    list.set_order_id(order.id());
    shp::ListShipmentsResponse shipments;
    if (!stubs_->shipping
             ->ListShipments(Context(std::chrono::milliseconds(3000)).get(), list, &shipments)
             .ok()) {
      continue;
    }
    for (const shp::Shipment& shipment : shipments.shipments()) {
      if (shipment.kind() != shp::SHIPMENT_KIND_OUTBOUND) continue;
      shp::ShipmentEventType next = shp::SHIPMENT_EVENT_TYPE_UNSPECIFIED;
      if (shipment.status() < shp::SHIPMENT_STATUS_SHIPPED) next = shp::SHIPMENT_EVENT_TYPE_SHIPPED;
      if (shipment.status() == shp::SHIPMENT_STATUS_SHIPPED) {
        next = shp::SHIPMENT_EVENT_TYPE_DELIVERED;
      }
      if (next == shp::SHIPMENT_EVENT_TYPE_UNSPECIFIED) continue;
      shp::RecordShipmentEventRequest event;
      event.set_shipment_id(shipment.id());
      event.set_type(next);
      // The carrier's own event id: a duplicate post of the same scan is the same event.
      event.set_carrier_event_id(
          absl::StrCat(shp::ShipmentEventType_Name(next), ":", shipment.id()));
      // A scan's time is part of it: a repeat of it (after a timeout, or a carrier resending)
      // must carry the same time.
      event.mutable_occurred_at()->set_seconds(1790000000 + 60 * static_cast<int>(next));
      event.set_location("Hamburg");
      // Carriers repeat themselves: every fourth scan is posted twice.
      const int posts = (scans_.fetch_add(1) % 4 == 3) ? 2 : 1;
      for (int post = 0; post < posts; ++post) {
        shp::RecordShipmentEventResponse recorded;
        grpc::Status status = stubs_->shipping->RecordShipmentEvent(
            Context(std::chrono::milliseconds(3000)).get(), event, &recorded);
        Record({"warehouse", shp::ShipmentEventType_Name(next), order.id(), "", OutcomeOf(status),
                order.id(),
                status.ok() ? absl::StrCat(recorded.duplicate() ? "duplicate " : "",
                                           ord::OrderStatus_Name(order.status()))
                            : Describe(status)});
      }
    }
  }
  return static_cast<int>(in_flight.size());
}

}  // namespace oms::chaos
