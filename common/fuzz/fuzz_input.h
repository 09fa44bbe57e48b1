// What fuzzers share: the input as text, and as one of several protobuf messages (the first byte
// picks which, the rest are its wire bytes). Header-only, so that it adds no library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <google/protobuf/message.h>

#include "absl/status/status.h"

namespace oms::fuzz {

inline std::string Text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Which of `kinds` messages the input is (its first byte modulo `kinds`); 0 for an empty input.
inline int Pick(const uint8_t* data, size_t size, int kinds) {
  return size == 0 ? 0 : data[0] % kinds;
}

// The input after its first byte, parsed into `message` as the wire format; false when it is
// not a message of that type (a gRPC server would refuse it before any handler).
inline bool ParseRest(const uint8_t* data, size_t size, google::protobuf::Message* message) {
  if (size == 0) return message->ParseFromString("");
  return message->ParseFromArray(data + 1, static_cast<int>(size - 1));
}

// Stops the run with a report: a property of the code under test did not hold.
[[noreturn]] inline void Fail() { __builtin_trap(); }

// A request validator's promise: whatever message comes in, it is accepted or refused with
// INVALID_ARGUMENT (a field named), never anything else. `validate` takes a `Message` and
// returns an absl::Status.
template <typename Message, typename Validate>
void CheckValidator(const uint8_t* data, size_t size, Validate validate) {
  Message request;
  if (!ParseRest(data, size, &request)) return;
  const absl::Status status = validate(request);
  if (!status.ok() && status.code() != absl::StatusCode::kInvalidArgument) Fail();
}

}  // namespace oms::fuzz
