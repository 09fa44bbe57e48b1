#include "gateway/src/http_server.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "gateway/src/gateway.h"

namespace oms::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

}  // namespace

class Session;

struct HttpServer::Impl {
  HttpServerOptions options;
  Gateway& gateway;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  int port = 0;
  std::atomic<bool> draining{false};
  std::atomic<int> busy{0};  // requests read and not yet fully answered
  std::mutex mu;
  std::list<std::weak_ptr<Session>> sessions;
  bool stopped = false;

  Impl(HttpServerOptions o, Gateway& g) : options(std::move(o)), gateway(g) {}
  void Accept();
  void Track(const std::shared_ptr<Session>& session);
};

// One connection: read a request, hand it to the gateway, write its answer, repeat while the
// client keeps the connection alive. Everything runs on the connection's strand; the gateway's
// answer (from any thread) is posted back onto it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // From any thread: an idle connection closes now, a busy one after its answer.
  void Drain() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->Close();
    });
  }

 private:
  void Read() {
    if (server_.draining.load()) {
      Close();
      return;
    }
    parser_.emplace();
    parser_->body_limit(server_.gateway.max_body_bytes());
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    // The first request may take io_timeout; later ones may idle up to idle_timeout first.
    stream_.expires_after(first_ ? server_.options.io_timeout : server_.options.idle_timeout);
    first_ = false;
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      Close();
      return;
    }
    if (ec) {
      // The request cannot be read to its end: answer once and close, since what follows on
      // the connection is no longer a request boundary.
      Request partial;
      if (parser_->is_header_done()) {
        partial.method = std::string(parser_->get().method_string());
        for (const auto& field : parser_->get()) {
          partial.headers.emplace_back(std::string(field.name_string()),
                                       std::string(field.value()));
        }
      }
      const bool too_large = ec == http::error::body_limit;
      const bool header_too_large = ec == http::error::header_limit;
      Response response = server_.gateway.Refuse(
          partial,
          WithReason(absl::StatusCode::kInvalidArgument,
                     too_large          ? "BODY_TOO_LARGE"
                     : header_too_large ? "HEADERS_TOO_LARGE"
                                        : "MALFORMED_REQUEST",
                     too_large ? absl::StrCat("request body exceeds ",
                                              server_.gateway.max_body_bytes(), " bytes")
                               : absl::StrCat("malformed HTTP request: ", ec.message())),
          too_large          ? 413
          : header_too_large ? 431
                             : 400);
      busy_ = true;
      server_.busy.fetch_add(1);
      keep_alive_ = false;
      Write(std::move(response));
      return;
    }
    busy_ = true;
    server_.busy.fetch_add(1);
    auto message = parser_->release();
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    beast::error_code peer_ec;
    auto endpoint = stream_.socket().remote_endpoint(peer_ec);
    if (!peer_ec) request.peer = endpoint.address().to_string();
    // The route's deadline bounds the request from here; the stream's timer would cut the
    // connection under a slow backend.
    stream_.expires_never();
    server_.gateway.Handle(std::move(request), [self = shared_from_this()](Response response) {
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    });
  }

  void Write(Response response) {
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(version_);
    out->result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) out->set(name, value);
    out->set(http::field::server, "oms-gateway");
    out->body() = std::move(response.body);
    out->keep_alive(keep_alive_ && !server_.draining.load());
    out->prepare_payload();
    stream_.expires_after(server_.options.io_timeout);
    http::async_write(stream_, *out,
                      [self = shared_from_this(), out](beast::error_code ec, std::size_t) {
                        self->OnWrite(ec, out->need_eof());
                      });
  }

  void OnWrite(beast::error_code ec, bool close) {
    busy_ = false;
    server_.busy.fetch_sub(1);
    if (ec || close) {
      Close();
      return;
    }
    Read();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool busy_ = false;
  bool first_ = true;
};

void HttpServer::Impl::Track(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu);
  sessions.remove_if([](const std::weak_ptr<Session>& s) { return s.expired(); });
  sessions.push_back(session);
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      log::Warn("", "accept failed", {{"error", ec.message()}});
    } else {
      auto session = std::make_shared<Session>(std::move(socket), *this);
      Track(session);
      session->Start();
    }
    if (!draining.load()) Accept();
  });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Shutdown(std::chrono::milliseconds(0)); }

int HttpServer::port() const { return impl_->port; }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              Gateway& gateway) {
  if (options.threads < 1 || options.threads > 64) {
    return absl::InvalidArgumentError("HTTP threads must be 1 to 64");
  }
  auto impl = std::make_unique<Impl>(options, gateway);
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad listen address ", options.host));
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.host, ":", options.port, ": ", ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->Accept();
  for (int i = 0; i < options.threads; ++i) {
    impl->threads.emplace_back([io = &impl->io] { io->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Shutdown(std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  s.draining.store(true);
  asio::post(s.io, [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  {
    std::lock_guard<std::mutex> lock(s.mu);
    for (auto& weak : s.sessions) {
      if (auto session = weak.lock()) session->Drain();
    }
  }
  // Bounded wait for the answers in flight to be written; the process is shutting down, so a
  // short poll is simpler than threading a condition through every write.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while ((s.busy.load() > 0 || s.gateway.in_flight() > 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (s.busy.load() > 0) {
    log::Warn("", "drain timeout: closing connections with requests in flight",
              {{"requests", std::to_string(s.busy.load())}});
  }
  s.io.stop();
  for (auto& thread : s.threads) thread.join();
  s.threads.clear();
}

}  // namespace oms::gateway
