#include "inventory-service/src/catalog.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"

namespace oms::inventory {
namespace {

const ProductFields& MutableProductFields() {
  static const ProductFields kFields = {"name",      "description",     "unit_price",
                                        "unit_cost", "weight_grams",    "image_url",
                                        "active",    "backorder_policy"};
  return kFields;
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

absl::Status ValidateProductField(const v1::Product& product, const std::string& name) {
  if (name == "name") return ValidateText(product.name(), "product.name", 1, 200);
  if (name == "description") {
    return ValidateText(product.description(), "product.description", 0, 4000, true);
  }
  if (name == "unit_price") {
    if (!product.has_unit_price()) return InvalidField("product.unit_price", "is required");
    return ValidateMoney(product.unit_price(), "product.unit_price", 0);
  }
  if (name == "unit_cost") {
    return product.has_unit_cost() ? ValidateMoney(product.unit_cost(), "product.unit_cost", 0)
                                   : absl::OkStatus();
  }
  if (name == "weight_grams") {
    if (product.weight_grams() < 0 || product.weight_grams() > kMaxWeightGrams) {
      return InvalidField("product.weight_grams",
                          absl::StrCat("must be between 0 and ", kMaxWeightGrams));
    }
    return absl::OkStatus();
  }
  if (name == "image_url") {
    return product.image_url().empty() ? absl::OkStatus()
                                       : ValidateHttpUrl(product.image_url(), "product.image_url");
  }
  if (name == "backorder_policy") {
    // A number the enum lacks (proto3 keeps it) would be stored as REJECT without a word.
    return v1::BackorderPolicy_IsValid(product.backorder_policy())
               ? absl::OkStatus()
               : InvalidField("product.backorder_policy",
                              "must be REJECT, SHIP_AVAILABLE or BACKORDER (unset: REJECT)");
  }
  return absl::OkStatus();  // active: any value
}

}  // namespace

absl::Status ValidateWarehouseId(const std::string& id, const std::string& field) {
  return ValidateUuid(id, field, "a warehouse id");
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
