#include "tools/omsctl/check_command.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include <grpcpp/create_channel.h>
#include <prometheus/gateway.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_credentials.h"
#include "tools/check/suite_audit.h"

namespace oms::tools {
namespace {

// Every id is pushed, zeros included, so that an alert sees a violation end.
constexpr const char* kInvariants[] = {"I1", "I2", "I3", "I4", "I5", "I6", "I7"};

absl::Status Invalid(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("--pushgateway: ", what));
}

// With omsctl's transport security (main() sets it from --tls_*): the services' peer tables
// allow the audit calls to the omsctl identity.
std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  return grpc::CreateChannel(address, MakeChannelCredentials(DefaultChannelSecurity()));
}

int Push(const CheckCommand& command, const PushTarget& target,
         const std::vector<std::string>& violations) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& counts = prometheus::BuildGauge()
                     .Name("oms_invariant_violations")
                     .Help("Violations of each RELIABILITY.md invariant the last check found.")
                     .Register(*registry);
  std::map<std::string, int> by_invariant;
  for (const std::string& violation : violations) ++by_invariant[check::InvariantOf(violation)];
  for (const char* invariant : kInvariants) {
    counts.Add({{"invariant", invariant}}).Set(by_invariant[invariant]);
  }
  prometheus::BuildGauge()
      .Name("oms_invariant_check_last_success_timestamp_seconds")
      .Help("When the last check that read every service finished (Unix time).")
      .Register(*registry)
      .Add({})
      .Set(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
               .count());
  prometheus::Gateway gateway(target.host, target.port, command.job);
  gateway.RegisterCollectable(registry);
  const int code = gateway.Push();
  if (code < 200 || code >= 300) {
    std::fprintf(stderr, "omsctl: pushing to %s failed (HTTP %d)\n", command.pushgateway.c_str(),
                 code);
    return kCheckUnreadable;
  }
  return kCheckClean;
}

}  // namespace

absl::StatusOr<PushTarget> ParsePushgatewayUrl(const std::string& url) {
  std::string scheme;
  for (const char* candidate : {"http://", "https://"}) {
    if (absl::StartsWith(url, candidate)) scheme = candidate;
  }
  if (scheme.empty()) return Invalid(absl::StrCat("\"", url, "\" is not an http(s) URL"));
  const std::string authority = url.substr(scheme.size());
  const std::size_t colon = authority.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(authority.substr(colon + 1), &port) || port < 1 || port > 65535) {
    return Invalid(absl::StrCat("\"", url, "\" needs host:port, e.g. http://pushgateway:9091"));
  }
  if (authority.find('/') != std::string::npos) {
    return Invalid(absl::StrCat("\"", url, "\" must not have a path"));
  }
  return PushTarget{scheme + authority.substr(0, colon), authority.substr(colon + 1)};
}

int RunCheck(const CheckCommand& command) {
  const std::pair<const char*, const std::string*> addresses[] = {
      {"--orders", &command.orders},
      {"--inventory", &command.inventory},
      {"--billing", &command.billing},
      {"--shipping", &command.shipping}};
  for (const auto& [flag, address] : addresses) {
    if (address->empty()) {
      std::fprintf(stderr, "omsctl: check needs %s=HOST:PORT\n", flag);
      return kCheckUnreadable;
    }
  }
  if (command.settle_seconds < 0 || command.page_size < 1 || command.page_size > 500) {
    std::fprintf(stderr, "omsctl: --settle_seconds must be >= 0, --page_size 1 to 500\n");
    return kCheckUnreadable;
  }
  std::optional<PushTarget> push_to;
  if (!command.pushgateway.empty()) {
    auto target = ParsePushgatewayUrl(command.pushgateway);
    if (!target.ok()) {
      std::fprintf(stderr, "omsctl: %s\n", std::string(target.status().message()).c_str());
      return kCheckUnreadable;
    }
    push_to = *target;
  }
  const check::SuiteChannels channels{Connect(command.orders), Connect(command.inventory),
                                      Connect(command.billing), Connect(command.shipping)};
  check::AuditOptions audit;
  audit.page_size = command.page_size;
  auto report = check::CheckSuite(channels, {command.at_rest, command.settle_seconds}, audit);
  if (!report.ok()) {
    // Nothing is pushed: the last success stays where it was and the staleness alert sees it.
    std::fprintf(stderr, "omsctl: check: %s\n", report.status().ToString().c_str());
    return kCheckUnreadable;
  }
  for (const std::string& violation : report->violations) std::printf("%s\n", violation.c_str());
  std::printf("checked %lld orders (%s): %zu violations\n", static_cast<long long>(report->orders),
              command.at_rest ? "at rest" : "live", report->violations.size());
  if (push_to) {
    if (int pushed = Push(command, *push_to, report->violations); pushed != kCheckClean) {
      return pushed;
    }
  }
  return report->violations.empty() ? kCheckClean : kCheckViolations;
}

}  // namespace oms::tools
