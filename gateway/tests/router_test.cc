// Path templates, custom verbs, the most specific match, 404 versus 405, and query strings.
#include "gateway/src/router.h"

#include <gtest/gtest.h>

namespace oms::gateway {
namespace {

TEST(PathTemplateTest, MatchesLiteralsVariablesAndVerbs) {
  auto sku = PathTemplate::Parse("/v1/products/{sku}/availability");
  ASSERT_TRUE(sku.ok());
  PathParams params;
  EXPECT_TRUE(sku->Match("/v1/products/SKU-1/availability", &params));
  EXPECT_EQ(params["sku"], "SKU-1");
  EXPECT_FALSE(sku->Match("/v1/products/SKU-1", nullptr));
  EXPECT_FALSE(sku->Match("/v1/products//availability", nullptr));
  EXPECT_FALSE(sku->Match("/v1/products/SKU-1/availability/", nullptr));

  auto adjust = PathTemplate::Parse("/v1/stock:adjust");
  ASSERT_TRUE(adjust.ok());
  EXPECT_TRUE(adjust->Match("/v1/stock:adjust", nullptr));
  EXPECT_FALSE(adjust->Match("/v1/stock", nullptr));

  auto cancel = PathTemplate::Parse("/v1/orders/{id}:cancel");
  ASSERT_TRUE(cancel.ok());
  EXPECT_TRUE(cancel->Match("/v1/orders/o-1:cancel", &params));
  EXPECT_EQ(params["id"], "o-1");
  EXPECT_FALSE(cancel->Match("/v1/orders/:cancel", nullptr));
  EXPECT_FALSE(cancel->Match("/v1/orders/o-1", nullptr));
}

TEST(PathTemplateTest, DecodesVariablesAndRefusesBadEscapes) {
  auto get = PathTemplate::Parse("/v1/shipments/{id}");
  ASSERT_TRUE(get.ok());
  PathParams params;
  EXPECT_TRUE(get->Match("/v1/shipments/a%2Db", &params));
  EXPECT_EQ(params["id"], "a-b");
  EXPECT_FALSE(get->Match("/v1/shipments/a%2", nullptr));
  EXPECT_FALSE(get->Match("/v1/shipments/a%zz", nullptr));
  EXPECT_FALSE(get->Match("/v1/shipments/a%00", nullptr));
}

TEST(PathTemplateTest, RefusesMalformedTemplates) {
  EXPECT_FALSE(PathTemplate::Parse("v1/products").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1//products").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/{sku").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/{a}/{a}").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/{1a}").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/{a}x").ok());
  EXPECT_FALSE(PathTemplate::Parse("/").ok());
  EXPECT_FALSE(PathTemplate::Parse("/console//").ok());
}

// "/console/": a directory's own page. The slash is part of the template: the path without it,
// or with a further segment, is another path.
TEST(PathTemplateTest, ATrailingSlashMatchesOnlyThePathWithIt) {
  auto index = PathTemplate::Parse("/console/");
  ASSERT_TRUE(index.ok());
  EXPECT_TRUE(index->Match("/console/", nullptr));
  EXPECT_FALSE(index->Match("/console", nullptr));
  EXPECT_FALSE(index->Match("/console//", nullptr));
  EXPECT_FALSE(index->Match("/console/app.js", nullptr));
  auto file = PathTemplate::Parse("/console/{file}");
  ASSERT_TRUE(file.ok());
  EXPECT_FALSE(file->Match("/console/", nullptr));
  Router router;
  ASSERT_TRUE(router.Add("GET", "/console", 0).ok());
  ASSERT_TRUE(router.Add("GET", "/console/", 1).ok());
  ASSERT_TRUE(router.Add("GET", "/console/{file}", 2).ok());
  EXPECT_EQ(router.Find("GET", "/console").route, 0u);
  EXPECT_EQ(router.Find("GET", "/console/").route, 1u);
  EXPECT_EQ(router.Find("GET", "/console/app.js").route, 2u);
  EXPECT_EQ(router.Find("GET", "/console/a/b").outcome, Router::Outcome::kNotFound);
}

TEST(RouterTest, FindsRoutesAndTellsNotFoundFromMethodNotAllowed) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/v1/products", 0).ok());
  ASSERT_TRUE(router.Add("POST", "/v1/products", 1).ok());
  ASSERT_TRUE(router.Add("GET", "/v1/products/{sku}", 2).ok());
  ASSERT_TRUE(router.Add("GET", "/v1/orders/{id}", 3).ok());
  ASSERT_TRUE(router.Add("POST", "/v1/orders/{id}:cancel", 4).ok());
  EXPECT_FALSE(router.Add("GET", "/v1/products", 5).ok());

  auto found = router.Find("POST", "/v1/products");
  EXPECT_EQ(found.outcome, Router::Outcome::kFound);
  EXPECT_EQ(found.route, 1u);
  EXPECT_EQ(found.path_template, "/v1/products");

  found = router.Find("GET", "/v1/products/SKU-9");
  ASSERT_EQ(found.outcome, Router::Outcome::kFound);
  EXPECT_EQ(found.route, 2u);
  EXPECT_EQ(found.params["sku"], "SKU-9");

  auto not_allowed = router.Find("DELETE", "/v1/products");
  EXPECT_EQ(not_allowed.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(not_allowed.allowed, (std::vector<std::string>{"GET", "POST"}));

  EXPECT_EQ(router.Find("GET", "/v1/nothing").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Find("GET", "/").outcome, Router::Outcome::kNotFound);

  // "o-1:cancel" would fit {id} too: the template with the verb is more specific and wins, and
  // it decides the allowed methods of that path.
  found = router.Find("POST", "/v1/orders/o-1:cancel");
  ASSERT_EQ(found.outcome, Router::Outcome::kFound);
  EXPECT_EQ(found.route, 4u);
  EXPECT_EQ(found.params["id"], "o-1");
  not_allowed = router.Find("GET", "/v1/orders/o-1:cancel");
  EXPECT_EQ(not_allowed.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(not_allowed.allowed, (std::vector<std::string>{"POST"}));
  EXPECT_EQ(router.Find("GET", "/v1/orders/o-1").route, 3u);
}

TEST(QueryTest, ParsesDecodesAndRefusesRepeats) {
  auto query = ParseQuery("orderId=o%2D1&note=a+b&empty=");
  ASSERT_TRUE(query.ok());
  EXPECT_EQ((*query)["orderId"], "o-1");
  EXPECT_EQ((*query)["note"], "a b");
  EXPECT_EQ((*query)["empty"], "");
  EXPECT_FALSE(ParseQuery("a=1&a=2").ok());
  EXPECT_FALSE(ParseQuery("a=%G1").ok());
  EXPECT_FALSE(ParseQuery("=x").ok());
  EXPECT_TRUE(ParseQuery("")->empty());
}

}  // namespace
}  // namespace oms::gateway
