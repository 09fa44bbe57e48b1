// Customers: the store the handlers use, and its PostgreSQL implementation. An email names one
// customer, whatever its case (a unique index on lower(email)).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/order/v1/order.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

struct CustomerPage {
  std::vector<v1::Customer> customers;
  std::string next_after;  // "" on the last page
};

class CustomerStore {
 public:
  virtual ~CustomerStore() = default;
  // ALREADY_EXISTS / CUSTOMER_EXISTS when another customer has the email.
  [[nodiscard]] virtual absl::Status CreateCustomer(const v1::Customer& customer,
                                                    v1::Customer* out) = 0;
  // NOT_FOUND when there is no such customer.
  [[nodiscard]] virtual absl::Status GetCustomer(const std::string& id, v1::Customer* out) = 0;
  // Locks the customer, applies `update` to it and writes the result. NOT_FOUND, the error
  // `update` returns, or ALREADY_EXISTS / CUSTOMER_EXISTS.
  [[nodiscard]] virtual absl::Status UpdateCustomer(
      const std::string& id,
      const std::function<absl::StatusOr<v1::Customer>(const v1::Customer&)>& update,
      v1::Customer* out) = 0;
  // Up to `page_size` customers with ids above `after`, in id order.
  [[nodiscard]] virtual absl::Status ListCustomers(const std::string& after, int page_size,
                                                   CustomerPage* out) = 0;
};

class PgCustomerStore final : public CustomerStore {
 public:
  explicit PgCustomerStore(PgPool& pool) : pool_(pool) {}
  // The statements below, for the pool's list.
  static const std::vector<PreparedStatement>& Statements();

  [[nodiscard]] absl::Status CreateCustomer(const v1::Customer& customer,
                                            v1::Customer* out) override;
  [[nodiscard]] absl::Status GetCustomer(const std::string& id, v1::Customer* out) override;
  [[nodiscard]] absl::Status UpdateCustomer(
      const std::string& id,
      const std::function<absl::StatusOr<v1::Customer>(const v1::Customer&)>& update,
      v1::Customer* out) override;
  [[nodiscard]] absl::Status ListCustomers(const std::string& after, int page_size,
                                           CustomerPage* out) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::order
