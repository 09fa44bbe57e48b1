#include "billing-service/src/requests.h"

#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "billing-service/src/tax.h"
#include "common/status.h"

namespace oms::billing {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// Valid UTF-8 without control characters, between min and max code points.
absl::Status ValidateText(const std::string& text, const std::string& field, std::size_t min,
                          std::size_t max) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const std::size_t length = byte < 0x80            ? 1
                               : (byte >> 5) == 0x6    ? 2
                               : (byte >> 4) == 0xE    ? 3
                               : (byte >> 3) == 0x1E   ? 4
                                                       : 0;
    if (length == 0 || i + length > text.size()) return InvalidField(field, "must be valid UTF-8");
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) {
        return InvalidField(field, "must be valid UTF-8");
      }
    }
    if (length == 1 && (byte < 0x20 || byte == 0x7F)) {
      return InvalidField(field, "must not contain control characters");
    }
    i += length;
  }
  if (count < min) return InvalidField(field, "must not be empty");
  if (count > max) return InvalidField(field, absl::StrCat("must be at most ", max, " characters"));
  return absl::OkStatus();
}

absl::Status ValidateCurrency(const std::string& currency, const std::string& field) {
  if (currency.size() != 3 || !IsUpper(currency[0]) || !IsUpper(currency[1]) ||
      !IsUpper(currency[2])) {
    return InvalidField(field, "must be an ISO 4217 code such as EUR");
  }
  return absl::OkStatus();
}

// A positive amount (or, with allow_zero, a non-negative one) up to kMaxAmountMinor.
absl::Status ValidateMoney(const common::v1::Money& money, const std::string& field,
                           bool allow_zero) {
  if (absl::Status status = ValidateCurrency(money.currency(), field + ".currency"); !status.ok()) {
    return status;
  }
  const long long min = allow_zero ? 0 : 1;
  if (money.amount_minor() < min || money.amount_minor() > kMaxAmountMinor) {
    return InvalidField(field + ".amount_minor",
                        absl::StrCat("must be between ", min, " and ", kMaxAmountMinor));
  }
  return absl::OkStatus();
}

absl::Status ValidateSku(const std::string& sku, const std::string& field) {
  bool ok = !sku.empty() && sku.size() <= 64 && IsAlnum(sku[0]);
  for (char c : sku) ok = ok && (IsAlnum(c) || c == '-' || c == '_' || c == '.');
  return ok ? absl::OkStatus()
            : InvalidField(field, "must be 1 to 64 letters, digits, '-', '_' or '.', starting "
                                  "with a letter or digit");
}

absl::Status ValidateQuantity(long long quantity, const std::string& field) {
  if (quantity < 1 || quantity > kMaxQuantity) {
    return InvalidField(field, absl::StrCat("must be between 1 and ", kMaxQuantity));
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
  const std::string& country = address.country();
  if (country.size() != 2 || !IsUpper(country[0]) || !IsUpper(country[1])) {
    return InvalidField(field + ".country", "must be an ISO 3166-1 alpha-2 code such as DE");
  }
  return absl::OkStatus();
}

absl::Status ValidateLineCount(int count) {
  if (count < 1 || count > kMaxLines) {
    return InvalidField("lines", absl::StrCat("must have 1 to ", kMaxLines, " lines"));
  }
  return absl::OkStatus();
}

absl::Status ValidateIds(const std::string& request_id, const std::string& order_id) {
  absl::Status status = ValidateRequestId(request_id, "request_id");
  if (status.ok()) status = ValidateEntityId(order_id, "order_id");
  return status;
}

}  // namespace

absl::Status ValidateRequestId(const std::string& id, const std::string& field) {
  bool ok = !id.empty() && id.size() <= 128;
  for (char c : id) ok = ok && c > 0x20 && c < 0x7F;
  return ok ? absl::OkStatus()
            : InvalidField(field, "must be 1 to 128 printable ASCII characters without spaces");
}

absl::Status ValidateEntityId(const std::string& id, const std::string& field) {
  bool ok = !id.empty() && id.size() <= 64 && IsAlnum(id[0]);
  for (char c : id) ok = ok && (IsAlnum(c) || c == '.' || c == '_' || c == ':' || c == '-');
  return ok ? absl::OkStatus()
            : InvalidField(field, "must be 1 to 64 letters, digits, '.', '_', ':' or '-', "
                                  "starting with a letter or digit");
}

absl::Status ValidatePaymentId(const std::string& id, const std::string& field) {
  bool ok = id.size() == 36;
  for (std::size_t i = 0; ok && i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    ok = dash ? id[i] == '-' : absl::ascii_isxdigit(static_cast<unsigned char>(id[i]));
  }
  return ok ? absl::OkStatus() : InvalidField(field, "must be a payment id (a UUID)");
}

absl::Status ValidateAuthorize(const v1::AuthorizePaymentRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  if (!status.ok()) return status;
  if (!request.has_amount()) return InvalidField("amount", "is required");
  status = ValidateMoney(request.amount(), "amount", /*allow_zero=*/false);
  if (!status.ok()) return status;
  if (request.method() != v1::PAYMENT_METHOD_CARD) return InvalidField("method", "must be CARD");
  bool ok = !request.token().empty() && request.token().size() <= 256;
  for (char c : request.token()) ok = ok && c > 0x20 && c < 0x7F;
  return ok ? absl::OkStatus()
            : InvalidField("token", "must be 1 to 256 printable ASCII characters");
}

absl::Status ValidateCapture(const v1::CapturePaymentRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  if (status.ok()) status = ValidateEntityId(request.shipment_id(), "shipment_id");
  if (status.ok()) status = ValidateLineCount(request.lines_size());
  if (!status.ok()) return status;
  std::set<std::string> skus;
  const std::string& currency = request.lines(0).unit_price().currency();
  for (int i = 0; i < request.lines_size(); ++i) {
    const v1::BillableLine& line = request.lines(i);
    const std::string field = absl::StrCat("lines[", i, "]");
    status = ValidateSku(line.sku(), field + ".sku");
    if (status.ok()) status = ValidateText(line.description(), field + ".description", 0, 500);
    if (status.ok()) status = ValidateQuantity(line.quantity(), field + ".quantity");
    if (status.ok() && !line.has_unit_price()) status = InvalidField(field + ".unit_price", "is required");
    if (status.ok()) status = ValidateMoney(line.unit_price(), field + ".unit_price", true);
    if (!status.ok()) return status;
    if (line.unit_price().currency() != currency) {
      return InvalidField(field + ".unit_price.currency", "must be the same for every line");
    }
    if (!skus.insert(line.sku()).second) {
      return InvalidField(field + ".sku", "must appear once per capture");
    }
  }
  if (!request.has_destination()) return InvalidField("destination", "is required");
  status = ValidateAddress(request.destination(), "destination");
  if (status.ok() && request.has_billing_address()) {
    status = ValidateAddress(request.billing_address(), "billing_address");
  }
  if (status.ok() && request.has_expected_amount()) {
    status = ValidateMoney(request.expected_amount(), "expected_amount", true);
  }
  return status;
}

absl::Status ValidateVoid(const v1::VoidPaymentRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  if (status.ok() && request.has_amount()) {
    status = ValidateMoney(request.amount(), "amount", /*allow_zero=*/false);
  }
  if (status.ok()) status = ValidateText(request.reason(), "reason", 0, 500);
  return status;
}

absl::Status ValidateRefund(const v1::RefundPaymentRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  if (status.ok()) status = ValidateEntityId(request.shipment_id(), "shipment_id");
  if (status.ok()) status = ValidateLineCount(request.lines_size());
  if (!status.ok()) return status;
  std::set<std::string> skus;
  for (int i = 0; i < request.lines_size(); ++i) {
    const std::string field = absl::StrCat("lines[", i, "]");
    status = ValidateSku(request.lines(i).sku(), field + ".sku");
    if (status.ok()) status = ValidateQuantity(request.lines(i).quantity(), field + ".quantity");
    if (!status.ok()) return status;
    if (!skus.insert(request.lines(i).sku()).second) {
      return InvalidField(field + ".sku", "must appear once per refund");
    }
  }
  status = ValidateText(request.reason(), "reason", 0, 500);
  if (status.ok() && request.has_expected_amount()) {
    status = ValidateMoney(request.expected_amount(), "expected_amount", true);
  }
  return status;
}

}  // namespace oms::billing
