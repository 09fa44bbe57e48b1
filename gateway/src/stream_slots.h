// Caps on the streams open at once (server-sent event watches): one for the gateway, so that
// streams cannot take every connection, and one per credential, so that one client cannot take
// every stream. Each stream holds a slot from TryAcquire until it ends, and shutdown waits for
// the slots to come back.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace oms::gateway {

class StreamSlots {
 public:
  // Which cap refused a slot.
  enum class Cap { kNone, kGateway, kCredential };
  struct Acquired {
    std::shared_ptr<void> slot;  // null when refused
    Cap refused_by = Cap::kNone;
  };

  // `max` streams in all, `max_per_credential` of one credential. `on_change` (may be null) gets
  // the number open after every change (a gauge).
  StreamSlots(std::size_t max, std::size_t max_per_credential,
              std::function<void(std::size_t)> on_change = nullptr);
  StreamSlots(const StreamSlots&) = delete;
  StreamSlots& operator=(const StreamSlots&) = delete;

  // A slot for a stream of `credential` (Principal::credential_id), held until the last copy of
  // the returned slot goes; refused when the credential holds its cap or every slot is taken.
  // The credential's cap is checked first: a client at its own cap is told so, since it would
  // be refused whatever else is open. The slots must not outlive this object (WaitUntilNone
  // before destroying it).
  Acquired TryAcquire(const std::string& credential);

  std::size_t open() const;
  // The slots `credential` holds.
  std::size_t open(const std::string& credential) const;
  std::size_t max() const { return max_; }
  std::size_t max_per_credential() const { return max_per_credential_; }

  // Waits until no slot is held, at most `timeout`; whether none is.
  bool WaitUntilNone(std::chrono::milliseconds timeout);

 private:
  void Release(const std::string& credential);

  const std::size_t max_;
  const std::size_t max_per_credential_;
  std::function<void(std::size_t)> on_change_;
  mutable std::mutex mu_;
  std::condition_variable none_;
  std::size_t open_ = 0;
  // Only credentials holding a slot: as many entries as open streams at most.
  std::map<std::string, std::size_t> by_credential_;
};

}  // namespace oms::gateway
