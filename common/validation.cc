#include "common/validation.h"

#include <cmath>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// `text` is 1..max characters, starts with a letter or digit, and every character passes `ok`.
template <class Ok>
bool IsIdentifier(const std::string& text, std::size_t max, Ok ok) {
  if (text.empty() || text.size() > max || !IsAlnum(text[0])) return false;
  for (char c : text) {
    if (!ok(c)) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateText(const std::string& text, const std::string& field, std::size_t min,
                          std::size_t max, bool allow_newlines) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const std::size_t length = byte < 0x80           ? 1
                               : (byte >> 5) == 0x6  ? 2
                               : (byte >> 4) == 0xE  ? 3
                               : (byte >> 3) == 0x1E ? 4
                                                     : 0;
    if (length == 0 || i + length > text.size()) return InvalidField(field, "must be valid UTF-8");
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) {
        return InvalidField(field, "must be valid UTF-8");
      }
    }
    if (length == 1 && (byte < 0x20 || byte == 0x7F) &&
        !(allow_newlines && (byte == '\n' || byte == '\t'))) {
      return InvalidField(field, "must not contain control characters");
    }
    i += length;
  }
  if (count < min) return InvalidField(field, "must not be empty");
  if (count > max) return InvalidField(field, absl::StrCat("must be at most ", max, " characters"));
  return absl::OkStatus();
}

absl::Status ValidateRequestId(const std::string& id, const std::string& field) {
  bool ok = !id.empty() && id.size() <= 128;
  for (char c : id) ok = ok && c > 0x20 && c < 0x7F;
  return ok ? absl::OkStatus()
            : InvalidField(field, "must be 1 to 128 printable ASCII characters without spaces");
}

absl::Status ValidateEntityId(const std::string& id, const std::string& field) {
  const bool ok = IsIdentifier(
      id, 64, [](char c) { return IsAlnum(c) || c == '.' || c == '_' || c == ':' || c == '-'; });
  return ok ? absl::OkStatus()
            : InvalidField(field,
                           "must be 1 to 64 letters, digits, '.', '_', ':' or '-', "
                           "starting with a letter or digit");
}

absl::Status ValidateUuid(const std::string& id, const std::string& field,
                          const std::string& what) {
  bool ok = id.size() == 36;
  for (std::size_t i = 0; ok && i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    ok = dash ? id[i] == '-' : absl::ascii_isxdigit(static_cast<unsigned char>(id[i]));
  }
  return ok ? absl::OkStatus() : InvalidField(field, absl::StrCat("must be ", what, " (a UUID)"));
}

absl::Status ValidateSku(const std::string& sku, const std::string& field) {
  const bool ok =
      IsIdentifier(sku, 64, [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
  return ok ? absl::OkStatus()
            : InvalidField(field,
                           "must be 1 to 64 letters, digits, '-', '_' or '.', starting "
                           "with a letter or digit");
}

absl::Status ValidateCountry(const std::string& country, const std::string& field) {
  if (country.size() != 2 || !IsUpper(country[0]) || !IsUpper(country[1])) {
    return InvalidField(field, "must be an ISO 3166-1 alpha-2 code such as DE");
  }
  return absl::OkStatus();
}

absl::Status ValidateCurrency(const std::string& currency, const std::string& field) {
  if (currency.size() != 3 || !IsUpper(currency[0]) || !IsUpper(currency[1]) ||
      !IsUpper(currency[2])) {
    return InvalidField(field, "must be an ISO 4217 code such as EUR");
  }
  return absl::OkStatus();
}

absl::Status ValidateMoney(const common::v1::Money& money, const std::string& field,
                           long long min_minor) {
  absl::Status status = ValidateCurrency(money.currency(), field + ".currency");
  if (!status.ok()) return status;
  if (money.amount_minor() < min_minor || money.amount_minor() > kMaxAmountMinor) {
    return InvalidField(field + ".amount_minor",
                        absl::StrCat("must be between ", min_minor, " and ", kMaxAmountMinor));
  }
  return absl::OkStatus();
}

absl::Status ValidateAddress(const common::v1::Address& address, const std::string& field) {
  for (auto [value, name, min, max] :
       {std::tuple{&address.name(), "name", 0, 200}, std::tuple{&address.line1(), "line1", 1, 200},
        std::tuple{&address.line2(), "line2", 0, 200}, std::tuple{&address.city(), "city", 1, 100},
        std::tuple{&address.postal_code(), "postal_code", 0, 20},
        std::tuple{&address.region(), "region", 0, 100}}) {
    absl::Status status = ValidateText(*value, absl::StrCat(field, ".", name), min, max);
    if (!status.ok()) return status;
  }
  return ValidateCountry(address.country(), field + ".country");
}

absl::Status ValidateHttpUrl(const std::string& url, const std::string& field) {
  if (url.size() > 2048) return InvalidField(field, "must be at most 2048 bytes");
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
    return InvalidField(field, "must be an http or https URL");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return InvalidField(field, "must not contain spaces or control characters");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateLocation(const common::v1::GeoPoint& location, const std::string& field) {
  const double latitude = location.latitude();
  const double longitude = location.longitude();
  if (!std::isfinite(latitude) || latitude < -90 || latitude > 90) {
    return InvalidField(field + ".latitude", "must be between -90 and 90");
  }
  if (!std::isfinite(longitude) || longitude < -180 || longitude > 180) {
    return InvalidField(field + ".longitude", "must be between -180 and 180");
  }
  return absl::OkStatus();
}

}  // namespace oms
