// The operations console (console/ at the repository root): its files under /console, GET and
// HEAD, public, since they hold no data; what they show comes from the API, with the credential
// the operator types in. Served from --console_dir (RouteOptions::console_dir); without one the
// routes answer 404, so that the route table is the same on every gateway.
#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "common/status.h"
#include "gateway/src/gateway.h"
#include "gateway/src/routes.h"
#include "gateway/src/static_files.h"

namespace oms::gateway {
namespace {

constexpr char kPrefix[] = "/console/";

// The console's scripts and styles are its own files, never inline, so the browser may run
// nothing else: no injected script runs, no page frames the console, and no answer is sniffed
// as another type. Images also from blob: URLs: the proof photos the console fetches with the
// credential (an <img src> cannot send it). no-cache: a browser checks for a newer console on
// every load.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'";

// The file name as the request sent it, escapes not decoded (the router decodes {file};
// StaticFiles checks the raw text so that no escape hides a separator or a dot): "" for
// /console and /console/.
std::string RequestedName(const Exchange& exchange) {
  const std::string& target = exchange.request().target;
  const std::string path = target.substr(0, target.find('?'));
  return absl::StartsWith(path, kPrefix) ? path.substr(sizeof kPrefix - 1) : std::string();
}

}  // namespace

absl::Status AddConsoleRoutes(Gateway& gateway, Backends& /*backends*/,
                              const RouteOptions& options) {
  std::shared_ptr<const StaticFiles> files;
  if (!options.console_dir.empty()) {
    auto opened = StaticFiles::Open(options.console_dir);
    if (!opened.ok()) return opened.status();
    files = std::make_shared<const StaticFiles>(std::move(*opened));
  }
  auto handler = [files](std::shared_ptr<Exchange> exchange) {
    if (files == nullptr) {
      exchange->Fail(WithReason(absl::StatusCode::kNotFound, "CONSOLE_NOT_SERVED",
                                "this gateway serves no console (--console_dir is not set)"));
      return;
    }
    // A few kilobytes from the page cache: read on the HTTP thread, as each request comes, so
    // that an edited console is served without a restart.
    auto file = files->Read(RequestedName(*exchange));
    if (!file.ok()) {
      exchange->Fail(file.status());
      return;
    }
    Response response;
    response.status = 200;
    response.SetHeader("Content-Type", file->content_type);
    response.SetHeader("Content-Security-Policy", kContentSecurityPolicy);
    response.SetHeader("X-Content-Type-Options", "nosniff");
    response.SetHeader("Cache-Control", "no-cache");
    // HEAD: the same head; the HTTP server sends no body for it.
    response.body = std::move(file->body);
    exchange->Reply(std::move(response));
  };

  std::vector<RouteSpec> routes;
  struct Shape {
    const char* path;
    const char* operation;
    const char* summary;
    const char* content_type;
  };
  for (const Shape& shape :
       {Shape{"/console", "Console", "The operations console's page (index.html)", "text/html"},
        Shape{"/console/", "ConsoleIndex", "The operations console's page (index.html)",
              "text/html"},
        Shape{"/console/{file}", "ConsoleFile",
              "A file of the operations console: .html, .css, .js, .svg, .png or .ico", "*/*"}}) {
    for (const char* method : {"GET", "HEAD"}) {
      RouteSpec route;
      route.method = method;
      route.path = shape.path;
      route.operation_id =
          std::string(method) == "GET" ? shape.operation : std::string("Head") + shape.operation;
      route.summary = shape.summary;
      route.access.authenticate = false;
      route.response_schema = R"({"type":"string"})";
      route.response_content_type = shape.content_type;
      route.extra_errors = {400, 404};
      route.handler = handler;
      routes.push_back(std::move(route));
    }
  }
  return AddRoutes(gateway, std::move(routes), "console");
}

}  // namespace oms::gateway
