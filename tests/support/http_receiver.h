// An HTTP server on a free loopback port for tests that need the other end of oms's outbound
// calls (webhook endpoints, a Pushgateway): it keeps every request it gets and answers each with
// the status its `answer` function picks. Boost.Beast does the HTTP; connections are kept alive
// as clients ask, each on its own thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace oms::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  int status = 0;  // what it was answered
};

class HttpReceiver {
 public:
  // The status to answer a request with; called on the connection's thread.
  using Answer = std::function<int(const ReceivedRequest&)>;

  // Listens at once; a null `answer` answers 200. On failure, port() is 0.
  explicit HttpReceiver(Answer answer = nullptr);
  ~HttpReceiver();
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  int port() const;
  std::string url() const;  // http://127.0.0.1:<port>
  void SetAnswer(Answer answer);
  // The requests received so far, oldest first (answered or not yet).
  std::vector<ReceivedRequest> Received() const;
  // The same, and forgets them.
  std::vector<ReceivedRequest> Take();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace oms::testing
