// A fixed pool of threads with a bounded queue, for the blocking work (database calls, outgoing
// blocking RPCs) that gRPC reactions must not do on gRPC's own threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace oms {

class BoundedExecutor {
 public:
  BoundedExecutor(std::size_t threads, std::size_t queue_capacity);
  ~BoundedExecutor();  // Stop()s.
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues `task`; false when the queue is full or the executor is stopping, so the caller can
  // answer RESOURCE_EXHAUSTED instead of piling up work.
  [[nodiscard]] bool TrySubmit(std::function<void()> task);

  // Runs what is queued, then joins the threads. Later TrySubmit calls are refused.
  void Stop();

  std::size_t queued() const;

 private:
  void WorkLoop();

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace oms
