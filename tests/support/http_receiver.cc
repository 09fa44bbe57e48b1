#include "tests/support/http_receiver.h"

#include <mutex>
#include <thread>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <sys/socket.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace oms::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

struct HttpReceiver::State {
  boost::asio::io_context io;
  tcp::acceptor acceptor{io};
  int port = 0;
  mutable std::mutex mu;
  Answer answer;
  std::vector<ReceivedRequest> received;
  std::vector<std::shared_ptr<tcp::socket>> connections;
  std::vector<std::thread> threads;
  std::thread accepting;

  int AnswerFor(const ReceivedRequest& request) {
    Answer current;
    {
      std::lock_guard<std::mutex> lock(mu);
      current = answer;
    }
    return current ? current(request) : 200;
  }

  void Serve(const std::shared_ptr<tcp::socket>& socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      beast::error_code error;
      http::read(*socket, buffer, request, error);
      if (error) return;
      ReceivedRequest got;
      got.method = std::string(request.method_string());
      got.target = std::string(request.target());
      for (const auto& field : request) {
        got.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
            std::string(field.value());
      }
      got.body = request.body();
      const int status = AnswerFor(got);
      got.status = status;
      {
        std::lock_guard<std::mutex> lock(mu);
        received.push_back(std::move(got));
      }
      http::response<http::string_body> response{static_cast<http::status>(status),
                                                 request.version()};
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      http::write(*socket, response, error);
      if (error || !request.keep_alive()) return;
    }
  }

  void Accept() {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(io);
      beast::error_code error;
      acceptor.accept(*socket, error);
      if (error) return;  // shut down
      std::lock_guard<std::mutex> lock(mu);
      connections.push_back(socket);
      threads.emplace_back([this, socket] { Serve(socket); });
    }
  }
};

HttpReceiver::HttpReceiver(Answer answer) : state_(std::make_shared<State>()) {
  state_->answer = std::move(answer);
  beast::error_code error;
  state_->acceptor.open(tcp::v4(), error);
  if (!error) state_->acceptor.bind({boost::asio::ip::address_v4::loopback(), 0}, error);
  if (!error) state_->acceptor.listen(64, error);
  if (error) return;
  state_->port = state_->acceptor.local_endpoint().port();
  state_->accepting = std::thread([state = state_] { state->Accept(); });
}

HttpReceiver::~HttpReceiver() {
  // A blocking accept or read ends when its socket is shut down underneath it.
  ::shutdown(state_->acceptor.native_handle(), SHUT_RDWR);
  if (state_->accepting.joinable()) state_->accepting.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    for (const auto& socket : state_->connections) {
      ::shutdown(socket->native_handle(), SHUT_RDWR);
    }
    threads = std::move(state_->threads);
  }
  for (auto& thread : threads) thread.join();
}

int HttpReceiver::port() const { return state_->port; }

std::string HttpReceiver::url() const { return absl::StrCat("http://127.0.0.1:", state_->port); }

void HttpReceiver::SetAnswer(Answer answer) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->answer = std::move(answer);
}

std::vector<ReceivedRequest> HttpReceiver::Received() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->received;
}

std::vector<ReceivedRequest> HttpReceiver::Take() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return std::exchange(state_->received, {});
}

}  // namespace oms::testing
