#include "common/background_loop.h"

namespace oms {

void BackgroundLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void BackgroundLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundLoop::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const std::optional<std::chrono::milliseconds> pause = step_();
    lock.lock();
    if (!pause.has_value()) return;
    wake_.wait_for(lock, *pause, [this] { return stopping_; });
  }
}

}  // namespace oms
