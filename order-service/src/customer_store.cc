#include "order-service/src/customer_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "common/validation.h"
#include "order-service/src/order_rows.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kCustomersInsert[] = "customers_insert";
constexpr char kCustomersGet[] = "customers_get";
constexpr char kCustomersLock[] = "customers_lock";
constexpr char kCustomersUpdate[] = "customers_update";
constexpr char kCustomersList[] = "customers_list";

// The columns ReadCustomer reads, by these names. The addresses are an oms.order.v1.Customer
// holding only them.
#define OMS_CUSTOMER_COLUMNS                                                    \
  "id, name, email, phone, locale, encode(addresses, 'hex') AS addresses_hex, " \
  "(extract(epoch FROM created_at) * 1000000)::bigint AS created_micros, "      \
  "(extract(epoch FROM updated_at) * 1000000)::bigint AS updated_micros"

void ReadCustomer(const pqxx::row& row, v1::Customer* customer) {
  v1::Customer addresses;
  FromHex(row["addresses_hex"], &addresses);
  customer->Clear();
  customer->set_id(row["id"].as<std::string>());
  customer->set_name(row["name"].as<std::string>());
  customer->set_email(row["email"].as<std::string>());
  customer->set_phone(row["phone"].as<std::string>());
  customer->set_locale(row["locale"].as<std::string>());
  *customer->mutable_addresses() = addresses.addresses();
  *customer->mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(row["created_micros"].as<int64_t>());
  *customer->mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(row["updated_micros"].as<int64_t>());
}

std::string AddressesHex(const v1::Customer& customer) {
  v1::Customer addresses;
  *addresses.mutable_addresses() = customer.addresses();
  return Hex(addresses);
}

absl::Status EmailTaken() {
  return WithReason(absl::StatusCode::kAlreadyExists, "CUSTOMER_EXISTS",
                    "customer.email: a customer with this email exists");
}

}  // namespace

const std::vector<PreparedStatement>& PgCustomerStore::Statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kCustomersInsert,
       "INSERT INTO customers (name, email, phone, addresses, locale) VALUES ($1, $2, $3, "
       "decode($4, 'hex'), $5) RETURNING " OMS_CUSTOMER_COLUMNS},
      {kCustomersGet, "SELECT " OMS_CUSTOMER_COLUMNS " FROM customers WHERE id = $1::uuid"},
      {kCustomersLock,
       "SELECT " OMS_CUSTOMER_COLUMNS " FROM customers WHERE id = $1::uuid FOR UPDATE"},
      {kCustomersUpdate,
       "UPDATE customers SET name = $2, email = $3, phone = $4, addresses = decode($5, 'hex'), "
       "locale = $6, updated_at = now() WHERE id = $1::uuid RETURNING " OMS_CUSTOMER_COLUMNS},
      {kCustomersList,
       "SELECT " OMS_CUSTOMER_COLUMNS " FROM customers WHERE id > $1::uuid ORDER BY id LIMIT $2"},
  };
  return kStatements;
}

absl::Status PgCustomerStore::CreateCustomer(const v1::Customer& customer, v1::Customer* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    try {
      ReadCustomer(tx.exec_prepared1(kCustomersInsert, customer.name(), customer.email(),
                                     customer.phone(), AddressesHex(customer), customer.locale()),
                   out);
    } catch (const pqxx::unique_violation&) {
      return EmailTaken();
    }
    return absl::OkStatus();
  });
}

absl::Status PgCustomerStore::GetCustomer(const std::string& id, v1::Customer* out) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) {
    pqxx::result rows = statement.exec_prepared(kCustomersGet, id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("customer ", id, " does not exist"));
    ReadCustomer(rows[0], out);
    return absl::OkStatus();
  });
}

absl::Status PgCustomerStore::UpdateCustomer(
    const std::string& id,
    const std::function<absl::StatusOr<v1::Customer>(const v1::Customer&)>& update,
    v1::Customer* out) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kCustomersLock, id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("customer ", id, " does not exist"));
    v1::Customer current;
    ReadCustomer(rows[0], &current);
    auto next = update(current);
    if (!next.ok()) return next.status();
    try {
      ReadCustomer(tx.exec_prepared1(kCustomersUpdate, id, next->name(), next->email(),
                                     next->phone(), AddressesHex(*next), next->locale()),
                   out);
    } catch (const pqxx::unique_violation&) {
      return EmailTaken();
    }
    return absl::OkStatus();
  });
}

absl::Status PgCustomerStore::ListCustomers(const std::string& after, int page_size,
                                            CustomerPage* out) {
  // The page token's payload is the last id seen; the first page starts below every id.
  if (!after.empty() && !ValidateUuid(after, "page_token", "a customer id").ok()) {
    return InvalidField("page_token", "is not a token this server issued");
  }
  const std::string start = after.empty() ? "00000000-0000-0000-0000-000000000000" : after;
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_prepared(kCustomersList, start, page_size + 1);
    for (const auto& row : rows) {
      if (static_cast<int>(out->customers.size()) == page_size) {
        out->next_after = out->customers.back().id();
        break;
      }
      ReadCustomer(row, &out->customers.emplace_back());
    }
    return absl::OkStatus();
  });
}

}  // namespace oms::order
