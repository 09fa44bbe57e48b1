// Failpoints: the actions and triggers of a specification, malformed entries named, hits
// counted per point, a seeded probability, and a file that arms and disarms a running process.
#include "common/failpoints.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

namespace oms {
namespace {

using namespace std::chrono_literals;

std::vector<FailAction> HitTimes(const Failpoints& failpoints, const std::string& name, int n) {
  std::vector<FailAction> actions;
  for (int i = 0; i < n; ++i) actions.push_back(failpoints.Hit(name, "req").action);
  return actions;
}

TEST(FailpointsTest, EveryActionAndTriggerParsesAndAMalformedEntryIsNamed) {
  EXPECT_TRUE(Failpoints::Validate("a=crash, b=sleep(10)@p0.5\nc=error(UNAVAILABLE)@nth2,"
                                   "d=reply_lost@every3,e=error(ABORTED)@always")
                  .ok());
  for (const std::string bad :
       {"a=sleep(0)", "a=sleep(600001)", "a=explode", "a=error(NOPE)", "a=error()", "a=crash@p0",
        "a=crash@p1.5", "a=crash@nth0", "a=crash@every-1", "a=crash@sometimes", "=crash", "a"}) {
    absl::Status status = Failpoints::Validate("ok=crash," + bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("\"" + bad + "\""), std::string::npos) << status;
  }
  // The well-formed entries of a specification are armed, the others left out.
  const Failpoints failpoints = Failpoints::Parse("a=crash,b=sleep,c=reply_lost@p2,d=reply_lost");
  EXPECT_TRUE(failpoints.armed("a"));
  EXPECT_FALSE(failpoints.armed("b"));
  EXPECT_FALSE(failpoints.armed("c"));
  EXPECT_TRUE(failpoints.armed("d"));
  EXPECT_FALSE(failpoints.empty());
  EXPECT_TRUE(Failpoints().empty());
  EXPECT_EQ(Failpoints().Hit("a", "req").action, FailAction::kNone);
}

TEST(FailpointsTest, NthAndEveryCountTheHitsOfTheirPointAndCopiesShareTheCount) {
  const Failpoints failpoints = Failpoints::Parse("a=error(ABORTED)@nth2,b=reply_lost@every3");
  const Failpoints copy = failpoints;
  EXPECT_EQ(failpoints.Hit("a", "req").action, FailAction::kNone);
  const FailDecision second = copy.Hit("a", "req");
  EXPECT_EQ(second.action, FailAction::kError);
  EXPECT_EQ(second.AsStatus("a").code(), absl::StatusCode::kAborted);
  EXPECT_EQ(HitTimes(failpoints, "a", 3), std::vector<FailAction>(3, FailAction::kNone));
  const std::vector<FailAction> b = HitTimes(failpoints, "b", 6);
  EXPECT_EQ(
      b, (std::vector<FailAction>{FailAction::kNone, FailAction::kNone, FailAction::kReplyLost,
                                  FailAction::kNone, FailAction::kNone, FailAction::kReplyLost}));
  EXPECT_EQ(FailDecision{FailAction::kReplyLost}.AsStatus("b").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(FailDecision{}.AsStatus("b").ok());
}

TEST(FailpointsTest, AProbabilityIsSeededSoTheSameHitsFireTheSameWay) {
  const std::vector<FailAction> first =
      HitTimes(Failpoints::Parse("p=error(UNAVAILABLE)@p0.25"), "p", 1000);
  const std::vector<FailAction> again =
      HitTimes(Failpoints::Parse("p=error(UNAVAILABLE)@p0.25"), "p", 1000);
  EXPECT_EQ(first, again);
  const auto fired = std::count(first.begin(), first.end(), FailAction::kError);
  EXPECT_GT(fired, 180);
  EXPECT_LT(fired, 320);
}

TEST(FailpointsTest, ASleepStallsTheCallerAndLeavesItNothingElseToDo) {
  const Failpoints failpoints = Failpoints::Parse("s=sleep(60)");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(failpoints.Hit("s", "req").action, FailAction::kNone);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 60ms);
}

TEST(FailpointsTest, AWatchedFileArmsAndDisarmsARunningProcess) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("oms-failpoints-" + std::to_string(getpid()));
  auto write = [&file](const std::string& content) {
    const std::filesystem::path next = file.string() + ".next";
    std::ofstream(next) << content;
    std::filesystem::rename(next, file);  // whole, as the chaos suite writes it
  };
  write("");
  ASSERT_EQ(setenv("OMS_FAILPOINTS_FILE", file.c_str(), 1), 0);
  const Failpoints failpoints = Failpoints::FromEnvironment();
  unsetenv("OMS_FAILPOINTS_FILE");
  EXPECT_FALSE(failpoints.empty());  // a file is watched even while it arms nothing
  EXPECT_EQ(failpoints.Hit("x", "req").action, FailAction::kNone);

  write("x=error(INTERNAL)\n");
  std::this_thread::sleep_for(150ms);
  const FailDecision armed = failpoints.Hit("x", "req");
  EXPECT_EQ(armed.action, FailAction::kError);
  EXPECT_EQ(armed.code, absl::StatusCode::kInternal);

  write("y=crash\n");
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(failpoints.Hit("x", "req").action, FailAction::kNone);
  EXPECT_TRUE(failpoints.armed("y"));
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace oms
