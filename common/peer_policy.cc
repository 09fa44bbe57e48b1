#include "common/peer_policy.h"

#include <google/protobuf/descriptor.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace oms {

std::vector<std::string> OmsIdentities(const std::vector<std::string>& uris) {
  std::vector<std::string> names;
  for (const std::string& uri : uris) {
    absl::string_view name = uri;
    // One path segment only: spiffe://oms/a/b is nobody we know.
    if (absl::ConsumePrefix(&name, kSpiffePrefix) && !name.empty() &&
        !absl::StrContains(name, '/')) {
      names.emplace_back(name);
    }
  }
  return names;
}

absl::Status CheckPeerTable(const std::string& service_full_name, const MethodPeers& peers) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_full_name);
  if (service == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("no service ", service_full_name));
  }
  const std::set<std::string> known = {peer::kGateway,          peer::kOrderService,
                                       peer::kInventoryService, peer::kBillingService,
                                       peer::kShippingService,  peer::kOmsctl};
  std::set<std::string> methods;
  for (int i = 0; i < service->method_count(); ++i) {
    methods.insert(service->method(i)->name());
    if (peers.count(service->method(i)->name()) == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the peer table of ", service_full_name, " does not list ", service->method(i)->name()));
    }
  }
  for (const auto& [method, names] : peers) {
    if (methods.count(method) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(service_full_name, " has no method ", method, " (peer table)"));
    }
    for (const std::string& name : names) {
      if (known.count(name) == 0) {
        return absl::FailedPreconditionError(
            absl::StrCat("the peer table of ", service_full_name, " names unknown peer ", name));
      }
    }
  }
  return absl::OkStatus();
}

void PeerPolicy::AddService(const std::string& service_full_name, const MethodPeers& peers) {
  for (const auto& [method, names] : peers) {
    allowed_[absl::StrCat("/", service_full_name, "/", method)] = names;
  }
}

void PeerPolicy::AllowAnyPeer(const std::string& service_full_name,
                              const std::vector<std::string>& methods) {
  for (const std::string& method : methods) {
    open_.insert(absl::StrCat("/", service_full_name, "/", method));
  }
}

absl::Status PeerPolicy::Authorize(absl::string_view path,
                                   const std::vector<std::string>& identities) const {
  if (open_.count(path) > 0) return absl::OkStatus();
  const std::string caller =
      identities.empty()
          ? "a caller without a spiffe://oms/ identity"
          : absl::StrJoin(identities, " ", [](std::string* out, const std::string& name) {
              absl::StrAppend(out, kSpiffePrefix, name);
            });
  auto it = allowed_.find(path);
  if (it == allowed_.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat(caller, " may not call ", path, ": no peer table lists it"));
  }
  for (const std::string& identity : identities) {
    if (it->second.count(identity) > 0) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(caller, " may not call ", path));
}

}  // namespace oms
