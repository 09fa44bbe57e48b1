// A small HTTP/1.1 client over libcurl for end-to-end tests: any method, headers, body; the
// status, headers (names lower-cased) and body of the answer.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace oms::gateway::testing {

struct HttpAnswer {
  long status = 0;  // 0: no answer (transport error in `error`)
  std::map<std::string, std::string> headers;
  std::string body;
  std::string error;
};

// `local_address` (e.g. "127.0.0.7"): the address the request comes from, so that a test can
// be another client address on loopback.
HttpAnswer HttpCall(const std::string& method, const std::string& url,
                    const std::vector<std::string>& headers = {}, const std::string& body = "",
                    bool send_body = false, const std::string& local_address = "");

}  // namespace oms::gateway::testing
