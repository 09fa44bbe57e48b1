#include "tests/support/test_pki.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/grpc_credentials.h"
#include "common/peer_policy.h"
#include "tests/support/process.h"

namespace oms::testing {
namespace {

// Runs an openssl command line (arguments are paths under our own temporary directory, without
// spaces or quotes); its output goes to `log`, which an error quotes.
absl::Status OpenSsl(const std::string& arguments, const std::string& log) {
  const std::string command = absl::StrCat("openssl ", arguments, " >>", log, " 2>&1");
  if (std::system(command.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("`", command, "` failed:\n", ReadFile(log)));
  }
  return absl::OkStatus();
}

}  // namespace

TestPki& TestPki::Get() {
  static TestPki* pki = [] {
    auto* made = new TestPki;
    absl::Status status = made->Init();
    if (!status.ok()) {
      std::fprintf(stderr, "cannot make the test PKI: %s\n", status.ToString().c_str());
      std::abort();
    }
    SetDefaultChannelSecurity(Security(made->harness_));
    // Removed at exit, when no process of this test still reads the files.
    std::atexit([] { std::filesystem::remove_all(Get().dir_); });
    return made;
  }();
  return *pki;
}

TestPki::~TestPki() = default;

absl::Status TestPki::Init() {
  dir_ = MakeTempDir();
  ca_cert_ = dir_ + "/ca.pem";
  ca_key_ = dir_ + "/ca.key";
  // P-256 keys: generated in milliseconds, so every test process can afford its own CA.
  absl::Status status = OpenSsl(
      absl::StrCat("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes", " -keyout ",
                   ca_key_, " -out ", ca_cert_, " -days 2 -subj /CN=oms-test-ca"),
      dir_ + "/openssl.log");
  if (!status.ok()) return status;
  auto harness = For({peer::kGateway, peer::kOrderService, peer::kOmsctl});
  if (!harness.ok()) return harness.status();
  harness_ = *harness;
  return absl::OkStatus();
}

absl::StatusOr<CertFiles> TestPki::For(const std::vector<std::string>& names) {
  const std::string key = absl::StrJoin(names, ",");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = issued_.find(key);
    if (it != issued_.end()) return it->second;
  }
  std::string leaf = absl::StrJoin(names, "+");
  std::replace(leaf.begin(), leaf.end(), '/', '_');
  const std::string dir = absl::StrCat(dir_, "/", leaf);
  std::filesystem::create_directories(dir);
  auto files = IssueInto(dir, names);
  if (!files.ok()) return files.status();
  std::lock_guard<std::mutex> lock(mutex_);
  issued_[key] = *files;
  return *files;
}

absl::StatusOr<CertFiles> TestPki::IssueInto(const std::string& dir,
                                             const std::vector<std::string>& names) {
  int serial;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    serial = ++serial_;
  }
  // Written beside the final files and renamed over them, so a watcher never reads half a file.
  const std::string work = absl::StrCat(dir_, "/issue-", serial);
  std::filesystem::create_directories(work);
  std::string sans = "IP:127.0.0.1,DNS:localhost";
  for (const std::string& name : names) absl::StrAppend(&sans, ",URI:", kSpiffePrefix, name);
  std::ofstream(work + "/ext.cnf") << "[leaf]\n"
                                   << "basicConstraints=CA:FALSE\n"
                                   << "keyUsage=digitalSignature,keyEncipherment\n"
                                   << "extendedKeyUsage=serverAuth,clientAuth\n"
                                   << "subjectAltName=" << sans << "\n";
  const std::string log = work + "/openssl.log";
  absl::Status status =
      OpenSsl(absl::StrCat("req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ",
                           work, "/key.pem -out ", work, "/req.pem -subj /CN=oms-test-leaf"),
              log);
  if (status.ok()) {
    status = OpenSsl(absl::StrCat("x509 -req -in ", work, "/req.pem -CA ", ca_cert_, " -CAkey ",
                                  ca_key_, " -set_serial ", serial, " -days 2 -extfile ", work,
                                  "/ext.cnf -extensions leaf -out ", work, "/cert.pem"),
                     log);
  }
  if (!status.ok()) return status;
  std::filesystem::create_directories(dir);
  std::filesystem::rename(work + "/key.pem", dir + "/key.pem");
  std::filesystem::rename(work + "/cert.pem", dir + "/cert.pem");
  std::filesystem::remove_all(work);
  return CertFiles{ca_cert_, dir + "/cert.pem", dir + "/key.pem"};
}

std::map<std::string, std::string> TestPki::Env(const CertFiles& files) {
  return {{"OMS_TLS_CA_FILE", files.ca},
          {"OMS_TLS_CERT_FILE", files.cert},
          {"OMS_TLS_KEY_FILE", files.key},
          // Rotation tests replace files under a running process.
          {"OMS_TLS_REFRESH_SECONDS", "1"}};
}

TransportSecurity TestPki::Security(const CertFiles& files) {
  TransportSecurity security;
  security.ca_file = files.ca;
  security.cert_file = files.cert;
  security.key_file = files.key;
  security.refresh = std::chrono::seconds(1);
  return security;
}

std::string IdentityOfPrefix(const std::string& env_prefix) {
  std::string name = absl::AsciiStrToLower(env_prefix.substr(env_prefix.find('_') + 1));
  return name == "gateway" ? name : name + "-service";
}

}  // namespace oms::testing
