#include "billing-service/src/requests.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "billing-service/src/tax.h"
#include "common/status.h"
#include "common/validation.h"

namespace oms::billing {
namespace {

// A positive amount (or, with allow_zero, a non-negative one) up to kMaxAmountMinor.
absl::Status ValidateMoney(const common::v1::Money& money, const std::string& field,
                           bool allow_zero) {
  return oms::ValidateMoney(money, field, allow_zero ? 0 : 1);
}

absl::Status ValidateQuantity(long long quantity, const std::string& field) {
  if (quantity < 1 || quantity > kMaxQuantity) {
    return InvalidField(field, absl::StrCat("must be between 1 and ", kMaxQuantity));
  }
  return absl::OkStatus();
}

// A line's discount (see tax.h): 0 <= unit_discount_minor <= unit_price,
// 0 <= extra_discount_units <= quantity, and an extra unit's net price p - d - 1 not negative.
absl::Status ValidateDiscount(const v1::BillableLine& line, const std::string& field) {
  const long long unit_price = line.unit_price().amount_minor();
  if (line.unit_discount_minor() < 0 || line.unit_discount_minor() > unit_price) {
    return InvalidField(field + ".unit_discount_minor",
                        absl::StrCat("must be between 0 and the unit price, ", unit_price));
  }
  if (line.extra_discount_units() < 0 || line.extra_discount_units() > line.quantity()) {
    return InvalidField(field + ".extra_discount_units",
                        absl::StrCat("must be between 0 and the quantity, ", line.quantity()));
  }
  if (line.extra_discount_units() > 0 && line.unit_discount_minor() + 1 > unit_price) {
    return InvalidField(field + ".extra_discount_units",
                        "must be 0 when unit_discount_minor + 1 exceeds the unit price");
  }
  return absl::OkStatus();
}

// An optional shipping amount (0 .. kMaxAmountMinor) in the lines' currency.
absl::Status ValidateShipping(bool present, const common::v1::Money& money,
                              const std::string& field, const std::string& currency) {
  if (!present) return absl::OkStatus();
  absl::Status status = ValidateMoney(money, field, /*allow_zero=*/true);
  if (status.ok() && money.currency() != currency) {
    status =
        InvalidField(field + ".currency", absl::StrCat("must be the lines' currency, ", currency));
  }
  return status;
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

absl::Status ValidatePaymentId(const std::string& id, const std::string& field) {
  return ValidateUuid(id, field, "a payment id");
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

namespace {

// Lines as a capture or a quote carries them: each SKU once, one currency; then a destination.
absl::Status ValidateBillableLines(
    const google::protobuf::RepeatedPtrField<v1::BillableLine>& lines,
    const common::v1::Address* destination) {
  absl::Status status = ValidateLineCount(lines.size());
  if (!status.ok()) return status;
  std::set<std::string> skus;
  const std::string& currency = lines[0].unit_price().currency();
  for (int i = 0; i < lines.size(); ++i) {
    const v1::BillableLine& line = lines[i];
    const std::string field = absl::StrCat("lines[", i, "]");
    status = ValidateSku(line.sku(), field + ".sku");
    if (status.ok()) status = ValidateText(line.description(), field + ".description", 0, 500);
    if (status.ok()) status = ValidateQuantity(line.quantity(), field + ".quantity");
    if (status.ok() && !line.has_unit_price())
      status = InvalidField(field + ".unit_price", "is required");
    if (status.ok()) status = ValidateMoney(line.unit_price(), field + ".unit_price", true);
    if (status.ok()) status = ValidateDiscount(line, field);
    if (status.ok() && line.has_tax_rate_bp() &&
        (line.tax_rate_bp() < 0 || line.tax_rate_bp() > kMaxTaxRateBp)) {
      status = InvalidField(field + ".tax_rate_bp",
                            absl::StrCat("must be 0 to ", kMaxTaxRateBp, " basis points"));
    }
    if (!status.ok()) return status;
    if (line.unit_price().currency() != currency) {
      return InvalidField(field + ".unit_price.currency", "must be the same for every line");
    }
    if (!skus.insert(line.sku()).second) {
      return InvalidField(field + ".sku", "must appear once");
    }
  }
  if (destination == nullptr) return InvalidField("destination", "is required");
  return ValidateAddress(*destination, "destination");
}

}  // namespace

absl::Status ValidateCapture(const v1::CapturePaymentRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  if (status.ok()) status = ValidateEntityId(request.shipment_id(), "shipment_id");
  if (status.ok()) {
    status = ValidateBillableLines(request.lines(),
                                   request.has_destination() ? &request.destination() : nullptr);
  }
  if (status.ok() && request.has_billing_address()) {
    status = ValidateAddress(request.billing_address(), "billing_address");
  }
  if (status.ok() && request.has_expected_amount()) {
    status = ValidateMoney(request.expected_amount(), "expected_amount", true);
  }
  if (!status.ok()) return status;
  const std::string& currency = request.lines(0).unit_price().currency();
  status = ValidateShipping(request.has_shipping(), request.shipping(), "shipping", currency);
  if (status.ok()) {
    status = ValidateShipping(request.has_shipping_tax(), request.shipping_tax(), "shipping_tax",
                              currency);
  }
  return status;
}

absl::Status ValidateQuoteTax(const v1::QuoteTaxRequest& request) {
  absl::Status status = ValidateBillableLines(
      request.lines(), request.has_destination() ? &request.destination() : nullptr);
  if (!status.ok()) return status;
  return ValidateShipping(request.has_shipping(), request.shipping(), "shipping",
                          request.lines(0).unit_price().currency());
}

absl::Status ValidateVoid(const v1::VoidPaymentRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  if (status.ok() && request.has_amount()) {
    status = ValidateMoney(request.amount(), "amount", /*allow_zero=*/false);
  }
  if (status.ok()) status = ValidateText(request.reason(), "reason", 0, 500);
  return status;
}

absl::Status ValidateIncrement(const v1::IncrementAuthorizationRequest& request) {
  absl::Status status = ValidateIds(request.request_id(), request.order_id());
  if (status.ok() && !request.has_amount()) status = InvalidField("amount", "is required");
  if (status.ok()) status = ValidateMoney(request.amount(), "amount", /*allow_zero=*/false);
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
