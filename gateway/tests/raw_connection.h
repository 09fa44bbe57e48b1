// A plain TCP connection to a loopback port, for tests that must see the HTTP server's bytes
// and timing as they are: what arrives when, and when the server closes.
#pragma once

#include <chrono>
#include <string>

namespace oms::gateway::testing {

class RawConnection {
 public:
  RawConnection() = default;
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Connects to 127.0.0.1:`port` from `source` (any 127.x.y.z address: each is another client).
  bool Connect(int port, const std::string& source = "127.0.0.1");
  bool Send(const std::string& bytes);
  // Reads until what was received contains `wanted` (true), the server closes or `timeout` passes.
  bool ReadUntil(const std::string& wanted,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until the server closes the connection (true) or `timeout` passes.
  bool ReadToEnd(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void Close();

  const std::string& received() const { return received_; }
  void ClearReceived() { received_.clear(); }
  bool closed() const { return closed_; }

 private:
  // One read of what is there within `left`; false when nothing came in time.
  bool ReadSome(std::chrono::milliseconds left);

  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

}  // namespace oms::gateway::testing
