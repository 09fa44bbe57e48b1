// Reservation handlers of InventoryServiceImpl (and the return restock): validate, run the use
// case on the executor, count outcomes. Replays of an earlier request id are answered without
// counting again.
#include "common/grpc_interceptors.h"
#include "common/reactor.h"
#include "common/status.h"
#include "common/validation.h"
#include "inventory-service/src/inventory_service.h"
#include "inventory-service/src/reservation_validation.h"
#include "inventory-service/src/stock_moves.h"

namespace oms::inventory {
namespace {

// The lines of an allocation's groups: one RESERVE ledger row each where they were held.
int GroupLines(const v1::Allocation& allocation) {
  int lines = 0;
  for (const auto& group : allocation.groups()) lines += group.lines_size();
  return lines;
}

}  // namespace

grpc::ServerUnaryReactor* InventoryServiceImpl::PlanAllocation(
    grpc::CallbackServerContext* context, const v1::PlanAllocationRequest* request,
    v1::PlanAllocationResponse* response) {
  if (absl::Status invalid = ValidatePlanRequest(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return reservations_.Preview(*request, response);
  });
}

grpc::ServerUnaryReactor* InventoryServiceImpl::ReserveStock(grpc::CallbackServerContext* context,
                                                             const v1::ReserveStockRequest* request,
                                                             v1::Reservation* response) {
  if (absl::Status invalid = ValidateReserve(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto reserve = [this, request, response] {
    const int ttl =
        request->ttl_seconds() > 0 ? request->ttl_seconds() : policy_.default_ttl_seconds;
    Outcome outcome;
    absl::Status status = reservations_.Reserve(*request, ttl, response, &outcome);
    if (outcome.replayed) return status;
    if (status.ok()) {
      metrics_.Reservation("held");
      metrics_.AllocationWarehouses(response->allocation().groups_size());
      metrics_.Movements(MovementKind::kReserve, outcome.movements);
      metrics_.Backorders(outcome);
    } else if (ReasonOf(status) == "INSUFFICIENT_STOCK") {
      metrics_.Reservation("insufficient_stock");
      v1::InsufficientStock detail;
      if (auto payload =
              status.GetPayload("type.googleapis.com/oms.inventory.v1.InsufficientStock");
          payload && detail.ParseFromString(std::string(*payload))) {
        metrics_.Shortfalls(detail.shortfalls_size());
      }
    } else if (status.code() == absl::StatusCode::kFailedPrecondition) {
      metrics_.Reservation("refused");
    }
    return status;
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(reserve)));
}

grpc::ServerUnaryReactor* InventoryServiceImpl::ExtendReservation(
    grpc::CallbackServerContext* context, const v1::ExtendReservationRequest* request,
    v1::Reservation* response) {
  if (absl::Status invalid = ValidateExtend(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto extend = [this, request, response] {
    Outcome outcome;
    return reservations_.Extend(*request, response, &outcome);
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(extend)));
}

grpc::ServerUnaryReactor* InventoryServiceImpl::CommitReservation(
    grpc::CallbackServerContext* context, const v1::CommitReservationRequest* request,
    v1::Reservation* response) {
  if (absl::Status invalid = ValidateCommit(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto commit = [this, request, response] {
    Outcome outcome;
    absl::Status status = reservations_.Commit(*request, response, &outcome);
    if (status.ok() && !outcome.replayed) {
      metrics_.Movements(MovementKind::kCommit, outcome.movements);
    }
    return status;
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(commit)));
}

grpc::ServerUnaryReactor* InventoryServiceImpl::ReleaseReservation(
    grpc::CallbackServerContext* context, const v1::ReleaseReservationRequest* request,
    v1::Reservation* response) {
  if (absl::Status invalid = ValidateRelease(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto release = [this, request, response] {
    Outcome outcome;
    absl::Status status = reservations_.Release(*request, response, &outcome);
    if (status.ok() && !outcome.replayed) {
      metrics_.Movements(MovementKind::kRelease, outcome.movements);
      metrics_.Backorders(outcome);
    }
    return status;
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(release)));
}

grpc::ServerUnaryReactor* InventoryServiceImpl::ResourceReservation(
    grpc::CallbackServerContext* context, const v1::ResourceReservationRequest* request,
    v1::ResourceReservationResponse* response) {
  if (absl::Status invalid = ValidateResource(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto resource = [this, request, response] {
    Outcome outcome;
    absl::Status status = reservations_.Resource(*request, response, &outcome);
    if (status.ok() && !outcome.replayed) {
      // One release and one write-off per line at the warehouse that could not pick, one
      // reserve per line of each group that holds them now.
      metrics_.Movements(MovementKind::kRelease, request->lines_size());
      metrics_.Movements(MovementKind::kCorrection, request->lines_size());
      metrics_.Movements(MovementKind::kReserve, GroupLines(response->allocation()));
    }
    return status;
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(resource)));
}

grpc::ServerUnaryReactor* InventoryServiceImpl::AddToReservation(
    grpc::CallbackServerContext* context, const v1::AddToReservationRequest* request,
    v1::AddToReservationResponse* response) {
  if (absl::Status invalid = ValidateAddToReservation(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto add = [this, request, response] {
    Outcome outcome;
    absl::Status status = reservations_.Add(*request, response, &outcome);
    // As for a short pick's units held elsewhere: only their RESERVE rows. The reservation
    // counters count orders reserved, and this order was counted when it was.
    if (status.ok() && !outcome.replayed) {
      metrics_.Movements(MovementKind::kReserve, GroupLines(response->allocation()));
    }
    return status;
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(add)));
}

grpc::ServerUnaryReactor* InventoryServiceImpl::GetReservation(
    grpc::CallbackServerContext* context, const v1::GetReservationRequest* request,
    v1::Reservation* response) {
  if (absl::Status invalid = ValidateEntityId(request->order_id(), "order_id"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return reservations_.Get(request->order_id(), response);
  });
}

grpc::ServerUnaryReactor* InventoryServiceImpl::RestockReturn(
    grpc::CallbackServerContext* context, const v1::RestockReturnRequest* request,
    v1::RestockReturnResponse* response) {
  if (absl::Status invalid = ValidateRestock(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto restock = [this, request, response] {
    Outcome outcome;
    absl::Status status = inventory_.Restock(*request, response, &outcome);
    if (status.ok() && !outcome.replayed) {
      if (request->resellable_quantity() > 0) metrics_.Movements(MovementKind::kRestock, 1);
      if (request->damaged_quantity() > 0) metrics_.Movements(MovementKind::kDamaged, 1);
      metrics_.Backorders(outcome);
    }
    return status;
  };
  return RunBlocking(context, executor_, WithCallDeadline(*context, std::move(restock)));
}

grpc::ServerUnaryReactor* InventoryServiceImpl::CheckInvariants(
    grpc::CallbackServerContext* context, const v1::CheckInvariantsRequest* /*request*/,
    v1::CheckInvariantsResponse* response) {
  return RunBlocking(context, executor_, [this, response] {
    absl::Status status = reservations_.CheckInvariants(policy_.expiry_grace, response);
    if (status.ok()) metrics_.InvariantViolations(response->violations_size());
    return status;
  });
}

grpc::ServerUnaryReactor* InventoryServiceImpl::AuditOrderFacts(
    grpc::CallbackServerContext* context, const v1::AuditOrderFactsRequest* request,
    v1::AuditOrderFactsResponse* response) {
  auto page = ParseAuditPage(request->page());
  if (!page.ok()) return Refuse(context, page.status());
  return RunBlocking(context, executor_, [this, audit_page = *std::move(page), response] {
    return reservations_.AuditOrderFacts(audit_page, response);
  });
}

}  // namespace oms::inventory
