// CORS: only allow-listed origins are echoed, preflights are answered by the policy.
#include "gateway/src/cors.h"

#include <gtest/gtest.h>

namespace oms::gateway {
namespace {

Request Preflight(const std::string& origin, const std::string& method) {
  Request request;
  request.method = "OPTIONS";
  request.target = "/v1/products";
  request.headers = {{"Origin", origin}, {"Access-Control-Request-Method", method}};
  return request;
}

TEST(CorsTest, AnswersPreflightsForAllowedOriginsOnly) {
  CorsPolicy cors({"https://shop.example"});
  Request allowed = Preflight("https://shop.example", "POST");
  ASSERT_TRUE(CorsPolicy::IsPreflight(allowed));
  Response response = cors.Preflight(allowed, {"GET", "POST"});
  EXPECT_EQ(response.status, 204);
  EXPECT_EQ(*FindHeader(response.headers, "Access-Control-Allow-Origin"), "https://shop.example");
  EXPECT_EQ(*FindHeader(response.headers, "Access-Control-Allow-Methods"), "GET, POST");
  EXPECT_NE(FindHeader(response.headers, "Access-Control-Allow-Headers")->find("Authorization"),
            std::string::npos);

  response = cors.Preflight(Preflight("https://evil.example", "POST"), {"GET", "POST"});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(FindHeader(response.headers, "Access-Control-Allow-Origin"), nullptr);

  response = cors.Preflight(Preflight("https://shop.example", "DELETE"), {"GET", "POST"});
  EXPECT_EQ(response.status, 403);

  Request plain;
  plain.method = "OPTIONS";
  EXPECT_FALSE(CorsPolicy::IsPreflight(plain));
}

TEST(CorsTest, DecoratesActualResponses) {
  CorsPolicy cors({"https://shop.example", "http://localhost:3000"});
  const std::string allowed = "http://localhost:3000";
  Response response;
  cors.Decorate(&allowed, response);
  EXPECT_EQ(*FindHeader(response.headers, "Access-Control-Allow-Origin"), allowed);
  EXPECT_EQ(*FindHeader(response.headers, "Vary"), "Origin");

  const std::string other = "https://shop.example.evil";
  Response refused;
  cors.Decorate(&other, refused);
  EXPECT_EQ(FindHeader(refused.headers, "Access-Control-Allow-Origin"), nullptr);
  EXPECT_EQ(*FindHeader(refused.headers, "Vary"), "Origin");

  Response none;
  cors.Decorate(nullptr, none);
  EXPECT_TRUE(none.headers.empty());

  CorsPolicy closed({});
  Response closed_response;
  closed.Decorate(&allowed, closed_response);
  EXPECT_EQ(FindHeader(closed_response.headers, "Access-Control-Allow-Origin"), nullptr);
}

}  // namespace
}  // namespace oms::gateway
