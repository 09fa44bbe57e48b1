#include "tests/support/service_under_test.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <grpcpp/create_channel.h>
#include <pqxx/pqxx>
#include <signal.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_credentials.h"
#include "common/testing/pg_test_database.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/support/test_pki.h"

namespace oms::testing {
namespace {

absl::Status WaitUntilServing(const std::shared_ptr<grpc::Channel>& channel,
                              std::chrono::milliseconds timeout) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  const auto deadline = std::chrono::system_clock::now() + timeout;
  grpc::Status last;
  while (std::chrono::system_clock::now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    last = stub->Check(&context, request, &response);
    if (last.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::OkStatus();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat("not SERVING: ", last.error_message()));
}

}  // namespace

ServiceUnderTest::ServiceUnderTest(std::string binary, std::string env_prefix)
    : binary_(std::move(binary)), env_prefix_(std::move(env_prefix)) {}

ServiceUnderTest::~ServiceUnderTest() {
  if (process_.running()) (void)process_.Stop(SIGKILL, std::chrono::seconds(5));
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
  if (name_.empty()) return;
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
    tx.exec(absl::StrCat("DROP ROLE IF EXISTS ", name_));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot drop %s: %s\n", name_.c_str(), e.what());
  }
}

std::string ServiceUnderTest::log() const { return ReadFile(dir_ + "/service.log"); }

absl::Status ServiceUnderTest::Start(const std::map<std::string, std::string>& extra_env) {
  admin_url_ = TestPgUrl();
  if (admin_url_.empty()) return absl::FailedPreconditionError("OMS_TEST_PG_URL is not set");
  dir_ = MakeTempDir();
  static std::atomic<int> counter{0};
  name_ = absl::AsciiStrToLower(
      absl::StrCat("e2e_", env_prefix_.substr(4), "_", getpid(), "_", counter++));
  const std::string password = absl::StrCat("pw", getpid(), counter.load());
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction tx(admin);
    // The password is letters and digits only, so plain quoting is safe.
    tx.exec(absl::StrCat("CREATE ROLE ", name_, " LOGIN PASSWORD '", password, "'"));
    tx.exec(absl::StrCat("CREATE DATABASE ", name_, " OWNER ", name_));
    tx.exec(absl::StrCat("REVOKE CONNECT ON DATABASE ", name_, " FROM PUBLIC"));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot create database ", name_, ": ", e.what()));
  }
  // Same server as the admin URL, the service's own role and database.
  const std::string url = WithDatabase(admin_url_, name_);
  const std::string host_and_database = url.substr(url.find('@') + 1);
  database_url_ = absl::StrCat("postgresql://", name_, ":", password, "@", host_and_database);

  env_ = {
      {env_prefix_ + "_PORT", "0"},
      {env_prefix_ + "_METRICS_PORT", "0"},
      {env_prefix_ + "_DATABASE_URL", database_url_},
      {"OMS_LISTEN_HOST", "127.0.0.1"},
      {"OMS_READY_FILE", dir_ + "/ready.json"},
  };
  // Mutual TLS with the service's own identity, unless the test asks for plain text.
  if (extra_env.count("OMS_INSECURE_PLAINTEXT") == 0) {
    auto files = TestPki::Get().For({IdentityOfPrefix(env_prefix_)});
    if (!files.ok()) return files.status();
    for (const auto& [key, value] : TestPki::Env(*files)) env_[key] = value;
  }
  // shipping-service keeps photo proofs of delivery in a directory of the test's own, removed
  // with it (a replica shares its primary's, as replicas share a store in production).
  if (env_prefix_ == "OMS_SHIPPING") env_["OMS_SHIPPING_PROOF_DIR"] = dir_ + "/proofs";
  for (const auto& [key, value] : extra_env) env_[key] = value;
  launch_env_ = env_;
  return Launch();
}

absl::Status ServiceUnderTest::StartReplicaOf(const ServiceUnderTest& primary,
                                              const std::map<std::string, std::string>& extra_env) {
  if (primary.database_url_.empty()) return absl::FailedPreconditionError("primary not started");
  dir_ = MakeTempDir();
  database_url_ = primary.database_url_;
  env_ = primary.env_;
  env_[env_prefix_ + "_PORT"] = "0";
  env_[env_prefix_ + "_METRICS_PORT"] = "0";
  env_["OMS_READY_FILE"] = dir_ + "/ready.json";
  for (const auto& [key, value] : extra_env) env_[key] = value;
  launch_env_ = env_;
  return Launch();
}

absl::Status ServiceUnderTest::Restart(const std::map<std::string, std::string>& extra_env) {
  if (env_.empty()) return absl::FailedPreconditionError("never started");
  if (process_.running()) (void)process_.Stop(SIGKILL, std::chrono::seconds(5));
  // The same ports: peers keep their channels to them and reconnect.
  launch_env_ = env_;
  launch_env_[env_prefix_ + "_PORT"] = std::to_string(grpc_port_);
  launch_env_[env_prefix_ + "_METRICS_PORT"] = std::to_string(metrics_port_);
  for (const auto& [key, value] : extra_env) launch_env_[key] = value;
  return Launch();
}

absl::Status ServiceUnderTest::Launch() {
  const std::string ready_file = launch_env_["OMS_READY_FILE"];
  std::filesystem::remove(ready_file);  // a restart must not read the previous run's ports
  absl::Status started = process_.Start(binary_, {}, launch_env_, dir_ + "/service.log");
  if (!started.ok()) return started;
  auto ready = WaitForFile(ready_file, std::chrono::seconds(30));
  if (!ready.ok())
    return absl::Status(ready.status().code(), absl::StrCat(ready.status().message(), "\n", log()));
  if (std::sscanf(ready->c_str(), "{\"grpc_port\": %d, \"metrics_port\": %d}", &grpc_port_,
                  &metrics_port_) != 2) {
    return absl::InternalError(absl::StrCat("unreadable ready file: ", *ready));
  }
  if (!channel_) {
    // The harness's certificate: the test may call any method as its production caller would.
    const bool plaintext = launch_env_.count("OMS_INSECURE_PLAINTEXT") > 0;
    channel_ = grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", grpc_port_),
        MakeChannelCredentials(plaintext ? TransportSecurity::Plaintext()
                                         : TestPki::Security(TestPki::Get().harness())));
  }
  return WaitUntilServing(channel_, std::chrono::seconds(30));
}

absl::Status StartSuite(ServiceUnderTest& inventory, ServiceUnderTest& billing,
                        ServiceUnderTest& shipping, ServiceUnderTest& order,
                        std::map<std::string, std::string> order_env) {
  for (auto* participant : {&inventory, &billing, &shipping}) {
    if (absl::Status started = participant->Start(); !started.ok()) return started;
  }
  order_env["OMS_INVENTORY_ADDR"] = absl::StrCat("127.0.0.1:", inventory.grpc_port());
  order_env["OMS_BILLING_ADDR"] = absl::StrCat("127.0.0.1:", billing.grpc_port());
  order_env["OMS_SHIPPING_ADDR"] = absl::StrCat("127.0.0.1:", shipping.grpc_port());
  absl::Status started = order.Start(order_env);
  if (!started.ok())
    return absl::Status(started.code(), absl::StrCat(started.message(), "\n", order.log()));
  return absl::OkStatus();
}

}  // namespace oms::testing
