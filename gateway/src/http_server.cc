#include "gateway/src/http_server.h"

#include <array>
#include <atomic>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

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

// A client that lets this much of a stream pile up unread is dropped: memory stays bounded.
constexpr std::size_t kMaxQueuedStreamBytes = 1 << 20;
// After answering a request whose body was never read (refused on its head), what the client
// still sends is read and dropped until it is done, for a while, before the connection closes:
// closing a socket with unread data resets it, and a client still sending its body would lose
// the answer. Dropping costs no memory; time and bytes are bounded.
constexpr std::size_t kMaxDiscardedBytes = 64 << 20;
constexpr std::chrono::seconds kDiscardTime{5};
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

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
  std::size_t connections = 0;                    // open, under mu
  std::map<std::string, std::size_t> by_address;  // open per peer address, under mu
  bool stopped = false;

  Impl(HttpServerOptions o, Gateway& g) : options(std::move(o)), gateway(g) {}
  void Accept();
  // Counts a new connection from `address`, or refuses it (false) when it would pass the global
  // cap or its address's; a trusted proxy's connections count only globally.
  bool Admit(const std::string& address);
  void Release(const std::string& address);
  void Track(const std::shared_ptr<Session>& session);
};

// One connection: read a request, hand it to the gateway, write its answer, repeat while the
// client keeps the connection alive. Everything runs on the connection's strand; the gateway's
// answer (from any thread) is posted back onto it. A streamed answer (StreamedBody) is the
// connection's last: its headers, then each piece the producer writes (chunked on HTTP/1.1),
// until the producer closes it, the client goes away or the server drains.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::string address, HttpServer::Impl& server)
      : stream_(std::move(socket)),
        server_(server),
        address_(std::move(address)),
        keepalive_(stream_.get_executor()),
        recheck_(stream_.get_executor()) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // From any thread: an idle connection closes now, a busy one after its answer; a stream ends
  // (its producer is cancelled, the body terminated) and then closes.
  void Drain() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->stream_state_ == StreamState::kStreaming) {
        self->EndStream(/*graceful=*/true, /*cancel=*/true);
      } else if (!self->busy_) {
        self->Close();
      }
    });
  }

  // From the stream's sink, any thread.
  void PostData(std::string data) {
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), data = std::move(data)]() mutable {
                 self->Enqueue(std::move(data));
               });
  }
  void PostClose() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->EndStream(/*graceful=*/true, /*cancel=*/false);
    });
  }

 private:
  enum class StreamState { kNone, kStreaming, kEnding, kDone };
  class Sink;

  void Read() {
    if (server_.draining.load()) {
      Close();
      return;
    }
    parser_.emplace();
    // The head alone is read first; the body only once the gateway has routed and authenticated
    // the request, within its route's limit (ReadBody). A Content-Length over the largest limit
    // of any route is refused with the head.
    parser_->body_limit(server_.gateway.max_body_bytes());
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    // The first request may take io_timeout; later ones may idle up to idle_timeout first.
    stream_.expires_after(first_ ? server_.options.io_timeout : server_.options.idle_timeout);
    first_ = false;
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    head_request_ = parser_->is_header_done() && parser_->get().method() == http::verb::head;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      Close();
      return;
    }
    if (ec) {
      // The request cannot be read to its end: answer once and close, since what follows on
      // the connection is no longer a request boundary.
      const bool too_large = ec == http::error::body_limit;
      const bool header_too_large = ec == http::error::header_limit;
      // A Content-Length over the limit is found once every field is read, though the parser
      // does not count its head as done.
      Request partial;
      if (parser_->is_header_done() || too_large) {
        partial.method = std::string(parser_->get().method_string());
        for (const auto& field : parser_->get()) {
          partial.headers.emplace_back(std::string(field.name_string()),
                                       std::string(field.value()));
        }
      }
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
      // Whatever the client still sends is left unread, and the parser cannot tell (see above).
      refused_unread_ = true;
      Write(std::move(response));
      return;
    }
    busy_ = true;
    server_.busy.fetch_add(1);
    const auto& message = parser_->get();
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    Request head;
    head.method = std::string(message.method_string());
    head.target = std::string(message.target());
    for (const auto& field : message) {
      head.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    expects_continue_ = beast::iequals(message[http::field::expect], "100-continue");
    head.peer = address_;
    // The route's deadline bounds the request from here; the stream's timer would cut the
    // connection under a slow backend.
    stream_.expires_never();
    auto self = shared_from_this();
    server_.gateway.Handle(
        std::move(head),
        [self](std::size_t limit, std::function<void(absl::StatusOr<std::string>)> read) {
          asio::post(self->stream_.get_executor(), [self, limit, read = std::move(read)]() mutable {
            self->ReadBody(limit, std::move(read));
          });
        },
        [self](Response response) {
          asio::post(self->stream_.get_executor(),
                     [self, response = std::move(response)]() mutable {
                       self->Write(std::move(response));
                     });
        });
  }

  // The body of the request whose head the gateway accepted, at most `limit` bytes, within
  // io_timeout; a client that said `Expect: 100-continue` is told to send it now.
  void ReadBody(std::size_t limit, std::function<void(absl::StatusOr<std::string>)> read) {
    if (parser_->is_done()) {
      read(std::string());
      return;
    }
    const auto length = parser_->content_length();
    if (limit == 0 || (length && *length > limit)) {
      keep_alive_ = false;
      read(BodyTooLarge(limit));
      return;
    }
    parser_->body_limit(limit);
    stream_.expires_after(server_.options.io_timeout);
    auto self = shared_from_this();
    auto read_rest = [self, limit, read]() {
      http::async_read(
          self->stream_, self->buffer_, *self->parser_,
          [self, limit, read](beast::error_code ec, std::size_t) {
            self->stream_.expires_never();
            if (ec) {
              self->keep_alive_ = false;
              read(ec == http::error::body_limit
                       ? BodyTooLarge(limit)
                       : WithReason(absl::StatusCode::kInvalidArgument, "MALFORMED_REQUEST",
                                    absl::StrCat("the request body could not be "
                                                 "read: ",
                                                 ec.message())));
              return;
            }
            read(std::move(self->parser_->get().body()));
          });
    };
    if (!expects_continue_) {
      read_rest();
      return;
    }
    asio::async_write(stream_, asio::buffer(kContinue, sizeof kContinue - 1),
                      [self, read, read_rest](beast::error_code ec, std::size_t) {
                        if (ec) {
                          self->stream_.expires_never();
                          self->keep_alive_ = false;
                          read(WithReason(absl::StatusCode::kInvalidArgument, "MALFORMED_REQUEST",
                                          "the client went away before sending the body"));
                          return;
                        }
                        read_rest();
                      });
  }

  void Write(Response response) {
    // A body left unread (the request was refused on its head) is not a request boundary.
    unread_body_ = refused_unread_ || (parser_ && parser_->is_header_done() && !parser_->is_done());
    if (unread_body_) keep_alive_ = false;
    if (response.stream != nullptr) {
      WriteStreamHead(std::move(response));
      return;
    }
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(version_);
    out->result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) out->set(name, value);
    out->set(http::field::server, "oms-gateway");
    out->body() = std::move(response.body);
    out->keep_alive(keep_alive_ && !server_.draining.load());
    out->prepare_payload();
    stream_.expires_after(server_.options.io_timeout);
    if (head_request_) {
      // HEAD: the GET's head, Content-Length included, and no body.
      auto head = std::make_shared<http::response<http::empty_body>>(std::move(out->base()));
      http::async_write(stream_, *head,
                        [self = shared_from_this(), head](beast::error_code ec, std::size_t) {
                          self->OnWrite(ec, head->need_eof());
                        });
      return;
    }
    http::async_write(stream_, *out,
                      [self = shared_from_this(), out](beast::error_code ec, std::size_t) {
                        self->OnWrite(ec, out->need_eof());
                      });
  }

  void OnWrite(beast::error_code ec, bool close) {
    busy_ = false;
    server_.busy.fetch_sub(1);
    if (!ec && close && unread_body_) {
      CloseAfterDiscarding();
      return;
    }
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
    if (!released_) {
      released_ = true;
      server_.Release(address_);
    }
  }

  // The answer is written: stop sending, drop what the client still sends for a while, close.
  void CloseAfterDiscarding() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kDiscardTime);
    discard_buffer_.resize(64 * 1024);
    Discard();
  }

  void Discard() {
    stream_.async_read_some(asio::buffer(discard_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->discarded_ += n;
                              if (ec || self->discarded_ > kMaxDiscardedBytes) {
                                self->Close();
                                return;
                              }
                              self->Discard();
                            });
  }

  // --- Streamed answers ---

  void WriteStreamHead(Response response) {
    stream_body_ = std::move(response.stream);
    chunked_ = version_ >= 11;  // HTTP/1.0: the body ends when the connection does
    keep_alive_ = false;
    struct Head {
      http::response<http::empty_body> message;
      std::optional<http::response_serializer<http::empty_body>> serializer;
    };
    auto head = std::make_shared<Head>();
    head->message.version(version_);
    head->message.result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) head->message.set(name, value);
    head->message.set(http::field::server, "oms-gateway");
    if (chunked_) head->message.chunked(true);
    head->message.keep_alive(false);
    head->serializer.emplace(head->message);
    stream_.expires_after(server_.options.io_timeout);
    http::async_write_header(stream_, *head->serializer,
                             [self = shared_from_this(), head](beast::error_code ec, std::size_t) {
                               self->OnStreamHead(ec);
                             });
  }

  void OnStreamHead(beast::error_code ec);

  // Reads while the stream runs only to notice the client going away at once (EOF or reset);
  // a client that sends anything more is done with this stream too.
  void Detect() {
    stream_.async_read_some(asio::buffer(detect_),
                            [self = shared_from_this()](beast::error_code, std::size_t) {
                              self->EndStream(/*graceful=*/false, /*cancel=*/true);
                            });
  }

  void ArmKeepalive() {
    if (stream_body_ == nullptr || stream_body_->keepalive.count() <= 0) return;
    keepalive_.expires_at(last_write_ + stream_body_->keepalive);
    keepalive_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->stream_state_ != StreamState::kStreaming) return;
      if (std::chrono::steady_clock::now() >= self->last_write_ + self->stream_body_->keepalive) {
        self->Enqueue(self->stream_body_->keepalive_data);
      }
      self->ArmKeepalive();
    });
  }

  void ArmRecheck() {
    if (stream_body_ == nullptr || !stream_body_->recheck ||
        stream_body_->recheck_every.count() <= 0) {
      return;
    }
    recheck_.expires_after(stream_body_->recheck_every);
    recheck_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->stream_state_ != StreamState::kStreaming) return;
      self->stream_body_->recheck();
      self->ArmRecheck();
    });
  }

  void Enqueue(std::string data) {
    if (stream_state_ != StreamState::kStreaming || data.empty()) return;
    std::string framed =
        chunked_ ? absl::StrCat(absl::Hex(data.size()), "\r\n", data, "\r\n") : std::move(data);
    if (queued_bytes_ + framed.size() > kMaxQueuedStreamBytes) {
      log::Warn("", "stream dropped: the client reads too slowly",
                {{"queued_bytes", std::to_string(queued_bytes_)}});
      EndStream(/*graceful=*/false, /*cancel=*/true);
      return;
    }
    queued_bytes_ += framed.size();
    out_.push_back(std::move(framed));
    last_write_ = std::chrono::steady_clock::now();
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    if (out_.empty()) {
      writing_ = false;
      if (stream_state_ == StreamState::kEnding) FinishStream();
      return;
    }
    writing_ = true;
    // Only the write timer: the detecting read is pending and never times out.
    stream_.expires_after(server_.options.io_timeout);
    asio::async_write(stream_, asio::buffer(out_.front()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->OnStreamWrite(ec);
                      });
  }

  void OnStreamWrite(beast::error_code ec) {
    if (stream_state_ == StreamState::kDone) {
      writing_ = false;
      return;
    }
    if (ec) {
      writing_ = false;
      if (stream_state_ == StreamState::kEnding) {
        FinishStream();
      } else {
        EndStream(/*graceful=*/false, /*cancel=*/true);
      }
      return;
    }
    queued_bytes_ -= out_.front().size();
    out_.pop_front();
    WriteNext();
  }

  // Ends a running stream once: the sink refuses further writes, the producer is cancelled
  // when the end is not its own doing, then the body is terminated after what is queued
  // (graceful) or the connection is cut at once.
  void EndStream(bool graceful, bool cancel);

  void FinishStream() {
    if (stream_state_ == StreamState::kDone) return;
    stream_state_ = StreamState::kDone;
    keepalive_.cancel();
    recheck_.cancel();
    Close();
    // Drops the producer's captures (its stream slot among them); buffers of a write still
    // pending stay in out_ until its handler has run.
    stream_body_.reset();
    busy_ = false;
    server_.busy.fetch_sub(1);
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  const std::string address_;  // the TCP peer's
  bool released_ = false;      // its count given back to the server
  bool expects_continue_ = false;
  bool head_request_ = false;  // the request being answered is a HEAD: its answer has no body
  bool unread_body_ = false;
  bool refused_unread_ = false;  // answered on a head it could not read; the rest is dropped
  std::size_t discarded_ = 0;
  std::vector<char> discard_buffer_;  // only while draining a body nobody reads
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool busy_ = false;
  bool first_ = true;
  // A streamed answer's state.
  asio::steady_timer keepalive_;
  asio::steady_timer recheck_;
  StreamState stream_state_ = StreamState::kNone;
  std::shared_ptr<StreamedBody> stream_body_;
  std::shared_ptr<Sink> sink_;
  bool chunked_ = true;
  std::deque<std::string> out_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  std::chrono::steady_clock::time_point last_write_;
  std::array<char, 512> detect_{};
};

// The producer's handle on a stream: it posts onto the connection's strand, and refuses once the
// stream has ended from the server's side.
class Session::Sink final : public StreamSink {
 public:
  explicit Sink(std::weak_ptr<Session> session) : session_(std::move(session)) {}

  bool Write(std::string data) override {
    if (!open_.load()) return false;
    auto session = session_.lock();
    if (session == nullptr) return false;
    session->PostData(std::move(data));
    return true;
  }

  void Close() override {
    if (auto session = session_.lock()) session->PostClose();
  }

  void Shut() { open_.store(false); }

 private:
  std::weak_ptr<Session> session_;
  std::atomic<bool> open_{true};
};

void Session::OnStreamHead(beast::error_code ec) {
  if (ec || server_.draining.load()) {
    // The client went away before the stream started, or the server is stopping: the
    // producer never starts. An HTTP/1.1 body still ends properly.
    stream_state_ = StreamState::kEnding;
    if (!ec && chunked_) {
      queued_bytes_ += 5;
      out_.push_back("0\r\n\r\n");
    }
    if (ec) {
      FinishStream();
    } else {
      WriteNext();
    }
    return;
  }
  stream_.expires_never();
  stream_state_ = StreamState::kStreaming;
  sink_ = std::make_shared<Sink>(weak_from_this());
  last_write_ = std::chrono::steady_clock::now();
  ArmKeepalive();
  ArmRecheck();
  Detect();
  if (stream_body_->start) stream_body_->start(sink_);
}

void Session::EndStream(bool graceful, bool cancel) {
  if (stream_state_ != StreamState::kStreaming) return;
  sink_->Shut();
  keepalive_.cancel();
  recheck_.cancel();
  if (cancel && stream_body_->cancel) stream_body_->cancel();
  if (!graceful) {
    FinishStream();
    return;
  }
  stream_state_ = StreamState::kEnding;
  if (chunked_) {
    queued_bytes_ += 5;
    out_.push_back("0\r\n\r\n");
  }
  if (!writing_) WriteNext();
}

void HttpServer::Impl::Track(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu);
  sessions.remove_if([](const std::weak_ptr<Session>& s) { return s.expired(); });
  sessions.push_back(session);
}

bool HttpServer::Impl::Admit(const std::string& address) {
  const bool capped_by_address = !gateway.client_addresses().IsTrustedProxy(address);
  std::lock_guard<std::mutex> lock(mu);
  if (connections >= options.max_connections) return false;
  if (capped_by_address) {
    std::size_t& open = by_address[address];
    if (open >= options.max_connections_per_address) return false;
    ++open;
  }
  ++connections;
  return true;
}

void HttpServer::Impl::Release(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu);
  --connections;
  auto it = by_address.find(address);
  if (it != by_address.end() && --it->second == 0) by_address.erase(it);
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      log::Warn("", "accept failed", {{"error", ec.message()}});
    } else {
      beast::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      std::string address = peer_ec ? std::string() : peer.address().to_string();
      if (peer_ec) {
        // Reset before it was looked at: nothing to serve, and no address to count it under.
        socket.close(peer_ec);
      } else if (Admit(address)) {
        auto session = std::make_shared<Session>(std::move(socket), std::move(address), *this);
        Track(session);
        session->Start();
      } else {
        // Closed at once: a connection over the caps holds nothing, not even a read buffer.
        if (options.on_connection_refused) options.on_connection_refused();
        socket.close(peer_ec);
      }
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
  if (options.max_connections < 1 || options.max_connections_per_address < 1) {
    return absl::InvalidArgumentError("the connection caps must be at least 1");
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
