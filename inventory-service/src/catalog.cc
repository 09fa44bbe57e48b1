#include "inventory-service/src/catalog.h"

#include <cmath>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"

namespace oms::inventory {
namespace {

const ProductFields& MutableProductFields() {
  static const ProductFields kFields = {"name",         "description", "unit_price", "unit_cost",
                                        "weight_grams", "image_url",   "active"};
  return kFields;
}

// Counts code points, refusing invalid UTF-8 and control characters other than newline and tab.
absl::StatusOr<std::size_t> TextLength(const std::string& text, bool allow_newlines) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3
                         : (byte >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return absl::InvalidArgumentError("UTF-8");
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) {
        return absl::InvalidArgumentError("UTF-8");
      }
    }
    if (length == 1 && (byte < 0x20 || byte == 0x7F) &&
        !(allow_newlines && (byte == '\n' || byte == '\t'))) {
      return absl::InvalidArgumentError("control");
    }
    i += length;
    ++count;
  }
  return count;
}

absl::Status ValidateText(const std::string& text, const std::string& field, std::size_t min,
                          std::size_t max, bool allow_newlines = false) {
  auto length = TextLength(text, allow_newlines);
  if (!length.ok()) {
    return InvalidField(field, length.status().message() == "UTF-8"
                                   ? "must be valid UTF-8"
                                   : "must not contain control characters");
  }
  if (*length < min) return InvalidField(field, "must not be empty");
  if (*length > max) return InvalidField(field, absl::StrCat("must be at most ", max, " characters"));
  return absl::OkStatus();
}

// Matches [first][rest]{0,max-1} where each class is a predicate over ASCII characters.
template <class First, class Rest>
bool MatchesIdentifier(const std::string& text, std::size_t max, First first, Rest rest) {
  if (text.empty() || text.size() > max || !first(text[0])) return false;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (!rest(text[i])) return false;
  }
  return true;
}

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

absl::Status ValidateMoney(const common::v1::Money& money, const std::string& field) {
  if (money.currency().size() != 3 || !IsUpper(money.currency()[0]) ||
      !IsUpper(money.currency()[1]) || !IsUpper(money.currency()[2])) {
    return InvalidField(field + ".currency", "must be an ISO 4217 code such as EUR");
  }
  if (money.amount_minor() < 0 || money.amount_minor() > kMaxAmountMinor) {
    return InvalidField(field + ".amount_minor",
                        absl::StrCat("must be between 0 and ", kMaxAmountMinor));
  }
  return absl::OkStatus();
}

absl::Status ValidateImageUrl(const std::string& url) {
  if (url.empty()) return absl::OkStatus();
  if (url.size() > 2048) return InvalidField("product.image_url", "must be at most 2048 bytes");
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
    return InvalidField("product.image_url", "must be an http or https URL");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return InvalidField("product.image_url", "must not contain spaces or control characters");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateProductField(const v1::Product& product, const std::string& name) {
  if (name == "name") return ValidateText(product.name(), "product.name", 1, 200);
  if (name == "description") {
    return ValidateText(product.description(), "product.description", 0, 4000, true);
  }
  if (name == "unit_price") {
    if (!product.has_unit_price()) return InvalidField("product.unit_price", "is required");
    return ValidateMoney(product.unit_price(), "product.unit_price");
  }
  if (name == "unit_cost") {
    return product.has_unit_cost() ? ValidateMoney(product.unit_cost(), "product.unit_cost")
                                   : absl::OkStatus();
  }
  if (name == "weight_grams") {
    if (product.weight_grams() < 0 || product.weight_grams() > kMaxWeightGrams) {
      return InvalidField("product.weight_grams",
                          absl::StrCat("must be between 0 and ", kMaxWeightGrams));
    }
    return absl::OkStatus();
  }
  if (name == "image_url") return ValidateImageUrl(product.image_url());
  return absl::OkStatus();  // active: any value
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

}  // namespace

absl::Status ValidateSku(const std::string& sku, const std::string& field) {
  auto alnum = [](char c) { return IsUpper(c) || IsDigit(c) || (c >= 'a' && c <= 'z'); };
  auto rest = [&alnum](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; };
  if (!MatchesIdentifier(sku, 64, alnum, rest)) {
    return InvalidField(field, "must be 1 to 64 letters, digits, '-', '_' or '.', starting with a "
                               "letter or digit");
  }
  return absl::OkStatus();
}

absl::Status ValidateWarehouseId(const std::string& id, const std::string& field) {
  // Canonical UUID text: 8-4-4-4-12 hex digits.
  bool ok = id.size() == 36;
  for (std::size_t i = 0; ok && i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    ok = dash ? id[i] == '-' : absl::ascii_isxdigit(static_cast<unsigned char>(id[i]));
  }
  return ok ? absl::OkStatus() : InvalidField(field, "must be a warehouse id (a UUID)");
}

absl::Status ValidateRequestId(const std::string& id, const std::string& field) {
  auto printable = [](char c) { return c > 0x20 && c < 0x7F; };
  if (!MatchesIdentifier(id, 128, printable, printable)) {
    return InvalidField(field, "must be 1 to 128 printable ASCII characters without spaces");
  }
  return absl::OkStatus();
}

absl::Status ValidateCountry(const std::string& country, const std::string& field) {
  if (country.size() != 2 || !IsUpper(country[0]) || !IsUpper(country[1])) {
    return InvalidField(field, "must be an ISO 3166-1 alpha-2 code such as DE");
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

absl::Status ValidateNewProduct(const v1::Product& product) {
  absl::Status status = ValidateSku(product.sku(), "product.sku");
  for (const auto& name : MutableProductFields()) {
    if (!status.ok()) break;
    status = ValidateProductField(product, name);
  }
  return status;
}

absl::StatusOr<ProductFields> UpdatedProductFields(const v1::UpdateProductRequest& request) {
  if (request.update_mask().paths().empty()) return MutableProductFields();
  ProductFields fields;
  for (const auto& path : request.update_mask().paths()) {
    if (MutableProductFields().count(path) == 0) {
      return InvalidField("update_mask",
                          absl::StrCat("'", path, "' is not an updatable field; updatable: ",
                                       absl::StrJoin(MutableProductFields(), ", ")));
    }
    fields.insert(path);
  }
  return fields;
}

absl::Status ValidateProductUpdate(const v1::Product& product, const ProductFields& fields) {
  absl::Status status = ValidateSku(product.sku(), "product.sku");
  for (const auto& name : fields) {
    if (!status.ok()) break;
    status = ValidateProductField(product, name);
  }
  return status;
}

absl::Status ValidateNewWarehouse(const v1::Warehouse& warehouse) {
  if (!warehouse.id().empty()) return InvalidField("warehouse.id", "is assigned by the server");
  auto first = [](char c) { return IsUpper(c) || IsDigit(c); };
  auto rest = [&first](char c) { return first(c) || c == '-'; };
  if (!MatchesIdentifier(warehouse.code(), 32, first, rest)) {
    return InvalidField("warehouse.code",
                        "must be 1 to 32 upper-case letters, digits or '-', e.g. BER-1");
  }
  absl::Status status = ValidateText(warehouse.name(), "warehouse.name", 1, 200);
  if (!status.ok()) return status;
  if (!warehouse.has_address()) return InvalidField("warehouse.address", "is required");
  status = ValidateAddress(warehouse.address(), "warehouse.address");
  if (!status.ok()) return status;
  status = ValidateText(warehouse.region(), "warehouse.region", 1, 64);
  if (!status.ok()) return status;
  if (!warehouse.has_location()) return InvalidField("warehouse.location", "is required");
  status = ValidateLocation(warehouse.location(), "warehouse.location");
  if (!status.ok()) return status;
  if (warehouse.priority() < 0 || warehouse.priority() > kMaxPriority) {
    return InvalidField("warehouse.priority", absl::StrCat("must be between 0 and ", kMaxPriority));
  }
  return absl::OkStatus();
}

absl::Status ValidateAdjustment(const v1::AdjustStockRequest& request) {
  absl::Status status = ValidateRequestId(request.request_id(), "request_id");
  if (status.ok()) status = ValidateWarehouseId(request.warehouse_id(), "warehouse_id");
  if (status.ok()) status = ValidateSku(request.sku(), "sku");
  if (!status.ok()) return status;
  if (request.delta() == 0 || request.delta() > kMaxStockDelta ||
      request.delta() < -kMaxStockDelta) {
    return InvalidField("delta", absl::StrCat("must be non-zero and between -", kMaxStockDelta,
                                              " and ", kMaxStockDelta));
  }
  switch (request.reason()) {
    case v1::ADJUSTMENT_REASON_RECEIPT:
      if (request.delta() < 0) return InvalidField("delta", "must be positive for a receipt");
      break;
    case v1::ADJUSTMENT_REASON_CORRECTION:
      break;
    default:
      return InvalidField("reason", "must be RECEIPT or CORRECTION");
  }
  return ValidateText(request.note(), "note", 0, 500);
}

}  // namespace oms::inventory
