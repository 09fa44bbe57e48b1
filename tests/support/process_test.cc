// The records ChildProcess leaves for `./oms test` (tools/oms/test.sh stop_left_children): one
// per child while it runs, gone once it is reaped, and still there when the test process died
// without reaping it, naming the binary the pid runs.
#include "tests/support/process.h"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace oms::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kSleep[] = "/bin/sleep";

class ChildRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_EQ(setenv("OMS_TEST_CHILDREN_DIR", dir_.c_str(), 1), 0);
  }
  void TearDown() override {
    unsetenv("OMS_TEST_CHILDREN_DIR");
    fs::remove_all(dir_);
  }
  std::string Record(pid_t pid) const { return dir_ + "/" + std::to_string(pid); }

  std::string dir_;
};

TEST_F(ChildRecordTest, AChildIsRecordedWhileItRunsAndForgottenOnceReaped) {
  ChildProcess child;
  ASSERT_TRUE(child.Start(kSleep, {"30"}, {{"OMS_INSECURE_PLAINTEXT", "1"}}, dir_ + "/log").ok());
  const pid_t pid = child.pid();
  ASSERT_TRUE(fs::exists(Record(pid)));
  EXPECT_EQ(ReadFile(Record(pid)), fs::canonical(kSleep).string() + "\n");
  ASSERT_TRUE(child.Stop(SIGTERM, std::chrono::seconds(5)).ok());
  EXPECT_FALSE(fs::exists(Record(pid)));
}

TEST_F(ChildRecordTest, AChildOfATestKilledBeforeItsDestructorsStaysRecorded) {
  // The "test" is a forked process that starts a child and dies at once, as under a ctest
  // timeout: nothing reaps the child, whose record names it.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t test = fork();
  ASSERT_GE(test, 0);
  if (test == 0) {
    close(pipe_fds[0]);
    auto* child = new ChildProcess();  // never destroyed
    pid_t started = -1;
    if (child->Start(kSleep, {"30"}, {{"OMS_INSECURE_PLAINTEXT", "1"}}, dir_ + "/log").ok()) {
      started = child->pid();
    }
    (void)!write(pipe_fds[1], &started, sizeof started);
    _exit(0);
  }
  close(pipe_fds[1]);
  pid_t left = -1;
  ASSERT_EQ(read(pipe_fds[0], &left, sizeof left), static_cast<ssize_t>(sizeof left));
  close(pipe_fds[0]);
  waitpid(test, nullptr, 0);
  ASSERT_GT(left, 0);
  EXPECT_TRUE(fs::exists(Record(left)));
  EXPECT_EQ(ReadFile(Record(left)), fs::canonical(kSleep).string() + "\n");
  EXPECT_EQ(kill(left, 0), 0) << "the orphan should still run";
  kill(left, SIGKILL);  // what stop_left_children does; it is init's to reap now
}

}  // namespace
}  // namespace oms::testing
