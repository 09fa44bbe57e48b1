// Follows inventory's backorder fills (ListBackorderFills) from the cursor stored in the order
// database and takes each into its order once (PgBackorderFillStore::Apply); the BACKORDER
// sagas a fill starts are kicked at once. A step of a BackgroundLoop: a full page is followed by
// the next at once, else the feed waits `poll_interval` (a fill waits at most that long, and an
// idle feed costs one indexed read per interval). Inventory unreachable: it tries again after
// the interval, from the cursor.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace grpc {
class Channel;
}

namespace oms::order {

class PgBackorderFillStore;

std::function<std::optional<std::chrono::milliseconds>()> BackorderFeedStep(
    PgBackorderFillStore& store, std::shared_ptr<grpc::Channel> inventory,
    std::function<void(const std::string&)> saga_started, std::chrono::milliseconds poll_interval);

}  // namespace oms::order
