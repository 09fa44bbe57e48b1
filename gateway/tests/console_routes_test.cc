// The console's routes in the gateway's pipeline (no server, no backends): /console, /console/
// and /console/<file> answer the files with the console's security headers, without a
// credential; a traversal in any spelling, another method, or a gateway without --console_dir
// answers a 4xx error and nothing else.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/src/backends.h"
#include "gateway/src/gateway.h"
#include "gateway/src/routes.h"

namespace oms::gateway {
namespace {

namespace fs = std::filesystem;

class ConsoleRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oms-console-routes-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    fs::create_directory(root_ + "/console");
    std::ofstream(root_ + "/console/index.html") << "<!doctype html><title>oms</title>";
    std::ofstream(root_ + "/console/app.js") << "import './api.js';";
    std::ofstream(root_ + "/secret.js") << "outside";
    fs::create_symlink(root_ + "/secret.js", root_ + "/console/escape.js");
  }
  void TearDown() override { fs::remove_all(root_); }

  // A gateway with the console routes (and only those) served from `dir`.
  void Build(const std::string& dir) {
    gateway_ = std::make_unique<Gateway>(GatewayOptions{},
                                         std::make_unique<Authenticator>("", nullptr), nullptr);
    RouteOptions options;
    options.console_dir = dir;
    ASSERT_TRUE(AddConsoleRoutes(*gateway_, backends_, options).ok());
  }

  Response Get(const std::string& target, const std::string& method = "GET") {
    Request request;
    request.method = method;
    request.target = target;
    Response out;
    out.status = 0;
    gateway_->Handle(std::move(request), [&](Response response) { out = std::move(response); });
    EXPECT_NE(out.status, 0) << "the console's routes answer at once";
    return out;
  }

  static std::string Header(const Response& response, const std::string& name) {
    const std::string* value = FindHeader(response.headers, name);
    return value != nullptr ? *value : "";
  }
  static std::string Reason(const Response& response) {
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    return body.is_discarded() ? "" : body["error"].value("reason", "");
  }

  Backends backends_{BackendAddresses{}, nullptr};  // channels connect lazily: never called
  std::unique_ptr<Gateway> gateway_;
  std::string root_;
};

TEST_F(ConsoleRoutesTest, ServesThePageAndItsFilesWithTheConsolesHeaders) {
  Build(root_ + "/console");
  for (const char* target : {"/console", "/console/"}) {
    Response page = Get(target);
    ASSERT_EQ(page.status, 200) << target << " " << page.body;
    EXPECT_EQ(page.body, "<!doctype html><title>oms</title>");
    EXPECT_EQ(Header(page, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(Header(page, "Content-Security-Policy"),
              "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
              "frame-ancestors 'none'");
    EXPECT_EQ(Header(page, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(Header(page, "Cache-Control"), "no-cache");
  }
  Response script = Get("/console/app.js");
  ASSERT_EQ(script.status, 200) << script.body;
  EXPECT_EQ(script.body, "import './api.js';");
  EXPECT_EQ(Header(script, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(script, "X-Content-Type-Options"), "nosniff");
  // HEAD: the same answer here; the HTTP server leaves the body out.
  Response head = Get("/console/app.js", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(Header(head, "Content-Type"), "text/javascript; charset=utf-8");
}

TEST_F(ConsoleRoutesTest, RefusesTraversalInEverySpellingWithAClientError) {
  Build(root_ + "/console");
  const struct {
    const char* target;
    int status;
    const char* reason;
  } cases[] = {
      {"/console/..", 400, "INVALID_FILE_NAME"},
      {"/console/.", 400, "INVALID_FILE_NAME"},
      {"/console/%2e%2e", 400, "INVALID_FILE_NAME"},
      {"/console/%2E%2E", 400, "INVALID_FILE_NAME"},
      {"/console/..%2fsecret.js", 400, "INVALID_FILE_NAME"},
      {"/console/%2e%2e%2fsecret.js", 400, "INVALID_FILE_NAME"},
      {"/console/..%5csecret.js", 400, "INVALID_FILE_NAME"},
      {"/console/..\\secret.js", 400, "INVALID_FILE_NAME"},
      {"/console/%2fetc%2fpasswd", 400, "INVALID_FILE_NAME"},
      {"/console/.hidden.js", 400, "INVALID_FILE_NAME"},
      // The router takes these apart before any file is named.
      {"/console/../secret.js", 404, "ROUTE_NOT_FOUND"},
      {"/console//etc/passwd", 404, "ROUTE_NOT_FOUND"},
      {"/console/%00", 404, "ROUTE_NOT_FOUND"},
      {"/console/app.js%00.html", 404, "ROUTE_NOT_FOUND"},
      {"/console/a/b.js", 404, "ROUTE_NOT_FOUND"},
      // Named well, but not the console's to serve.
      {"/console/escape.js", 404, "FILE_NOT_FOUND"},
      {"/console/missing.js", 404, "FILE_NOT_FOUND"},
      {"/console/index.txt", 404, "FILE_NOT_FOUND"},
      // No query parameters, so no cache-buster can be mistaken for part of a name.
      {"/console/app.js?x=..", 400, "UNKNOWN_QUERY_PARAMETER"},
  };
  for (const auto& c : cases) {
    Response answer = Get(c.target);
    EXPECT_EQ(answer.status, c.status) << c.target << " " << answer.body;
    EXPECT_EQ(Reason(answer), c.reason) << c.target << " " << answer.body;
    EXPECT_EQ(answer.body.find("outside"), std::string::npos) << c.target;
    EXPECT_EQ(Header(answer, "Content-Type"), "application/json") << c.target;
  }
  // GET and HEAD only.
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    Response answer = Get("/console/app.js", method);
    EXPECT_EQ(answer.status, 405) << method << " " << answer.body;
    EXPECT_EQ(Header(answer, "Allow"), "GET, HEAD") << method;
  }
}

TEST_F(ConsoleRoutesTest, WithoutAConsoleDirectoryEveryConsoleRouteAnswersNotFound) {
  Build("");
  for (const char* target : {"/console", "/console/", "/console/app.js"}) {
    Response answer = Get(target);
    EXPECT_EQ(answer.status, 404) << target;
    EXPECT_EQ(Reason(answer), "CONSOLE_NOT_SERVED") << target;
  }
}

TEST_F(ConsoleRoutesTest, AConsoleDirectoryThatIsNoneIsRefusedAtStartUp) {
  auto gateway = std::make_unique<Gateway>(GatewayOptions{},
                                           std::make_unique<Authenticator>("", nullptr), nullptr);
  RouteOptions options;
  options.console_dir = root_ + "/missing";
  EXPECT_FALSE(AddConsoleRoutes(*gateway, backends_, options).ok());
  options.console_dir = root_ + "/console/index.html";
  EXPECT_FALSE(AddConsoleRoutes(*gateway, backends_, options).ok());
}

}  // namespace
}  // namespace oms::gateway
