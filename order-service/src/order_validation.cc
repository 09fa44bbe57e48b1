#include "order-service/src/order_validation.h"

#include <map>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "common/validation.h"
#include "order-service/src/notifications.h"
#include "order-service/src/pricing.h"

namespace oms::order {
namespace {

const CustomerFields& AllCustomerFields() {
  static const CustomerFields kFields = {"name", "email", "phone", "addresses", "locale"};
  return kFields;
}

absl::Status ValidateEmail(const std::string& email) {
  const auto at = email.find('@');
  bool ok = email.size() >= 3 && email.size() <= 254 && at != std::string::npos && at > 0 &&
            at + 1 < email.size() && email.find('@', at + 1) == std::string::npos;
  for (char c : email) ok = ok && c > 0x20 && c < 0x7F;
  return ok ? absl::OkStatus() : InvalidField("customer.email", "must be an email address");
}

absl::Status ValidatePhone(const std::string& phone) {
  bool ok = phone.size() <= 32;
  for (char c : phone) {
    ok = ok && ((c >= '0' && c <= '9') || c == '+' || c == ' ' || c == '-' || c == '(' || c == ')');
  }
  return ok ? absl::OkStatus()
            : InvalidField("customer.phone",
                           "must be at most 32 digits, spaces, '+', '-', '(' or ')'");
}

// Settles one default per kind; refuses bad addresses and double defaults.
absl::Status NormalizeAddresses(v1::Customer* customer) {
  if (customer->addresses_size() > kMaxAddresses) {
    return InvalidField("customer.addresses", absl::StrCat("must hold at most ", kMaxAddresses));
  }
  std::map<int, int> defaults;  // kind -> index of its default
  for (int i = 0; i < customer->addresses_size(); ++i) {
    const auto& address = customer->addresses(i);
    const std::string field = absl::StrCat("customer.addresses[", i, "]");
    if (address.kind() != v1::ADDRESS_KIND_BILLING && address.kind() != v1::ADDRESS_KIND_SHIPPING) {
      return InvalidField(field + ".kind", "must be BILLING or SHIPPING");
    }
    absl::Status status = ValidateAddress(address.address(), field + ".address");
    if (!status.ok()) return status;
    if (address.is_default() && !defaults.emplace(address.kind(), i).second) {
      return InvalidField(field + ".is_default", "only one address of a kind can be the default");
    }
  }
  for (int i = 0; i < customer->addresses_size(); ++i) {
    auto* address = customer->mutable_addresses(i);
    if (defaults.emplace(address->kind(), i).second) address->set_is_default(true);
  }
  return absl::OkStatus();
}

absl::Status ValidateCustomerFields(const v1::Customer& customer, const CustomerFields& fields) {
  absl::Status status;
  if (fields.count("name")) status = ValidateText(customer.name(), "customer.name", 1, 200);
  if (status.ok() && fields.count("email")) status = ValidateEmail(customer.email());
  if (status.ok() && fields.count("phone")) status = ValidatePhone(customer.phone());
  if (status.ok() && fields.count("locale") && !customer.locale().empty() &&
      !IsNotificationLocale(customer.locale())) {
    status = InvalidField("customer.locale", "must be en or de (the notifications' languages)");
  }
  return status;
}

// 1 to kMaxOrderLines lines, each a valid SKU once, quantities 1 to kMaxLineQuantity (order
// lines and return lines alike).
template <class Line>
absl::Status ValidateDistinctLines(const google::protobuf::RepeatedPtrField<Line>& lines) {
  if (lines.empty() || lines.size() > kMaxOrderLines) {
    return InvalidField("lines", absl::StrCat("must hold 1 to ", kMaxOrderLines, " lines"));
  }
  std::set<std::string> skus;
  for (int i = 0; i < lines.size(); ++i) {
    const std::string field = absl::StrCat("lines[", i, "]");
    absl::Status status = ValidateSku(lines[i].sku(), field + ".sku");
    if (!status.ok()) return status;
    if (lines[i].quantity() < 1 || lines[i].quantity() > kMaxLineQuantity) {
      return InvalidField(field + ".quantity",
                          absl::StrCat("must be between 1 and ", kMaxLineQuantity));
    }
    if (!skus.insert(lines[i].sku()).second)
      return InvalidField(field + ".sku", "must appear once");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Customer> NormalizeNewCustomer(const v1::Customer& customer) {
  if (!customer.id().empty()) return InvalidField("customer.id", "is assigned by the server");
  absl::Status status = ValidateCustomerFields(customer, AllCustomerFields());
  if (!status.ok()) return status;
  v1::Customer normalized = customer;
  if (normalized.locale().empty()) normalized.set_locale("en");
  status = NormalizeAddresses(&normalized);
  if (!status.ok()) return status;
  return normalized;
}

absl::StatusOr<CustomerFields> UpdatedCustomerFields(const v1::UpdateCustomerRequest& request) {
  if (request.update_mask().paths().empty()) return AllCustomerFields();
  CustomerFields fields;
  for (const auto& path : request.update_mask().paths()) {
    if (AllCustomerFields().count(path) == 0) {
      return InvalidField("update_mask",
                          absl::StrCat("'", path, "' is not an updatable field; updatable: ",
                                       absl::StrJoin(AllCustomerFields(), ", ")));
    }
    fields.insert(path);
  }
  return fields;
}

absl::StatusOr<v1::Customer> ApplyCustomerUpdate(const v1::Customer& current,
                                                 const v1::Customer& update,
                                                 const CustomerFields& fields) {
  absl::Status status = ValidateCustomerFields(update, fields);
  if (!status.ok()) return status;
  v1::Customer next = current;
  if (fields.count("name")) next.set_name(update.name());
  if (fields.count("email")) next.set_email(update.email());
  if (fields.count("phone")) next.set_phone(update.phone());
  if (fields.count("locale")) next.set_locale(update.locale().empty() ? "en" : update.locale());
  if (fields.count("addresses")) {
    *next.mutable_addresses() = update.addresses();
    status = NormalizeAddresses(&next);
    if (!status.ok()) return status;
  }
  return next;
}

absl::Status ValidateCreateOrder(const v1::CreateOrderRequest& request) {
  absl::Status status = ValidateRequestId(request.request_id(), "request_id");
  if (status.ok()) status = ValidateText(request.client_id(), "client_id", 1, 128);
  if (status.ok()) status = ValidateUuid(request.customer_id(), "customer_id", "a customer id");
  if (status.ok()) status = ValidateText(request.channel(), "channel", 1, 64);
  if (status.ok() && !request.external_order_id().empty()) {
    status = ValidateText(request.external_order_id(), "external_order_id", 1, 128);
  }
  if (status.ok()) status = ValidateCurrency(request.currency(), "currency");
  if (!status.ok()) return status;
  status = ValidateDistinctLines(request.lines());
  if (!status.ok()) return status;
  if (!request.has_shipping_address()) return InvalidField("shipping_address", "is required");
  status = ValidateAddress(request.shipping_address(), "shipping_address");
  if (status.ok() && request.has_billing_address()) {
    status = ValidateAddress(request.billing_address(), "billing_address");
  }
  if (!status.ok()) return status;
  if (request.payment().method() != "CARD") return InvalidField("payment.method", "must be CARD");
  status = ValidateRequestId(request.payment().token(), "payment.token");
  if (!status.ok()) return status;
  if (!inventory::v1::AllocationStrategy_IsValid(request.allocation_strategy())) {
    return InvalidField("allocation_strategy",
                        "must be SINGLE_WAREHOUSE, MINIMIZE_SPLITS, NEAREST_FIRST or PRIORITY");
  }
  if (!inventory::v1::BackorderPolicy_IsValid(request.backorder_policy())) {
    return InvalidField("backorder_policy", "must be REJECT, SHIP_AVAILABLE or BACKORDER");
  }
  return ValidateCharges(request);
}

absl::Status ValidateCreateReturn(const v1::CreateReturnRequest& request) {
  absl::Status status = ValidateRequestId(request.request_id(), "request_id");
  if (status.ok()) status = ValidateUuid(request.order_id(), "order_id", "an order id");
  if (status.ok()) status = ValidateText(request.reason(), "reason", 0, 500);
  if (!status.ok()) return status;
  return ValidateDistinctLines(request.lines());
}

absl::Status ValidateModifyOrder(const v1::ModifyOrderRequest& request) {
  absl::Status status = ValidateRequestId(request.request_id(), "request_id");
  if (status.ok()) status = ValidateUuid(request.order_id(), "order_id", "an order id");
  if (status.ok() && request.version() < 1) {
    status = InvalidField("version", "must be the order's current version (1 and up)");
  }
  if (status.ok()) status = ValidateDistinctLines(request.lines());
  if (!status.ok()) return status;
  for (int i = 0; i < request.lines_size(); ++i) {
    if (!request.lines(i).adjustments().empty()) {
      return InvalidField(absl::StrCat("lines[", i, "].adjustments"),
                          "an edit takes no adjustments: a line keeps its own");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateReceiveReturn(const v1::ReceiveReturnRequest& request) {
  absl::Status status = ValidateRequestId(request.request_id(), "request_id");
  if (status.ok()) status = ValidateUuid(request.return_id(), "return_id", "a return id");
  if (status.ok()) status = ValidateUuid(request.warehouse_id(), "warehouse_id", "a warehouse id");
  if (!status.ok()) return status;
  if (!request.acting_warehouse_id().empty() &&
      request.warehouse_id() != request.acting_warehouse_id()) {
    return InvalidField("warehouse_id", "must be the warehouse the caller's key is bound to");
  }
  if (request.lines().empty() || request.lines().size() > 2 * kMaxOrderLines) {
    return InvalidField("lines", absl::StrCat("must hold 1 to ", 2 * kMaxOrderLines, " lines"));
  }
  for (int i = 0; i < request.lines().size(); ++i) {
    const auto& line = request.lines(i);
    const std::string field = absl::StrCat("lines[", i, "]");
    status = ValidateSku(line.sku(), field + ".sku");
    if (!status.ok()) return status;
    if (line.quantity() < 1 || line.quantity() > kMaxLineQuantity) {
      return InvalidField(field + ".quantity",
                          absl::StrCat("must be between 1 and ", kMaxLineQuantity));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadOrderListFilters(const v1::ListOrdersRequest& request, OrderFilter* filter) {
  using google::protobuf::util::TimeUtil;
  if (!request.channel().empty()) {
    if (absl::Status invalid = ValidateText(request.channel(), "channel", 1, 64); !invalid.ok()) {
      return invalid;
    }
  }
  if (!request.external_order_id().empty()) {
    if (request.channel().empty()) {
      return InvalidField("external_order_id", "needs channel, which it is unique within");
    }
    if (absl::Status invalid =
            ValidateText(request.external_order_id(), "external_order_id", 1, 128);
        !invalid.ok()) {
      return invalid;
    }
  }
  // The range RFC 3339 can write (years 1 to 9999), as the JSON mapping does.
  constexpr int64_t kMinSeconds = -62135596800, kMaxSeconds = 253402300799;
  for (const auto& [time, field] : {std::pair{&request.created_after(), "created_after"},
                                    std::pair{&request.created_before(), "created_before"}}) {
    if (time->seconds() < kMinSeconds || time->seconds() > kMaxSeconds || time->nanos() < 0 ||
        time->nanos() > 999'999'999) {
      return InvalidField(field, "is not a valid time");
    }
  }
  if (!request.sku().empty()) {
    if (absl::Status invalid = ValidateSku(request.sku(), "sku"); !invalid.ok()) return invalid;
  }
  filter->sku = request.sku();
  filter->channel = request.channel();
  filter->external_order_id = request.external_order_id();
  filter->created_after_micros = TimeUtil::TimestampToMicroseconds(request.created_after());
  filter->created_before_micros = TimeUtil::TimestampToMicroseconds(request.created_before());
  if (filter->created_after_micros != 0 && filter->created_before_micros != 0 &&
      filter->created_before_micros <= filter->created_after_micros) {
    return InvalidField("created_before", "must be later than created_after");
  }
  return absl::OkStatus();
}

}  // namespace oms::order
