// The floor of a call between two oms services: what one empty unary gRPC call costs in CPU on
// this machine, over the transport the services use (mutual TLS with the certificates of
// `./oms up`, or plain text with OMS_INSECURE_PLAINTEXT=1), on a channel made as they make theirs
// (common/grpc_channel.h) and a callback server. No service code runs: the server echoes the
// request's bytes. `./oms bench` runs it beside each level, so that the services' CPU per order
// can be read against what their RPCs per order cost at the very least.
//
//   grpc_floor_bench serve <ready-file>     serve on 127.0.0.1, write the port, run until SIGTERM
//   grpc_floor_bench call <port> <server-pid> <clients> <warmup-s> <seconds>
//                                           keep <clients> calls in flight; after the warm-up,
//                                           measure for <seconds> and print one JSON line: calls,
//                                           calls/s, latency, CPU µs per call of both processes
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>
#include <sys/resource.h>
#include <unistd.h>

#include "absl/strings/numbers.h"
#include "common/config.h"
#include "common/grpc_channel.h"
#include "common/grpc_credentials.h"
#include "common/process_setup.h"
#include "common/transport_flags.h"
#include "common/transport_security.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kMethod[] = "/oms.bench.v1.Floor/Echo";
// About the size of a participant's request (an order with three lines and its address).
constexpr std::size_t kPayloadBytes = 600;

class Echo : public grpc::ServerGenericBidiReactor {
 public:
  Echo() { StartRead(&message_); }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    StartWriteAndFinish(&message_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer message_;
};

class EchoService : public grpc::CallbackGenericService {
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    return new Echo();
  }
};

int Serve(const oms::TransportSecurity& security, const std::string& ready_file) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before gRPC starts its threads
  EchoService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", oms::MakeServerCredentials(security, nullptr), &port);
  builder.RegisterCallbackGenericService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "grpc_floor_bench: cannot serve\n");
    return 1;
  }
  { std::ofstream(ready_file + ".tmp") << port << "\n"; }
  std::rename((ready_file + ".tmp").c_str(), ready_file.c_str());
  int signal = 0;
  sigwait(&stop, &signal);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  return 0;
}

// User and system time of a process, in seconds, from /proc/<pid>/stat.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may hold spaces: the fields after it start past its closing parenthesis.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Keeps `clients` calls in flight until stopped; counts and times those that end while measuring.
class Caller {
 public:
  Caller(std::shared_ptr<grpc::Channel> channel, int clients)
      : stub_(std::move(channel)), clients_(clients) {
    const std::string payload(kPayloadBytes, 'x');
    grpc::Slice slice(payload);
    request_ = grpc::ByteBuffer(&slice, 1);
  }

  void Start() {
    for (int i = 0; i < clients_; ++i) Issue();
  }
  void Measure() { measuring_ = true; }
  // Stops issuing and waits for the calls in flight.
  void Stop() {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    drained_.wait(lock, [this] { return in_flight_ == 0; });
  }
  std::vector<double> LatenciesMs() {
    std::lock_guard<std::mutex> lock(mu_);
    return latencies_ms_;
  }
  int Failed() const { return failed_; }

 private:
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer response;
    Clock::time_point start = Clock::now();
    bool measured = false;
  };

  // A new call in flight, unless stopping.
  void Issue() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      ++in_flight_;
    }
    Send();
  }

  void Send() {
    auto* call = new Call();
    call->measured = measuring_;
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    stub_.UnaryCall(&call->context, kMethod, grpc::StubOptions(), &request_, &call->response,
                    [this, call](grpc::Status status) { Done(call, status); });
  }

  // The call's slot goes on with a new call; once stopping, it is given up, and the last one
  // given up wakes Stop(). Nothing of this object is touched after that.
  void Done(Call* call, const grpc::Status& status) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - call->start).count();
    const bool measured = call->measured;
    delete call;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!status.ok()) {
        ++failed_;
      } else if (measured) {
        latencies_ms_.push_back(ms);
      }
      if (stopping_) {
        if (--in_flight_ == 0) drained_.notify_all();
        return;
      }
    }
    Send();
  }

  grpc::GenericStub stub_;
  const int clients_;
  grpc::ByteBuffer request_;
  std::atomic<bool> measuring_{false};
  std::mutex mu_;
  std::condition_variable drained_;
  bool stopping_ = false;
  int in_flight_ = 0;
  int failed_ = 0;
  std::vector<double> latencies_ms_;
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

int Call(const oms::TransportSecurity& security, int port, pid_t server, int clients, int warmup_s,
         int seconds) {
  auto channel = oms::MakeClientChannel("127.0.0.1:" + std::to_string(port), nullptr,
                                        oms::GrpcKeepalive(), security);
  Caller caller(channel, clients);
  caller.Start();
  std::this_thread::sleep_for(std::chrono::seconds(warmup_s));
  const double client_before = SelfCpuSeconds();
  const double server_before = ProcessCpuSeconds(server);
  const auto start = Clock::now();
  caller.Measure();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  std::vector<double> latencies = caller.LatenciesMs();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double client_cpu = SelfCpuSeconds() - client_before;
  const double server_cpu = ProcessCpuSeconds(server) - server_before;
  caller.Stop();
  std::sort(latencies.begin(), latencies.end());
  const double calls = static_cast<double>(latencies.size());
  const double per = std::max(calls, 1.0);
  std::printf(
      "{\"clients\": %d, \"seconds\": %.3f, \"calls\": %.0f, \"failed\": %d, "
      "\"calls_per_s\": %.1f, \"latency_ms\": {\"p50\": %.3f, \"p99\": %.3f}, "
      "\"cpu_us_per_call\": {\"client\": %.1f, \"server\": %.1f}}\n",
      clients, elapsed, calls, caller.Failed(), calls / elapsed, Percentile(latencies, 0.5),
      Percentile(latencies, 0.99), client_cpu * 1e6 / per, server_cpu * 1e6 / per);
  return calls > 0 && caller.Failed() == 0 ? 0 : 1;
}

int Usage() {
  std::fprintf(stderr,
               "usage: grpc_floor_bench serve <ready-file>\n"
               "       grpc_floor_bench call <port> <server-pid> <clients> <warmup-s> <seconds>\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  oms::PrepareProcess();
  const std::vector<std::string> args(argv + 1, argv + argc);
  // The transport as the services take it from their environment (OMS_TLS_*_FILE, or
  // OMS_INSECURE_PLAINTEXT=1), checked alike: neither certificates nor plain text is an error.
  absl::Status env = oms::ApplyEnvFallbacks(oms::TransportSecurityEnv());
  auto security =
      env.ok() ? oms::TransportSecurityFromFlags() : absl::StatusOr<oms::TransportSecurity>(env);
  if (!security.ok()) {
    std::fprintf(stderr, "grpc_floor_bench: %s\n", security.status().ToString().c_str());
    return 2;
  }
  if (args.size() == 2 && args[0] == "serve") return Serve(*security, args[1]);
  if (args.size() != 6 || args[0] != "call") return Usage();
  int numbers[5] = {};
  for (int i = 0; i < 5; ++i) {
    if (!absl::SimpleAtoi(args[i + 1], &numbers[i]) || numbers[i] < 0) return Usage();
  }
  if (numbers[2] < 1 || numbers[4] < 1) return Usage();
  return Call(*security, numbers[0], static_cast<pid_t>(numbers[1]), numbers[2], numbers[3],
              numbers[4]);
}
