// BackgroundLoop: steps run until one says done, with the pauses they ask for; Stop() ends a
// long pause at once.
#include "common/background_loop.h"

#include <atomic>
#include <chrono>

#include <gtest/gtest.h>

namespace oms {
namespace {

using std::chrono::milliseconds;

TEST(BackgroundLoopTest, RunsStepsUntilOneSaysDone) {
  std::atomic<int> steps{0};
  BackgroundLoop loop([&steps]() -> std::optional<milliseconds> {
    return ++steps < 3 ? std::optional<milliseconds>(0) : std::nullopt;
  });
  loop.Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (steps.load() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  loop.Stop();
  EXPECT_EQ(steps.load(), 3) << "no step after the one that said done";
}

TEST(BackgroundLoopTest, StopCutsAPauseShort) {
  std::atomic<int> steps{0};
  BackgroundLoop loop([&steps]() -> std::optional<milliseconds> {
    ++steps;
    return std::chrono::hours(1);
  });
  loop.Start();
  while (steps.load() == 0) std::this_thread::sleep_for(milliseconds(1));
  const auto stopping = std::chrono::steady_clock::now();
  loop.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(5));
  EXPECT_EQ(steps.load(), 1);
}

}  // namespace
}  // namespace oms
