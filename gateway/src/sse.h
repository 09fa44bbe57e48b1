// Server-sent events (the WHATWG text/event-stream format) as the watch routes write them: one
// event per message, comments for heartbeats, and the Last-Event-ID a reconnecting client sends.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace oms::gateway {

inline constexpr char kEventStreamType[] = "text/event-stream";

// "id: <id>\nevent: <event>\ndata: <data>\n\n"; an empty id or event is left out, and each line
// of `data` gets its own "data:" field (a proto3 JSON payload is a single line).
std::string SseEvent(absl::string_view id, absl::string_view event, absl::string_view data);

// ": <text>\n\n": ignored by clients, keeps the connection alive.
std::string SseComment(absl::string_view text);

// "retry: <ms>\n\n": how long a client waits before it reconnects.
std::string SseRetry(std::chrono::milliseconds delay);

// A Last-Event-ID header's value: 1 to 4096 printable ASCII characters without spaces (the watch
// sends WatchOrder's resume tokens as ids; a timeline event id is accepted too).
// INVALID_ARGUMENT naming the header otherwise; order-service decides what the value means.
[[nodiscard]] absl::Status ValidateLastEventId(const std::string& id);

}  // namespace oms::gateway
