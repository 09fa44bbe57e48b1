// Photo proofs of delivery through the gateway in front of all four real services: a real PNG is
// uploaded (POST /v1/shipments/{id}/proofs), recorded with a DELIVERED event, read back in the
// shipment's journal and served as the same bytes (GET /v1/shipments/{id}/proofs/{sha256});
// another shipment's id, another customer's credential, a disguised or oversized image are all
// refused. shipping-service keeps the images in the test's temporary proof directory
// (tests/support/service_under_test.cc sets OMS_SHIPPING_PROOF_DIR).
#include <chrono>
#include <string>

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/http_client.h"
#include "gateway/tests/order_json.h"
#include "gateway/tests/test_keys.h"
#include "tests/support/order_fixtures.h"
#include "tests/support/sample_images.h"

namespace oms::gateway {
namespace {

using google::protobuf::util::TimeUtil;
using nlohmann::json;
using testing::Admin;
using testing::Bearer;
using testing::Body;
using testing::Call;
using testing::HttpAnswer;
using testing::Reason;
using testing::Token;

constexpr char kAdminKey[] = "proofs-e2e-bootstrap-admin-key-0123456";

const std::string& kPng = oms::testing::kTinyPng;
const std::string& kJpeg = oms::testing::kJpegStart;

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(
      std::string(reinterpret_cast<const char*>(digest), SHA256_DIGEST_LENGTH));
}

struct Env {
  testing::GatewayStack stack;
  testing::TestKey key;
  std::string erika, max;
};
Env* env = nullptr;

class GatewayProofsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->key = testing::MakeRsaKey("proofs-e2e-key");
    testing::UseGateway(env->stack, env->key, kAdminKey);
    absl::Status started = env->stack.Start(kAdminKey, {&env->key});
    ASSERT_TRUE(started.ok()) << started;
    auto seeded = oms::testing::SeedTwoWarehouses(env->stack.inventory->channel(), 6, 20);
    ASSERT_TRUE(seeded.ok()) << seeded.status();
    env->erika = testing::CreateCustomer("Erika Mustermann", "erika@example.com");
    env->max = testing::CreateCustomer("Max Mustermann", "max@example.com");
    ASSERT_FALSE(env->erika.empty());
    ASSERT_FALSE(env->max.empty());
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }
};

// The id of the one shipment of a new order of one MUG for `customer_id`.
std::string ShipmentOfNewOrder(const std::string& customer_id, const std::string& key) {
  const json body = testing::HamburgOrderJson(customer_id, "MUG", 1, "tok_visa");
  HttpAnswer placed = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: " + key});
  EXPECT_EQ(placed.status, 201) << placed.body;
  const json order = Body(placed);
  EXPECT_EQ(order.value("status", ""), "ORDER_STATUS_CONFIRMED") << order.dump();
  if (!order.contains("shipments") || order["shipments"].empty()) return "";
  return order["shipments"][0].value("shipmentId", "");
}

HttpAnswer Upload(const std::string& shipment_id, const std::string& content_type,
                  const std::string& data) {
  return Call("POST", "/v1/shipments/" + shipment_id + "/proofs",
              {Bearer(Token("", "shipments:write"))},
              json{{"contentType", content_type}, {"data", absl::Base64Escape(data)}}.dump());
}

HttpAnswer PostEvent(const std::string& shipment_id, const std::string& type,
                     const json& proof = nullptr) {
  json event = {{"type", type},
                {"occurredAt", TimeUtil::ToString(TimeUtil::GetCurrentTime())},
                {"location", "Hamburg"}};
  if (!proof.is_null()) event["proof"] = proof;
  return Call("POST", "/v1/shipments/" + shipment_id + "/events",
              {Bearer(Token("", "shipments:write"))}, event.dump());
}

TEST_F(GatewayProofsE2eTest, AnUploadedPngIsRecordedWithTheDeliveryAndServedBack) {
  ASSERT_NE(env, nullptr);
  const std::string shipment = ShipmentOfNewOrder(env->erika, "proof-order-1");
  const std::string other = ShipmentOfNewOrder(env->erika, "proof-order-2");
  ASSERT_FALSE(shipment.empty());
  ASSERT_FALSE(other.empty());
  const std::string sha = Sha256Hex(kPng);

  HttpAnswer uploaded = Upload(shipment, "image/png", kPng);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body << testing::GatewayLog();
  const json proof = Body(uploaded);
  EXPECT_EQ(proof.value("sha256", ""), sha);
  EXPECT_EQ(proof.value("contentType", ""), "image/png");
  EXPECT_EQ(proof.value("uri", ""), "/v1/shipments/" + shipment + "/proofs/" + sha);
  // The same bytes again: the same proof.
  HttpAnswer again = Upload(shipment, "image/png", kPng);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(Body(again), proof);

  ASSERT_EQ(PostEvent(shipment, "SHIPPED").status, 200);
  // A proof of this service's that was never uploaded for the shipment is refused.
  json forged = proof;
  forged["sha256"] = std::string(64, 'a');
  forged["uri"] = "/v1/shipments/" + shipment + "/proofs/" + std::string(64, 'a');
  HttpAnswer refused = PostEvent(shipment, "DELIVERED", forged);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("sha256"), std::string::npos) << refused.body;
  HttpAnswer elsewhere_uri = PostEvent(other, "SHIPPED", proof);  // another shipment's path
  EXPECT_EQ(elsewhere_uri.status, 400) << elsewhere_uri.body;
  EXPECT_NE(elsewhere_uri.body.find("uri"), std::string::npos) << elsewhere_uri.body;
  HttpAnswer delivered = PostEvent(shipment, "DELIVERED", proof);
  ASSERT_EQ(delivered.status, 200) << delivered.body;

  // The journal holds the proof.
  HttpAnswer read = Admin("GET", "/v1/shipments/" + shipment);
  ASSERT_EQ(read.status, 200) << read.body;
  const json journal = Body(read)["journal"];
  bool found = false;
  for (const auto& entry : journal) {
    if (entry.value("type", "") == "SHIPMENT_EVENT_TYPE_DELIVERED") {
      found = true;
      EXPECT_EQ(entry["proof"], proof) << entry.dump();
    }
  }
  EXPECT_TRUE(found) << journal.dump();

  // The owner reads the image: the same bytes, its type, not sniffed, inline, privately cached.
  const std::string erika = Bearer(Token(env->erika, "orders:read"));
  HttpAnswer image = Call("GET", proof.value("uri", ""), {erika});
  ASSERT_EQ(image.status, 200) << image.body;
  EXPECT_EQ(image.body, kPng);
  EXPECT_EQ(image.headers["content-type"], "image/png");
  EXPECT_EQ(image.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(image.headers["content-disposition"], "inline");
  EXPECT_EQ(image.headers["cache-control"], "private, max-age=86400");
  EXPECT_EQ(Admin("GET", proof.value("uri", "")).body, kPng);

  // Another shipment with that digest: 404, though the image is stored.
  HttpAnswer elsewhere = Call("GET", "/v1/shipments/" + other + "/proofs/" + sha, {erika});
  EXPECT_EQ(elsewhere.status, 404) << elsewhere.body;
  EXPECT_EQ(Reason(elsewhere), "PROOF_NOT_FOUND");
  // Another customer: 404, as for a shipment that does not exist.
  HttpAnswer foreign =
      Call("GET", proof.value("uri", ""), {Bearer(Token(env->max, "orders:read"))});
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_NE(foreign.body.find("not found"), std::string::npos) << foreign.body;
  EXPECT_EQ(foreign.body.find("\x89PNG"), std::string::npos);
  // An unknown digest of the right shipment, and a digest that is none.
  EXPECT_EQ(
      Call("GET", "/v1/shipments/" + shipment + "/proofs/" + std::string(64, '0'), {erika}).status,
      404);
  HttpAnswer not_hex = Call("GET", "/v1/shipments/" + shipment + "/proofs/ABC", {erika});
  EXPECT_EQ(not_hex.status, 400) << not_hex.body;
  EXPECT_NE(not_hex.body.find("sha256"), std::string::npos) << not_hex.body;
  // Without orders:read: 403.
  EXPECT_EQ(Call("GET", proof.value("uri", ""), {Bearer(Token("", "shipments:write"))}).status,
            403);
}

TEST_F(GatewayProofsE2eTest, BadImagesAreRefusedNamingTheFieldAndStoreNothing) {
  ASSERT_NE(env, nullptr);
  const std::string shipment = ShipmentOfNewOrder(env->erika, "proof-order-3");
  ASSERT_FALSE(shipment.empty());

  // A JPEG declared as PNG.
  HttpAnswer disguised = Upload(shipment, "image/png", kJpeg);
  EXPECT_EQ(disguised.status, 400) << disguised.body;
  EXPECT_NE(disguised.body.find("data"), std::string::npos) << disguised.body;
  EXPECT_NE(disguised.body.find("image/jpeg"), std::string::npos) << disguised.body;
  // A type that is not accepted.
  HttpAnswer gif = Upload(shipment, "image/gif", "GIF89a");
  EXPECT_EQ(gif.status, 400) << gif.body;
  EXPECT_NE(gif.body.find("content"), std::string::npos) << gif.body;
  // One byte over 768 KiB, within the gateway's body limit once base64: shipping's 400.
  std::string big = kPng;
  big.resize(700 * 1024, '\0');
  HttpAnswer accepted = Upload(shipment, "image/png", big);
  EXPECT_EQ(accepted.status, 201) << accepted.body.substr(0, 300);
  big.resize(768 * 1024 + 1, '\0');
  HttpAnswer over = Upload(shipment, "image/png", big);
  EXPECT_TRUE(over.status == 400 || over.status == 413) << over.status << over.body;
  // Far over: the gateway's body limit (413) before any backend.
  big.resize(2 * 1024 * 1024, '\0');
  HttpAnswer far_over = Upload(shipment, "image/png", big);
  EXPECT_EQ(far_over.status, 413) << far_over.error;
  // Nothing refused was stored: its digest answers 404.
  EXPECT_EQ(Admin("GET", "/v1/shipments/" + shipment + "/proofs/" + Sha256Hex(kJpeg)).status, 404);
  // An unknown shipment: 404; data not base64: 400.
  HttpAnswer missing = Upload("00000000-0000-4000-8000-000000000000", "image/png", kPng);
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(Reason(missing), "SHIPMENT_NOT_FOUND");
  HttpAnswer garbled =
      Call("POST", "/v1/shipments/" + shipment + "/proofs", {Bearer(Token("", "shipments:write"))},
           R"({"contentType":"image/png","data":"***"})");
  EXPECT_EQ(garbled.status, 400) << garbled.body;
  // A customer's credential has no shipments:write.
  HttpAnswer customer =
      Call("POST", "/v1/shipments/" + shipment + "/proofs",
           {Bearer(Token(env->erika, "orders:read orders:write"))},
           json{{"contentType", "image/png"}, {"data", absl::Base64Escape(kPng)}}.dump());
  EXPECT_EQ(customer.status, 403) << customer.body;
}

}  // namespace
}  // namespace oms::gateway
