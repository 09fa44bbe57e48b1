// The console's file resolver: the names it accepts, every way a request might try to leave the
// directory (dot-dot, separators, backslashes, escapes, NUL, absolute paths, symlinks out), the
// files it will not serve, and the content type of each kind it does.
#include "gateway/src/static_files.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/status.h"

namespace oms::gateway {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oms-static-files-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/console";
    fs::create_directory(dir_);
    Write(dir_ + "/index.html", "<!doctype html><title>console</title>");
    Write(dir_ + "/app.js", "export const x = 1;\n");
    Write(dir_ + "/console.css", "body{}");
    Write(dir_ + "/.hidden.js", "secret");
    Write(dir_ + "/notes.txt", "not served");
    fs::create_directory(dir_ + "/sub.js");  // a directory with a served extension
    Write(dir_ + "/sub.js/inner.js", "inner");
    // Outside the directory: what a traversal would be after.
    Write(root_ + "/secret.js", "outside");
    fs::create_symlink(root_ + "/secret.js", dir_ + "/escape.js");
    fs::create_symlink("app.js", dir_ + "/alias.js");  // a symlink that stays inside
    fs::create_symlink(dir_ + "/sub.js/inner.js", dir_ + "/deeper.js");
    fs::create_symlink("/etc/passwd", dir_ + "/passwd.js");
    fs::create_symlink(root_ + "/missing.js", dir_ + "/dangling.js");
  }
  void TearDown() override { fs::remove_all(root_); }

  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }

  StaticFiles Files() const {
    auto files = StaticFiles::Open(dir_);
    EXPECT_TRUE(files.ok()) << files.status();
    return *std::move(files);
  }

  std::string root_, dir_;
};

TEST_F(StaticFilesTest, ServesTheFilesOfTheDirectoryWithTheirTypes) {
  const StaticFiles files = Files();
  auto index = files.Read("");
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(index->body, "<!doctype html><title>console</title>");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  auto script = files.Read("app.js");
  ASSERT_TRUE(script.ok()) << script.status();
  EXPECT_EQ(script->body, "export const x = 1;\n");
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
  auto style = files.Read("console.css");
  ASSERT_TRUE(style.ok()) << style.status();
  EXPECT_EQ(style->content_type, "text/css; charset=utf-8");
  // A symlink to another file of the directory is that file.
  auto alias = files.Read("alias.js");
  ASSERT_TRUE(alias.ok()) << alias.status();
  EXPECT_EQ(alias->body, "export const x = 1;\n");
}

TEST_F(StaticFilesTest, ContentTypesByExtension) {
  EXPECT_EQ(StaticContentType("a.html"), "text/html; charset=utf-8");
  EXPECT_EQ(StaticContentType("A.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(StaticContentType("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(StaticContentType("a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(StaticContentType("a.svg"), "image/svg+xml");
  EXPECT_EQ(StaticContentType("a.png"), "image/png");
  EXPECT_EQ(StaticContentType("a.ico"), "image/x-icon");
  for (const char* other : {"a.txt", "a.json", "a.mjs", "a.map", "a.sh", "a", "a.", "html"}) {
    EXPECT_EQ(StaticContentType(other), "") << other;
  }
}

// Each traversal a client might send, as the request spells it: refused as a malformed name
// (400) before any file is looked at.
TEST_F(StaticFilesTest, RefusesEveryTraversalAttemptAsAMalformedName) {
  const StaticFiles files = Files();
  const std::string attempts[] = {
      "..",
      ".",
      ".hidden.js",  // hidden files, .htaccess and the like
      "../secret.js",
      "..%2fsecret.js",
      "..%2Fsecret.js",
      "%2e%2e/secret.js",
      "%2E%2E%2Fsecret.js",
      "%2e%2e",
      ".%2e",
      "%2e.",
      "..%5csecret.js",
      "..\\secret.js",
      "\\etc\\passwd.js",
      "/etc/passwd",
      "//etc/passwd.js",
      "sub.js/inner.js",
      "sub.js%2finner.js",
      "a..js",
      "app.js/",
      "app.js%00.js",
      std::string("app.js\0.html", 12),
      std::string("\0", 1),
      "app.js\n",
      "app js",
      "%61pp.js",  // an escape of a harmless letter is refused too: no escape is decoded
      "app.js?x=1",
      "app.js#x",
      "~root.js",
      "C:app.js",
      "app.js;.html",
      "\xc3\xa4pp.js",     // UTF-8
      "\xc0\xae\xc0\xae",  // overlong-encoded dots
      std::string(129, 'a') + ".js",
  };
  for (const std::string& name : attempts) {
    auto file = files.Read(name);
    ASSERT_FALSE(file.ok()) << name;
    EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(ReasonOf(file.status()), "INVALID_FILE_NAME") << name;
    EXPECT_EQ(CheckStaticFileName(name).code(), absl::StatusCode::kInvalidArgument) << name;
  }
}

// Well-formed names the console never serves, and files that are not there or not its own:
// 404, the same for each, so nothing tells them apart.
TEST_F(StaticFilesTest, AnswersNotFoundForWhatItDoesNotServe) {
  const StaticFiles files = Files();
  for (const char* name : {"notes.txt",       // an extension not served
                           "README",          // none
                           "missing.js",      // not there
                           "sub.js",          // a directory
                           "escape.js",       // a symlink out of the directory
                           "passwd.js",       // a symlink to a system file
                           "deeper.js",       // a symlink into a subdirectory
                           "dangling.js"}) {  // a symlink to nothing
    auto file = files.Read(name);
    ASSERT_FALSE(file.ok()) << name << " served " << file->body;
    EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound) << name << " " << file.status();
    EXPECT_EQ(ReasonOf(file.status()), "FILE_NOT_FOUND") << name;
  }
}

TEST_F(StaticFilesTest, RefusesFilesOverTheSizeLimit) {
  Write(dir_ + "/big.js", std::string(StaticFiles::kMaxFileBytes + 1, 'x'));
  auto file = Files().Read("big.js");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StaticFilesTest, TheDirectoryMustExistAndBeOne) {
  EXPECT_FALSE(StaticFiles::Open(root_ + "/no-such-dir").ok());
  EXPECT_FALSE(StaticFiles::Open(dir_ + "/index.html").ok());
  EXPECT_FALSE(StaticFiles::Open("").ok());
  // A symlinked directory is resolved once; its files are checked against the real one.
  fs::create_directory_symlink(dir_, root_ + "/linked");
  auto linked = StaticFiles::Open(root_ + "/linked");
  ASSERT_TRUE(linked.ok()) << linked.status();
  EXPECT_EQ(linked->dir(), fs::canonical(dir_).string());
  EXPECT_TRUE(linked->Read("app.js").ok());
  EXPECT_FALSE(linked->Read("escape.js").ok());
}

}  // namespace
}  // namespace oms::gateway
