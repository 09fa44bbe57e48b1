// A fresh order database with every store's statements prepared, and the customers and orders
// the store tests start from. For the store tests (real PostgreSQL) of this directory.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "common/idempotency.h"
#include "common/pg_pool.h"
#include "common/testing/pg_test_database.h"
#include "order-service/src/customer_store.h"
#include "order-service/src/order_database.h"
#include "order-service/src/order_repository.h"
#include "order-service/src/order_validation.h"
#include "order-service/src/schema.h"

namespace oms::order {

class OrderDbTest : public ::testing::Test {
 protected:
  explicit OrderDbTest(const std::string& database) : db_(database) {}

  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    ASSERT_TRUE(ApplyMigrations(db_.url(), Migrations()).ok());
    auto pool =
        PgPool::Create({db_.url(), 4, std::chrono::seconds(5), OrderDatabaseStatements()}, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    customers_ = std::make_unique<PgCustomerStore>(*pool_);
    orders_ = std::make_unique<PgOrderRepository>(*pool_);
  }

  v1::Customer Customer(const std::string& email) {
    v1::Customer customer;
    customer.set_name("Erika");
    customer.set_email(email);
    auto normalized = NormalizeNewCustomer(customer);
    EXPECT_TRUE(normalized.ok());
    v1::Customer created;
    EXPECT_TRUE(customers_->CreateCustomer(*normalized, &created).ok());
    return created;
  }

  v1::CreateOrderRequest Request(const std::string& customer_id, const std::string& key) {
    v1::CreateOrderRequest request;
    request.set_request_id(key);
    request.set_client_id("client-1");
    request.set_customer_id(customer_id);
    request.set_channel("web");
    request.set_currency("EUR");
    request.mutable_payment()->set_token("tok_visa");
    return request;
  }

  // `answer_within`: how long the request that stores it waits for its saga.
  InsertedOrder Insert(const v1::CreateOrderRequest& request,
                       std::chrono::milliseconds answer_within = std::chrono::milliseconds(0)) {
    v1::Order order;
    order.set_customer_id(request.customer_id());
    order.set_channel(request.channel());
    order.set_external_order_id(request.external_order_id());
    order.set_currency("EUR");
    order.mutable_total()->set_amount_minor(100);
    auto inserted =
        orders_->InsertOrder(order, request, DeterministicHex(request), answer_within, {});
    EXPECT_TRUE(inserted.ok()) << inserted.status();
    return inserted.ok() ? *inserted : InsertedOrder{};
  }

  testing::PgTestDatabase db_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgCustomerStore> customers_;
  std::unique_ptr<PgOrderRepository> orders_;
};

}  // namespace oms::order
