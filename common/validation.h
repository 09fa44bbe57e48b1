// Bounds shared by every service's request validation, so that a SKU, an order id or an address
// is the same thing everywhere. Each error is INVALID_ARGUMENT naming the field. Pure logic.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "oms/common/v1/common.pb.h"

namespace oms {

inline constexpr long long kMaxAmountMinor = 1'000'000'000'000LL;  // 10^10 in major units

// Valid UTF-8, no control characters (newline and tab only when allowed), `min` to `max` code
// points.
[[nodiscard]] absl::Status ValidateText(const std::string& text, const std::string& field,
                                        std::size_t min, std::size_t max,
                                        bool allow_newlines = false);

// A caller's idempotency key: 1 to 128 printable ASCII characters without spaces.
[[nodiscard]] absl::Status ValidateRequestId(const std::string& id, const std::string& field);
// Ids other services assign (orders, shipments): 1 to 64 of [A-Za-z0-9._:-], starting with a
// letter or digit.
[[nodiscard]] absl::Status ValidateEntityId(const std::string& id, const std::string& field);
// Canonical UUID text; `what` names the thing in the message ("a warehouse id").
[[nodiscard]] absl::Status ValidateUuid(const std::string& id, const std::string& field,
                                        const std::string& what);
// 1 to 64 of [A-Za-z0-9._-], starting with a letter or digit.
[[nodiscard]] absl::Status ValidateSku(const std::string& sku, const std::string& field);

[[nodiscard]] absl::Status ValidateCountry(const std::string& country, const std::string& field);
[[nodiscard]] absl::Status ValidateCurrency(const std::string& currency, const std::string& field);
// Currency, and amount_minor within [min_minor, kMaxAmountMinor].
[[nodiscard]] absl::Status ValidateMoney(const common::v1::Money& money, const std::string& field,
                                         long long min_minor);
// line1 and city required, every part bounded, country ISO 3166-1 alpha-2.
[[nodiscard]] absl::Status ValidateAddress(const common::v1::Address& address,
                                           const std::string& field);
// An http or https URL up to 2048 bytes, without spaces or control characters.
[[nodiscard]] absl::Status ValidateHttpUrl(const std::string& url, const std::string& field);
[[nodiscard]] absl::Status ValidateLocation(const common::v1::GeoPoint& location,
                                            const std::string& field);

}  // namespace oms
