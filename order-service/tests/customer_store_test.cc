// PgCustomerStore on a real PostgreSQL: create, update, list, and one customer per email.
#include "order-service/src/customer_store.h"

#include <gtest/gtest.h>

#include "order-service/tests/order_db_fixture.h"

namespace oms::order {
namespace {

class CustomerStoreTest : public OrderDbTest {
 protected:
  CustomerStoreTest() : OrderDbTest("customers") {}
};

TEST_F(CustomerStoreTest, CustomersAreCreatedUpdatedListedAndUniqueByEmail) {
  v1::Customer erika = Customer("erika@example.com");
  Customer("max@example.com");
  v1::Customer duplicate;
  v1::Customer same_email;
  same_email.set_name("Other");
  same_email.set_email("ERIKA@example.com");
  EXPECT_EQ(customers_->CreateCustomer(same_email, &duplicate).code(),
            absl::StatusCode::kAlreadyExists);

  v1::Customer updated;
  ASSERT_TRUE(customers_
                  ->UpdateCustomer(
                      erika.id(),
                      [](const v1::Customer& current) -> absl::StatusOr<v1::Customer> {
                        v1::Customer next = current;
                        next.set_phone("+49 40 123");
                        return next;
                      },
                      &updated)
                  .ok());
  EXPECT_EQ(updated.phone(), "+49 40 123");
  EXPECT_EQ(updated.email(), "erika@example.com");

  CustomerPage first;
  ASSERT_TRUE(customers_->ListCustomers("", 1, &first).ok());
  ASSERT_EQ(first.customers.size(), 1u);
  CustomerPage second;
  ASSERT_TRUE(customers_->ListCustomers(first.next_after, 1, &second).ok());
  ASSERT_EQ(second.customers.size(), 1u);
  EXPECT_NE(second.customers[0].id(), first.customers[0].id());
  EXPECT_TRUE(second.next_after.empty());
  // A token whose payload is no id of ours is refused naming the field, never a database error.
  CustomerPage bad;
  absl::Status refused = customers_->ListCustomers("not-a-uuid", 1, &bad);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("page_token"), absl::string_view::npos);
}

}  // namespace
}  // namespace oms::order
