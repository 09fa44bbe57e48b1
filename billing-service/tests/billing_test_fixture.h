// A fresh billing database with billing's pool, the sandbox provider's own pool, the sandbox
// provider and the use cases, plus helpers to build requests and query the tables directly.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "billing-service/src/billing_use_cases.h"
#include "billing-service/src/sandbox_provider.h"
#include "billing-service/src/schema.h"
#include "common/pg_pool.h"
#include "common/testing/pg_test_database.h"

namespace oms::billing {

class BillingDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    ASSERT_TRUE(ApplyMigrations(db_.url(), Migrations()).ok());
    auto pool = PgPool::Create(
        {db_.url(), 8, std::chrono::seconds(10), PgBillingUseCases::Statements()}, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    auto provider_pool = PgPool::Create(
        {db_.url(), 8, std::chrono::seconds(10), SandboxProvider::Statements()}, nullptr);
    ASSERT_TRUE(provider_pool.ok()) << provider_pool.status();
    provider_pool_ = std::move(*provider_pool);
    provider_ = std::make_unique<SandboxProvider>(*provider_pool_);
    PgBillingUseCases::Options options;
    options.failpoint = [this](const std::string& name, const std::string& request_id) {
      std::lock_guard<std::mutex> lock(mu_);
      if (crash_at_.count(name + "/" + request_id) > 0) {
        crash_at_.erase(name + "/" + request_id);  // once, like a process that then restarts
        return absl::UnavailableError("simulated crash before commit");
      }
      return absl::OkStatus();
    };
    billing_ = std::make_unique<PgBillingUseCases>(*pool_, *provider_, options);
  }

  // The next time `request_id` reaches failpoint `name`, billing's commit fails.
  void CrashOnce(const std::string& name, const std::string& request_id) {
    std::lock_guard<std::mutex> lock(mu_);
    crash_at_.insert(name + "/" + request_id);
  }

  long long Query(const std::string& sql) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    return tx.exec1(sql)[0].as<long long>();
  }
  std::string QueryText(const std::string& sql) {
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    return tx.exec1(sql)[0].as<std::string>();
  }

  static v1::AuthorizePaymentRequest AuthorizeRequest(const std::string& request_id,
                                                      const std::string& order_id, long long amount,
                                                      const std::string& token = "tok_visa") {
    v1::AuthorizePaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order_id);
    request.mutable_amount()->set_currency("EUR");
    request.mutable_amount()->set_amount_minor(amount);
    request.set_method(v1::PAYMENT_METHOD_CARD);
    request.set_token(token);
    return request;
  }

  absl::StatusOr<v1::Payment> Authorize(const std::string& request_id, const std::string& order_id,
                                        long long amount, const std::string& token = "tok_visa") {
    v1::Payment payment;
    absl::Status status =
        billing_->Authorize(AuthorizeRequest(request_id, order_id, amount, token), &payment);
    if (!status.ok()) return status;
    return payment;
  }

  static void AddLine(v1::CapturePaymentRequest* request, const std::string& sku,
                      long long quantity, long long unit_price) {
    v1::BillableLine* line = request->add_lines();
    line->set_sku(sku);
    line->set_description("Item " + sku);
    line->set_quantity(quantity);
    line->mutable_unit_price()->set_currency("EUR");
    line->mutable_unit_price()->set_amount_minor(unit_price);
  }

  static v1::CapturePaymentRequest CaptureRequest(const std::string& request_id,
                                                  const std::string& order_id,
                                                  const std::string& shipment_id,
                                                  const std::string& country = "DE",
                                                  const std::string& region = "") {
    v1::CapturePaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order_id);
    request.set_shipment_id(shipment_id);
    auto* destination = request.mutable_destination();
    destination->set_name("Erika Mustermann");
    destination->set_line1("Heidestrasse 17");
    destination->set_city("Berlin");
    destination->set_postal_code("10557");
    destination->set_region(region);
    destination->set_country(country);
    return request;
  }

  absl::StatusOr<v1::CapturePaymentResponse> Capture(const v1::CapturePaymentRequest& request) {
    v1::CapturePaymentResponse response;
    absl::Status status = billing_->Capture(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::Payment> Void(const std::string& request_id, const std::string& order_id,
                                   long long amount = 0) {
    v1::VoidPaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order_id);
    if (amount > 0) {
      request.mutable_amount()->set_currency("EUR");
      request.mutable_amount()->set_amount_minor(amount);
    }
    v1::Payment payment;
    absl::Status status = billing_->Void(request, &payment);
    if (!status.ok()) return status;
    return payment;
  }

  static v1::RefundPaymentRequest RefundRequest(const std::string& request_id,
                                                const std::string& order_id,
                                                const std::string& shipment_id,
                                                const std::string& sku, long long quantity) {
    v1::RefundPaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order_id);
    request.set_shipment_id(shipment_id);
    request.set_reason("returned");
    v1::RefundLine* line = request.add_lines();
    line->set_sku(sku);
    line->set_quantity(quantity);
    return request;
  }

  absl::StatusOr<v1::RefundPaymentResponse> Refund(const v1::RefundPaymentRequest& request) {
    v1::RefundPaymentResponse response;
    absl::Status status = billing_->Refund(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  testing::PgTestDatabase db_{"billing"};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgPool> provider_pool_;
  std::unique_ptr<SandboxProvider> provider_;
  std::unique_ptr<PgBillingUseCases> billing_;
  std::mutex mu_;
  std::set<std::string> crash_at_;
};

}  // namespace oms::billing
