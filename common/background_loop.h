// A thread that runs one step of background work again and again (a sweep, a backfill batch)
// until the step says it is done or Stop() is called. Between steps it waits as long as the step
// asks, and Stop() cuts that wait short; a step in progress finishes first.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace oms {

class BackgroundLoop {
 public:
  // What comes after a step: a pause before the next one (zero: at once), or nullopt: done.
  using Step = std::function<std::optional<std::chrono::milliseconds>()>;

  explicit BackgroundLoop(Step step) : step_(std::move(step)) {}
  ~BackgroundLoop() { Stop(); }
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  void Start();
  // Returns once the thread has ended.
  void Stop();

 private:
  void Run();

  Step step_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace oms
