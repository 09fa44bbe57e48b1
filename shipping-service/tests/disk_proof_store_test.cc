// DiskProofStore on a real temporary directory: content-addressed files, written whole, the same
// bytes once, nothing written for a refused image.
#include "shipping-service/src/disk_proof_store.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "shipping-service/src/proof_rules.h"
#include "tests/support/sample_images.h"

namespace oms::shipping {
namespace {

namespace fs = std::filesystem;

const std::string& kPng = oms::testing::kTinyPng;
const std::string& kJpeg = oms::testing::kJpegStart;

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

class DiskProofStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "oms-proofs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ + "/nested/proofs";  // created by Open
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string root_, dir_;
};

TEST_F(DiskProofStoreTest, TheSameBytesTwiceAreOneFileNamedByTheirDigest) {
  auto store = DiskProofStore::Open(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto first = store->Put("image/png", kPng);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->sha256, Sha256Hex(kPng));
  EXPECT_EQ(first->content_type, "image/png");
  EXPECT_EQ(first->size, 69);
  auto second = store->Put("image/png", kPng);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->sha256, first->sha256);
  EXPECT_EQ(FilesIn(dir_), std::vector<std::string>{first->sha256 + ".png"});  // no temp left
  EXPECT_EQ(ReadFile(dir_ + "/" + first->sha256 + ".png"), kPng);
  auto read = store->Get(first->sha256, "image/png");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, kPng);

  auto jpeg = store->Put("image/jpeg", kJpeg);
  ASSERT_TRUE(jpeg.ok()) << jpeg.status();
  EXPECT_EQ(FilesIn(dir_).size(), 2u);
  EXPECT_TRUE(fs::exists(dir_ + "/" + jpeg->sha256 + ".jpg"));
}

TEST_F(DiskProofStoreTest, ARefusedImageWritesNothing) {
  auto store = DiskProofStore::Open(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto gif = store->Put("image/gif", "GIF89a");
  ASSERT_FALSE(gif.ok());
  EXPECT_EQ(gif.status().code(), absl::StatusCode::kInvalidArgument);
  auto disguised = store->Put("image/png", kJpeg);  // a JPEG declared as PNG
  ASSERT_FALSE(disguised.ok());
  EXPECT_EQ(disguised.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(disguised.status().message().find("data"), std::string::npos);
  std::string too_big = kPng;
  too_big.resize(kMaxProofBytes + 1, '\0');
  auto over = store->Put("image/png", too_big);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(FilesIn(dir_).empty());
}

TEST_F(DiskProofStoreTest, AMissingProofIsNotFound) {
  auto store = DiskProofStore::Open(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto missing = store->Get(Sha256Hex(kPng), "image/png");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  // The type is part of the name: a stored PNG is not found as a JPEG.
  ASSERT_TRUE(store->Put("image/png", kPng).ok());
  EXPECT_EQ(store->Get(Sha256Hex(kPng), "image/jpeg").status().code(), absl::StatusCode::kNotFound);
  // A digest that is no digest never reaches the file system.
  EXPECT_EQ(store->Get("../../etc/passwd", "image/png").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DiskProofStoreTest, OpenRefusesWhatIsNoDirectory) {
  std::ofstream(root_ + "/file") << "x";
  auto opened = DiskProofStore::Open(root_ + "/file");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(DiskProofStore::Open("").ok());
}

}  // namespace
}  // namespace oms::shipping
