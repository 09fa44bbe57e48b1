#include "order-service/src/backorder_feed.h"

#include <grpcpp/grpcpp.h>

#include "common/log.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "order-service/src/backorder_fill_store.h"

namespace oms::order {

std::function<std::optional<std::chrono::milliseconds>()> BackorderFeedStep(
    PgBackorderFillStore& store, std::shared_ptr<grpc::Channel> inventory,
    std::function<void(const std::string&)> saga_started, std::chrono::milliseconds poll_interval) {
  constexpr int kPageSize = 100;
  std::shared_ptr<inventory::v1::InventoryService::Stub> stub =
      inventory::v1::InventoryService::NewStub(std::move(inventory));
  return [&store, stub, saga_started = std::move(saga_started),
          poll_interval]() -> std::optional<std::chrono::milliseconds> {
    absl::StatusOr<int64_t> cursor = store.Cursor();
    if (!cursor.ok()) {
      log::Warn("", "backorder feed: cannot read the cursor",
                {{"error", cursor.status().ToString()}});
      return poll_interval;
    }
    inventory::v1::ListBackorderFillsRequest request;
    request.set_after_sequence(*cursor);
    request.set_page_size(kPageSize);
    inventory::v1::ListBackorderFillsResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    const grpc::Status listed = stub->ListBackorderFills(&context, request, &response);
    if (!listed.ok()) {
      log::Warn("", "backorder feed: ListBackorderFills failed",
                {{"error", listed.error_message()}});
      return poll_interval;
    }
    for (const auto& fill : response.fills()) {
      absl::StatusOr<std::vector<std::string>> started = store.Apply(fill);
      if (!started.ok()) {
        log::Warn("", "backorder feed: a fill was not taken in",
                  {{"sequence", std::to_string(fill.sequence())},
                   {"error", started.status().ToString()}});
        return poll_interval;
      }
      for (const auto& saga_id : *started) saga_started(saga_id);
    }
    if (response.fills_size() == kPageSize) return std::chrono::milliseconds(0);
    return poll_interval;
  };
}

}  // namespace oms::order
