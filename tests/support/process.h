// A child process for end-to-end tests: the real service binary, its environment, its log file,
// and a stop by PID that reports how it exited.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

#include "absl/status/statusor.h"

namespace oms::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // kills (SIGKILL) and reaps a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts `binary` with `args`, the current environment plus `env`, stdout and stderr appended
  // to `log_path`. Unless `env` sets OMS_INSECURE_PLAINTEXT, the child also gets the test PKI's
  // harness certificate (tests/support/test_pki.h) where `env` names none.
  [[nodiscard]] absl::Status Start(const std::string& binary, const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& env,
                                   const std::string& log_path);

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  // Sends `signal` and waits up to `timeout` for the exit; the wait status (see waitpid), or
  // DEADLINE_EXCEEDED (the child is then killed).
  [[nodiscard]] absl::StatusOr<int> Stop(int signal, std::chrono::milliseconds timeout);

  // Waits up to `timeout` for the child to exit by itself; its wait status.
  [[nodiscard]] absl::StatusOr<int> WaitForExit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
};

// Waits until `path` exists and returns its contents, or DEADLINE_EXCEEDED.
[[nodiscard]] absl::StatusOr<std::string> WaitForFile(const std::string& path,
                                                      std::chrono::milliseconds timeout);

// The whole text of a file ("" if unreadable), for failure messages.
std::string ReadFile(const std::string& path);

// A fresh private directory under /tmp.
std::string MakeTempDir();

}  // namespace oms::testing
