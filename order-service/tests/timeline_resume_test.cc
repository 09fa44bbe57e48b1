// Resume positions in commit order: a late commit is sent on resume whatever ids went before
// it, every token of a batch resumes after exactly its event, finished batches leave short
// tokens, and a client's token is checked before anything is read.
#include "order-service/src/timeline_resume.h"

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"

namespace oms::order {
namespace {

constexpr TimelineSource kOrder = TimelineSource::kOrder;
constexpr TimelineSource kBilling = TimelineSource::kBilling;
constexpr TimelineSource kShipping = TimelineSource::kShipping;

// A timeline id recorded at `micros`.
std::string Id(int64_t micros, int n = 0) { return absl::StrFormat("%017d-%016x", micros, n); }

std::vector<std::string> Ids(const std::vector<std::pair<std::string, std::string>>& plan) {
  std::vector<std::string> ids;
  for (const auto& [id, token] : plan) ids.push_back(id);
  return ids;
}

// The ids a plan sends after its k-th event.
std::vector<std::string> IdsAfter(const std::vector<std::pair<std::string, std::string>>& plan,
                                  std::size_t k) {
  std::vector<std::string> ids;
  for (std::size_t i = k + 1; i < plan.size(); ++i) ids.push_back(plan[i].first);
  return ids;
}

ResumePosition Resume(const std::string& token) {
  auto position = ResumePosition::Parse(token, "after_event_id");
  EXPECT_TRUE(position.ok()) << position.status() << " " << token;
  return position.ok() ? *position : ResumePosition();
}

TEST(TimelineResumeTest, ACaptureThatCommitsLateIsSentOnResumeThoughLaterEventsWentFirst) {
  // Billing's capture was recorded at 2 s by transaction 50, which is still waiting on the
  // provider: the first read does not see it, and its floor says transaction 50 may be running.
  TimelineRead first;
  first.floors = {101, 50, 300};
  first.events[Id(1'000'000)] = {kOrder, 100};
  first.events[Id(3'000'000)] = {kShipping, 301};  // a scan recorded later, committed already
  const auto sent = ResumePosition().Plan(first);
  ASSERT_EQ(Ids(sent), (std::vector<std::string>{Id(1'000'000), Id(3'000'000)}));

  // The client goes away after the scan; the capture commits; the client comes back.
  TimelineRead second = first;
  second.floors = {101, 51, 302};
  second.events[Id(2'000'000)] = {kBilling, 50};
  EXPECT_EQ(Ids(Resume(sent.back().second).Plan(second)), std::vector<std::string>{Id(2'000'000)});
  // A clock position (the last id) skips it: what the timeline's ids alone can do.
  EXPECT_TRUE(ResumePosition::AfterEventId(Id(3'000'000)).Plan(second).empty());
  // Resumed from the scan's token and again from the capture's, nothing is sent twice.
  const auto resumed = Resume(sent.back().second).Plan(second);
  EXPECT_TRUE(Resume(resumed.back().second).Plan(second).empty());
}

TEST(TimelineResumeTest, EachTokenOfABatchResumesAfterExactlyItsEvent) {
  TimelineRead read;
  read.floors = {20, 7, 40};
  read.events[Id(1)] = {kOrder, 10};
  read.events[Id(2)] = {kBilling, 5};
  read.events[Id(3)] = {kOrder, 21};  // above the floor: listed
  read.events[Id(4)] = {kShipping, 39};
  read.events[Id(5)] = {kBilling, 8};  // above the floor: listed
  const auto plan = ResumePosition().Plan(read);
  ASSERT_EQ(plan.size(), 5u);
  for (std::size_t k = 0; k < plan.size(); ++k) {
    EXPECT_EQ(Ids(Resume(plan[k].second).Plan(read)), IdsAfter(plan, k)) << k;
  }
}

TEST(TimelineResumeTest, AMidBatchTokenAgainstALaterReadSendsTheRestAndWhatCommittedSince) {
  TimelineRead read;
  read.floors = {20, 0, 0};
  read.events[Id(1)] = {kOrder, 10};
  read.events[Id(2)] = {kOrder, 11};
  read.events[Id(4)] = {kOrder, 12};
  const auto plan = ResumePosition().Plan(read);
  ASSERT_EQ(plan.size(), 3u);
  // Resumed after Id(2): Id(4) is still to come, and Id(3) committed in between (transaction 25,
  // running during the first read) though its id is below the last one sent.
  TimelineRead later = read;
  later.floors = {30, 0, 0};
  later.events[Id(3)] = {kOrder, 25};
  EXPECT_EQ(Ids(Resume(plan[1].second).Plan(later)), (std::vector<std::string>{Id(3), Id(4)}));
}

TEST(TimelineResumeTest, AFinishedBatchLeavesATokenListingOnlyWhatIsAboveTheFloors) {
  TimelineRead read;
  read.floors = {1000, 1000, 1000};
  for (int i = 0; i < 250; ++i) read.events[Id(i)] = {kOrder, 100 + i};
  read.events[Id(999)] = {kShipping, 1001};  // still running about the read: listed
  const auto plan = ResumePosition().Plan(read);
  ASSERT_EQ(plan.size(), 251u);
  EXPECT_EQ(plan.back().second, "r1~1000.1000.1000~1000.1000.1000~~" +
                                    plan.back().second.substr(plan.back().second.size() - 12));
  for (const auto& [id, token] : plan) EXPECT_LE(token.size(), kMaxResumeTokenLength);
}

TEST(TimelineResumeTest, PastTheListsBoundATokenMayRepeatEventsButNeverSkipsOne) {
  // Every event above every floor (transactions that never end, say): more than a token lists.
  TimelineRead read;
  for (int i = 0; i < 400; ++i) read.events[Id(i)] = {kBilling, 5000 + i};
  const auto plan = ResumePosition().Plan(read);
  ASSERT_EQ(plan.size(), 400u);
  for (std::size_t k : {std::size_t{0}, std::size_t{199}, std::size_t{350}, plan.size() - 1}) {
    ASSERT_LE(plan[k].second.size(), kMaxResumeTokenLength) << k;
    const auto again = Ids(Resume(plan[k].second).Plan(read));
    for (const auto& id : IdsAfter(plan, k)) {
      EXPECT_NE(std::find(again.begin(), again.end(), id), again.end()) << "skipped " << id;
    }
  }
}

TEST(TimelineResumeTest, AnEventIdResumesAfterItByTheClock) {
  TimelineRead read;
  read.floors = {50, 50, 50};
  read.events[Id(1)] = {kOrder, 10};
  read.events[Id(2)] = {kShipping, 60};
  read.events[Id(3)] = {kBilling, 11};
  const auto plan = ResumePosition::AfterEventId(Id(2)).Plan(read);
  EXPECT_EQ(Ids(plan), std::vector<std::string>{Id(3)});
  EXPECT_TRUE(Resume(plan.back().second).Plan(read).empty());
}

TEST(TimelineResumeTest, ATokenIsCheckedBeforeAnythingIsRead) {
  TimelineRead read;
  read.floors = {5, 5, 5};
  read.events[Id(1)] = {kOrder, 6};
  const std::string token = ResumePosition().Plan(read).back().second;
  EXPECT_TRUE(ResumePosition::LooksLikeToken(token));
  EXPECT_EQ(Resume(token).Token(), token);
  EXPECT_FALSE(ResumePosition::LooksLikeToken(Id(1)));
  for (const std::string& bad :
       {std::string("r1~"), std::string("r1~1.2~1.2.3~~"), std::string("r1~1.2.x~1.2.3~~"),
        std::string("r1~1.2.3~1.2.3~yesterday~"), std::string("r1~1.2.3~1.2.3~~abc"),
        std::string("r1~1.2.3~1.2.3~~ABCDEF012345"), std::string("r1~-1.2.3~1.2.3~~"),
        std::string("r1~99999999999999999999.2.3~1.2.3~~"), std::string("r1~1.2.3~1.2.3~~~"),
        "r1~1.2.3~1.2.3~~" + std::string(kMaxResumeTokenLength, 'a')}) {
    auto parsed = ResumePosition::Parse(bad, "after_event_id");
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(parsed.status().message().find("after_event_id"), std::string::npos) << bad;
  }
}

// Mutated tokens (a seeded run): each is refused naming the field, or parses into a position
// that writes the same token back and plans against a read without fault.
TEST(TimelineResumeTest, MutatedTokensAreRefusedOrRoundTrip) {
  TimelineRead read;
  read.floors = {30, 30, 30};
  for (int i = 0; i < 40; ++i) {
    read.events[Id(i)] = {static_cast<TimelineSource>(i % 3), 10 + i};
  }
  const auto plan = ResumePosition().Plan(read);
  std::mt19937 random(20261205);
  const std::string alphabet = "r1~.-0123456789abcdefABCDEF xyz\x01\xff";
  int parsed = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string token = plan[random() % plan.size()].second;
    for (int edits = 1 + random() % 3; edits > 0; --edits) {
      const std::size_t at = token.empty() ? 0 : random() % token.size();
      switch (random() % 3) {
        case 0:
          if (!token.empty()) token[at] = alphabet[random() % alphabet.size()];
          break;
        case 1:
          token.insert(at, 1, alphabet[random() % alphabet.size()]);
          break;
        default:
          if (!token.empty()) token.erase(at, 1 + random() % 4);
      }
    }
    auto position = ResumePosition::Parse(token, "after_event_id");
    if (!position.ok()) {
      EXPECT_EQ(position.status().code(), absl::StatusCode::kInvalidArgument) << token;
      EXPECT_NE(position.status().message().find("after_event_id"), std::string::npos);
      continue;
    }
    ++parsed;
    EXPECT_EQ(ResumePosition::Parse(position->Token(), "t")->Token(), position->Token());
    EXPECT_LE(position->Plan(read).size(), read.events.size());
  }
  EXPECT_GT(parsed, 0);  // some edits keep a token well formed (a digit for a digit)
}

}  // namespace
}  // namespace oms::order
