// Fan-out of "something changed" to the open streams of this process. A stream subscribes with a
// key (an order id, say) or with none to hear every change; the notifier (a LISTEN/NOTIFY
// listener) wakes one key or all. No gRPC, no I/O: listeners and streams meet here.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace oms {

// One open stream. Neither method may block or call back into the hub.
class StreamSubscriber {
 public:
  virtual ~StreamSubscriber() = default;
  // New events may have committed: read past the cursor.
  virtual void Wake() = 0;
  // The server is shutting down: end the stream (UNAVAILABLE) as soon as nothing is in flight.
  virtual void Close() = 0;
};

class WakeHub {
 public:
  explicit WakeHub(std::size_t max_subscribers) : max_subscribers_(max_subscribers) {}
  virtual ~WakeHub() = default;

  // False when the hub is closed or full; the caller then ends its stream at once. An empty
  // `key` hears every Wake().
  [[nodiscard]] bool Subscribe(StreamSubscriber* subscriber, const std::string& key = "");
  void Unsubscribe(StreamSubscriber* subscriber);
  // Wakes the subscribers of `key` and those without a key.
  void Wake(const std::string& key);
  void WakeAll();
  // Refuses new subscribers and closes the open ones. Idempotent.
  void Close();
  bool closed() const;
  std::size_t size() const;

 private:
  template <class Call>
  void ForEach(const std::string* key, Call call);

  const std::size_t max_subscribers_;
  // Recursive: a subscriber's Close() may end its call, and should gRPC run OnDone on this very
  // thread, its Unsubscribe() comes back here. Every loop walks a copy.
  mutable std::recursive_mutex mu_;
  std::map<StreamSubscriber*, std::string> subscribers_;
  bool closed_ = false;
};

}  // namespace oms
