// Fakes of order-service's peer clients, for unit tests of what calls them: every call is
// recorded as "<Method> <request id> <request in text form>" and answered at once, on the
// caller's thread, with the method's scripted status (OK unless scripted) and reply (empty unless
// scripted). Reads map a failure as the real clients do (ReadStatus).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include "order-service/src/billing_client.h"
#include "order-service/src/inventory_client.h"
#include "order-service/src/shipping_client.h"

namespace oms::order {

class FakePeer {
 public:
  explicit FakePeer(const char* name) : name_(name) {}

  // From now on, `method` answers `status` and `reply`.
  template <class Reply>
  void Script(const std::string& method, grpc::Status status, const Reply& reply = Reply()) {
    std::lock_guard<std::mutex> lock(mu_);
    scripts_[method] = {std::move(status), std::make_shared<Reply>(reply)};
  }

  std::vector<std::string> Calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 protected:
  template <class Reply>
  void Respond(const std::string& method, const std::string& request_id,
               const google::protobuf::Message& request, CallDone<Reply> done) {
    grpc::Status status;
    Reply reply;
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(method + " " + request_id + " " + request.ShortDebugString());
      if (auto script = scripts_.find(method); script != scripts_.end()) {
        status = script->second.status;
        reply.CopyFrom(*script->second.reply);
      }
    }
    done(status, reply);
  }

  template <class Reply>
  void Respond(const std::string& method, const std::string& request_id,
               const google::protobuf::Message& request, ReadDone<Reply> done) {
    Respond<Reply>(method, request_id, request, AsRead(name_, std::move(done)));
  }

 private:
  struct Scripted {
    grpc::Status status;
    std::shared_ptr<google::protobuf::Message> reply;
  };
  const char* name_;
  mutable std::mutex mu_;
  std::map<std::string, Scripted> scripts_;
  std::vector<std::string> calls_;
};

class FakeInventoryClient : public InventoryClient, public FakePeer {
 public:
  FakeInventoryClient() : FakePeer("inventory") {}
  void Products(const std::string& request_id, const std::vector<std::string>& skus,
                ReadDone<inventory::v1::BatchGetProductsResponse> done) override {
    inventory::v1::BatchGetProductsRequest request;
    for (const auto& sku : skus) request.add_skus(sku);
    Respond("BatchGetProducts", request_id, request, std::move(done));
  }
  void ReserveStock(const std::string& request_id, inventory::v1::ReserveStockRequest request,
                    CallDone<inventory::v1::Reservation> done) override {
    Respond("ReserveStock", request_id, request, std::move(done));
  }
  void ReleaseReservation(const std::string& request_id,
                          inventory::v1::ReleaseReservationRequest request,
                          CallDone<inventory::v1::Reservation> done) override {
    Respond("ReleaseReservation", request_id, request, std::move(done));
  }
  void ResourceReservation(const std::string& request_id,
                           inventory::v1::ResourceReservationRequest request,
                           CallDone<inventory::v1::ResourceReservationResponse> done) override {
    Respond("ResourceReservation", request_id, request, std::move(done));
  }
  void ExtendReservation(const std::string& request_id,
                         inventory::v1::ExtendReservationRequest request,
                         CallDone<inventory::v1::Reservation> done) override {
    Respond("ExtendReservation", request_id, request, std::move(done));
  }
  void CommitReservation(const std::string& request_id,
                         inventory::v1::CommitReservationRequest request,
                         CallDone<inventory::v1::Reservation> done) override {
    Respond("CommitReservation", request_id, request, std::move(done));
  }
  void CancelBackorders(const std::string& request_id,
                        inventory::v1::CancelBackordersRequest request,
                        CallDone<inventory::v1::CancelBackordersResponse> done) override {
    Respond("CancelBackorders", request_id, request, std::move(done));
  }
  void RestockReturn(const std::string& request_id, inventory::v1::RestockReturnRequest request,
                     CallDone<inventory::v1::RestockReturnResponse> done) override {
    Respond("RestockReturn", request_id, request, std::move(done));
  }
  void AdjustStock(const std::string& request_id, inventory::v1::AdjustStockRequest request,
                   CallDone<inventory::v1::AdjustStockResponse> done) override {
    Respond("AdjustStock", request_id, request, std::move(done));
  }
  void AddToReservation(const std::string& request_id,
                        inventory::v1::AddToReservationRequest request,
                        CallDone<inventory::v1::AddToReservationResponse> done) override {
    Respond("AddToReservation", request_id, request, std::move(done));
  }
};

class FakeBillingClient : public BillingClient, public FakePeer {
 public:
  FakeBillingClient() : FakePeer("billing") {}
  void QuoteTax(const std::string& request_id, billing::v1::QuoteTaxRequest request,
                ReadDone<billing::v1::Invoice> done) override {
    Respond("QuoteTax", request_id, request, std::move(done));
  }
  void Payments(const std::string& request_id, const std::string& order_id,
                ReadDone<billing::v1::ListPaymentsResponse> done) override {
    billing::v1::ListPaymentsRequest request;
    request.set_order_id(order_id);
    Respond("ListPayments", request_id, request, std::move(done));
  }
  void AuthorizePayment(const std::string& request_id, billing::v1::AuthorizePaymentRequest request,
                        CallDone<billing::v1::Payment> done) override {
    Respond("AuthorizePayment", request_id, request, std::move(done));
  }
  void VoidPayment(const std::string& request_id, billing::v1::VoidPaymentRequest request,
                   CallDone<billing::v1::Payment> done) override {
    Respond("VoidPayment", request_id, request, std::move(done));
  }
  void IncrementAuthorization(const std::string& request_id,
                              billing::v1::IncrementAuthorizationRequest request,
                              CallDone<billing::v1::Payment> done) override {
    Respond("IncrementAuthorization", request_id, request, std::move(done));
  }
  void CapturePayment(const std::string& request_id, billing::v1::CapturePaymentRequest request,
                      CallDone<billing::v1::CapturePaymentResponse> done) override {
    Respond("CapturePayment", request_id, request, std::move(done));
  }
  void RefundPayment(const std::string& request_id, billing::v1::RefundPaymentRequest request,
                     CallDone<billing::v1::RefundPaymentResponse> done) override {
    Respond("RefundPayment", request_id, request, std::move(done));
  }
};

class FakeShippingClient : public ShippingClient, public FakePeer {
 public:
  FakeShippingClient() : FakePeer("shipping") {}
  void Shipments(const std::string& request_id, const std::string& order_id,
                 ReadDone<shipping::v1::ListShipmentsResponse> done) override {
    shipping::v1::ListShipmentsRequest request;
    request.set_order_id(order_id);
    Respond("ListShipments", request_id, request, std::move(done));
  }
  void CreateShipments(const std::string& request_id, shipping::v1::CreateShipmentsRequest request,
                       CallDone<shipping::v1::CreateShipmentsResponse> done) override {
    Respond("CreateShipments", request_id, request, std::move(done));
  }
  void CancelShipment(const std::string& request_id, shipping::v1::CancelShipmentRequest request,
                      CallDone<shipping::v1::CancelShipmentResponse> done) override {
    Respond("CancelShipment", request_id, request, std::move(done));
  }
  void CreateReturnShipment(const std::string& request_id,
                            shipping::v1::CreateReturnShipmentRequest request,
                            CallDone<shipping::v1::Shipment> done) override {
    Respond("CreateReturnShipment", request_id, request, std::move(done));
  }
  void CreateReplacementShipment(const std::string& request_id,
                                 shipping::v1::CreateReplacementShipmentRequest request,
                                 CallDone<shipping::v1::Shipment> done) override {
    Respond("CreateReplacementShipment", request_id, request, std::move(done));
  }
  void RecordShipmentEvent(const std::string& request_id,
                           shipping::v1::RecordShipmentEventRequest request,
                           CallDone<shipping::v1::RecordShipmentEventResponse> done) override {
    Respond("RecordShipmentEvent", request_id, request, std::move(done));
  }
};

}  // namespace oms::order
