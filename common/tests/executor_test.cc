#include "common/executor.h"

#include <atomic>
#include <future>

#include <gtest/gtest.h>

namespace oms {
namespace {

TEST(BoundedExecutorTest, RunsEverySubmittedTask) {
  std::atomic<int> ran{0};
  {
    BoundedExecutor executor(2, 100);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(executor.TrySubmit([&ran] { ++ran; }));
    executor.Stop();  // drains the queue first
  }
  EXPECT_EQ(ran.load(), 50);
}

TEST(BoundedExecutorTest, RefusesWhenTheQueueIsFull) {
  BoundedExecutor executor(1, 1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(executor.TrySubmit([&started, released] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();             // the only worker is busy
  EXPECT_TRUE(executor.TrySubmit([] {}));  // fills the queue of one
  EXPECT_FALSE(executor.TrySubmit([] {}));
  release.set_value();
  executor.Stop();
  EXPECT_FALSE(executor.TrySubmit([] {}));  // stopped
}

}  // namespace
}  // namespace oms
