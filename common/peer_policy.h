// Per-method authorization by peer identity, the pure part: who may call what. A process's
// identity is the URI SAN of its certificate, `spiffe://oms/<name>`; each service declares, next
// to its handlers (<svc>/src/<svc>_peers.cc), which names may call each of its methods, after
// ARCHITECTURE.md's call graph. common/peer_authorizer.h enforces it on every call.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace oms {

inline constexpr char kSpiffePrefix[] = "spiffe://oms/";

// The names of oms's processes, as their certificates carry them.
namespace peer {
inline constexpr char kGateway[] = "gateway";
inline constexpr char kOrderService[] = "order-service";
inline constexpr char kInventoryService[] = "inventory-service";
inline constexpr char kBillingService[] = "billing-service";
inline constexpr char kShippingService[] = "shipping-service";
inline constexpr char kOmsctl[] = "omsctl";  // operators and their jobs (omsctl, grpcurl)
}  // namespace peer

// Method name without its service (e.g. "ReserveStock") -> the names that may call it.
using MethodPeers = std::map<std::string, std::set<std::string>>;

// The oms names among a peer's certificate URIs (spiffe://oms/gateway -> gateway); other URIs
// are ignored. A certificate may name several (the test harness's client does), and is then
// allowed what any of them is.
std::vector<std::string> OmsIdentities(const std::vector<std::string>& uris);

// OK when `peers` lists exactly the methods of the service (looked up among the linked protos)
// and only oms's names; otherwise FAILED_PRECONDITION saying what is missing or unknown.
[[nodiscard]] absl::Status CheckPeerTable(const std::string& service_full_name,
                                          const MethodPeers& peers);

class PeerPolicy {
 public:
  // Adds the table of one service (full name, e.g. "oms.inventory.v1.InventoryService").
  void AddService(const std::string& service_full_name, const MethodPeers& peers);
  // Every peer may call these methods (health), whatever its name.
  void AllowAnyPeer(const std::string& service_full_name, const std::vector<std::string>& methods);

  // `path` is the call's ":path", "/<service>/<method>". OK when one of `identities` may call it;
  // otherwise PERMISSION_DENIED naming the caller and the method. A method no table lists is
  // denied (fail closed), and so is a caller without an oms identity.
  [[nodiscard]] absl::Status Authorize(absl::string_view path,
                                       const std::vector<std::string>& identities) const;

 private:
  std::map<std::string, std::set<std::string>, std::less<>> allowed_;  // path -> names
  std::set<std::string, std::less<>> open_;                            // paths anyone may call
};

}  // namespace oms
