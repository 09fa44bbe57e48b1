// PrepareProcess's malloc setting, in a process of its own (ctest runs each test alone): threads
// allocating at once share two arenas instead of getting one each.
#include "common/process_setup.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <malloc.h>

namespace oms {
namespace {

// The arenas glibc has made so far: the <heap> elements of malloc_info's report.
int Arenas() {
  char* report = nullptr;
  std::size_t size = 0;
  FILE* out = open_memstream(&report, &size);
  malloc_info(0, out);
  std::fclose(out);
  const std::string xml(report, size);
  std::free(report);
  int heaps = 0;
  for (auto at = xml.find("<heap nr="); at != std::string::npos;
       at = xml.find("<heap nr=", at + 1)) {
    ++heaps;
  }
  return heaps;
}

TEST(ProcessSetupTest, ThreadsThatAllocateAtOnceShareTwoArenas) {
  ASSERT_EQ(std::getenv("MALLOC_ARENA_MAX"), nullptr) << "the test needs glibc's default";
  PrepareProcess();
  // Eight threads, each holding memory until all have some: without a cap glibc gives each a
  // new arena of its own.
  constexpr int kThreads = 8;
  std::atomic<int> holding{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&holding] {
      std::vector<void*> blocks;
      for (int j = 0; j < 16; ++j) blocks.push_back(std::malloc(4096));
      ++holding;
      while (holding.load() < kThreads) std::this_thread::yield();
      for (void* block : blocks) std::free(block);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(Arenas(), 2);
}

}  // namespace
}  // namespace oms
