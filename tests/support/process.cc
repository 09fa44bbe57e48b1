#include "tests/support/process.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "tests/support/test_pki.h"

extern char** environ;

namespace oms::testing {
namespace {

using Clock = std::chrono::steady_clock;
// Polling interval of the waits below; each wait is bounded by its own deadline.
constexpr auto kPoll = std::chrono::milliseconds(20);

// A test killed before its destructors run (a ctest timeout) leaves its children running. Under
// `./oms test` each child is recorded as <OMS_TEST_CHILDREN_DIR>/<pid>, holding its binary's
// path, until it is reaped; the run stops those still there once ctest is done (tools/oms/test.sh).
std::string ChildRecord(pid_t pid) {
  const char* dir = std::getenv("OMS_TEST_CHILDREN_DIR");
  if (dir == nullptr || *dir == '\0') return "";
  return absl::StrCat(dir, "/", pid);
}

void RecordChild(pid_t pid, const std::string& binary) {
  const std::string record = ChildRecord(pid);
  if (record.empty()) return;
  char* resolved = realpath(binary.c_str(), nullptr);
  std::ofstream(record) << (resolved != nullptr ? resolved : binary) << "\n";
  std::free(resolved);
}

void ForgetChild(pid_t pid) {
  const std::string record = ChildRecord(pid);
  if (!record.empty()) unlink(record.c_str());
}

}  // namespace

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    ForgetChild(pid_);
  }
}

absl::Status ChildProcess::Start(const std::string& binary, const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& env,
                                 const std::string& log_path) {
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text(*entry);
    auto equals = text.find('=');
    if (equals != std::string::npos) merged[text.substr(0, equals)] = text.substr(equals + 1);
  }
  // Mutual TLS unless the test asks for plain text: the harness's certificate, unless `env`
  // names the process's own.
  if (env.count("OMS_INSECURE_PLAINTEXT") == 0) {
    for (const auto& [key, value] : TestPki::Get().harness_env()) merged[key] = value;
  }
  for (const auto& [key, value] : env) merged[key] = value;
  std::vector<std::string> env_strings;
  for (const auto& [key, value] : merged) env_strings.push_back(absl::StrCat(key, "=", value));
  std::vector<char*> envp;
  for (auto& text : env_strings) envp.push_back(text.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = {binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& text : argv_strings) argv.push_back(text.data());
  argv.push_back(nullptr);

  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return absl::InternalError(absl::StrCat("cannot open ", log_path));
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    // The test process may block signals in its threads; the service must start clean.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  pid_ = pid;
  RecordChild(pid, binary);
  return absl::OkStatus();
}

absl::StatusOr<int> ChildProcess::WaitForExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("no child running");
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      ForgetChild(pid_);
      pid_ = -1;
      return status;
    }
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("pid ", pid_, " still running"));
    }
    std::this_thread::sleep_for(kPoll);
  }
}

absl::StatusOr<int> ChildProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("no child running");
  kill(pid_, signal);
  auto status = WaitForExit(timeout);
  if (!status.ok() && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    ForgetChild(pid_);
    pid_ = -1;
  }
  return status;
}

absl::StatusOr<std::string> WaitForFile(const std::string& path,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (access(path.c_str(), R_OK) != 0) {
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(path, " did not appear"));
    }
    std::this_thread::sleep_for(kPoll);
  }
  return ReadFile(path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string MakeTempDir() {
  char path[] = "/tmp/oms-test-XXXXXX";
  return mkdtemp(path) != nullptr ? std::string(path) : std::string();
}

}  // namespace oms::testing
