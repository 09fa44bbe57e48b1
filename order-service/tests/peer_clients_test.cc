// The gRPC peer clients against a fake billing-service on an in-process channel (the three
// clients share one way of calling, peer_call.h): a read answers its reply or a failure in
// order-service's terms, a saga step's call answers the peer's own status, and every call
// carries the request id and the client's deadline.
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <grpcpp/channel.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include "common/grpc_interceptors.h"
#include "common/grpc_status.h"
#include "common/status.h"
#include "oms/billing/v1/billing.grpc.pb.h"
#include "order-service/src/billing_client.h"
#include "order-service/src/participants.h"

namespace oms::order {
namespace {

using namespace std::chrono_literals;
namespace billing_v1 = ::oms::billing::v1;

// Answers ListPayments and AuthorizePayment with the scripted status (and one payment when OK),
// noting what each call carried.
class FakeBillingService : public billing_v1::BillingService::CallbackService {
 public:
  grpc::ServerUnaryReactor* ListPayments(grpc::CallbackServerContext* context,
                                         const billing_v1::ListPaymentsRequest* request,
                                         billing_v1::ListPaymentsResponse* response) override {
    Note(*context, request->order_id());
    response->add_payments()->set_id("pay-1");
    return Answer(context);
  }
  grpc::ServerUnaryReactor* AuthorizePayment(grpc::CallbackServerContext* context,
                                             const billing_v1::AuthorizePaymentRequest* request,
                                             billing_v1::Payment* response) override {
    Note(*context, request->order_id());
    response->set_id("pay-1");
    return Answer(context);
  }

  std::mutex mu;
  grpc::Status answer;
  std::string order_id;
  std::string request_id;
  std::chrono::system_clock::time_point deadline;

 private:
  void Note(const grpc::CallbackServerContext& context, const std::string& order) {
    std::lock_guard<std::mutex> lock(mu);
    order_id = order;
    request_id = RequestIdOf(context);
    deadline = context.deadline();
  }
  grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context) {
    std::lock_guard<std::mutex> lock(mu);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(answer);
    return reactor;
  }
};

absl::StatusOr<billing_v1::ListPaymentsResponse> ReadPayments(BillingClient& billing) {
  std::promise<absl::StatusOr<billing_v1::ListPaymentsResponse>> answer;
  billing.Payments("req-7", "order-1",
                   [&answer](auto payments) { answer.set_value(std::move(payments)); });
  return answer.get_future().get();
}

// Drops `client` and then `channel` on this thread, once no call holds the channel any more: a
// call's context keeps its channel until the call's callback has returned, which is after the
// test saw the answer. Were the channel, gRPC's last object, released on that callback thread,
// gRPC 1.51 would shut down on a detached thread racing the test process's exit (it aborts with
// "assertion failed: prior > 0").
void ReleaseAfterItsCalls(std::unique_ptr<BillingClient> client,
                          std::shared_ptr<grpc::Channel> channel) {
  client.reset();
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (channel.use_count() > 1 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(channel.use_count(), 1) << "a call still holds the channel";
}

class PeerClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
    billing_ = MakeGrpcBillingClient(channel_, 2s);
  }
  void TearDown() override {
    ReleaseAfterItsCalls(std::move(billing_), std::move(channel_));
    server_->Shutdown();
  }

  void AnswerWith(grpc::Status status) {
    std::lock_guard<std::mutex> lock(service_.mu);
    service_.answer = std::move(status);
  }

  FakeBillingService service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<BillingClient> billing_;
};

TEST_F(PeerClientsTest, AReadAnswersTheReplyAndCarriesTheRequestIdAndTheDeadline) {
  const auto before = std::chrono::system_clock::now();
  auto payments = ReadPayments(*billing_);
  ASSERT_TRUE(payments.ok()) << payments.status();
  ASSERT_EQ(payments->payments_size(), 1);
  EXPECT_EQ(payments->payments(0).id(), "pay-1");
  std::lock_guard<std::mutex> lock(service_.mu);
  EXPECT_EQ(service_.order_id, "order-1");
  EXPECT_EQ(service_.request_id, "req-7");
  EXPECT_GT(service_.deadline, before);
  // The server rebuilds the deadline from the grpc-timeout header, which rounds the time left
  // up to its unit, so it may lie a little past the client's.
  EXPECT_LE(service_.deadline, std::chrono::system_clock::now() + 2s + 50ms);
}

TEST_F(PeerClientsTest, AFailedReadIsUnavailableNamingThePeerButBadInputIsTheCallers) {
  AnswerWith(grpc::Status(grpc::StatusCode::INTERNAL, "database down"));
  auto payments = ReadPayments(*billing_);
  EXPECT_EQ(payments.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(payments.status().message(), "billing is unavailable: database down");

  AnswerWith(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "order_id: must be a UUID"));
  payments = ReadPayments(*billing_);
  EXPECT_EQ(payments.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(payments.status().message(), "order_id: must be a UUID");
}

TEST_F(PeerClientsTest, APeerThatIsDownIsUnavailable) {
  auto channel = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  auto down = MakeGrpcBillingClient(channel, 500ms);
  auto payments = ReadPayments(*down);
  EXPECT_EQ(payments.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(payments.status().message().rfind("billing is unavailable: ", 0), 0u)
      << payments.status();
  ReleaseAfterItsCalls(std::move(down), std::move(channel));
}

TEST_F(PeerClientsTest, AStepsCallAnswersThePeersOwnStatusWithItsReason) {
  AnswerWith(ToGrpcStatus(
      WithReason(absl::StatusCode::kFailedPrecondition, "PAYMENT_DECLINED", "card declined")));
  billing_v1::AuthorizePaymentRequest request;
  request.set_request_id("saga-1:authorize");
  request.set_order_id("order-1");
  std::promise<grpc::Status> answer;
  billing_->AuthorizePayment("saga-1:authorize", request,
                             [&answer](const grpc::Status& status, const billing_v1::Payment&) {
                               answer.set_value(status);
                             });
  grpc::Status status = answer.get_future().get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "card declined");
  CallOutcome outcome = OutcomeOf(status);
  EXPECT_EQ(outcome.result, CallResult::kRefused);
  EXPECT_EQ(outcome.reason, "PAYMENT_DECLINED");
  std::lock_guard<std::mutex> lock(service_.mu);
  EXPECT_EQ(service_.request_id, "saga-1:authorize");
}

}  // namespace
}  // namespace oms::order
