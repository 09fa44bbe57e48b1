// Keepalives added to a libpq connection string: both forms, and the operator's own choice kept.
#include <gtest/gtest.h>

#include "common/pg_pool.h"

namespace oms {
namespace {

const PgKeepalive kKeepalive{std::chrono::seconds(30), std::chrono::seconds(10), 3};

TEST(WithKeepalivesTest, AddsEveryParameterToAUriWithoutAQuery) {
  EXPECT_EQ(WithKeepalives("postgresql://u:p@db:5432/orders", kKeepalive),
            "postgresql://u:p@db:5432/orders?keepalives=1&keepalives_idle=30&"
            "keepalives_interval=10&keepalives_count=3&tcp_user_timeout=60000");
}

TEST(WithKeepalivesTest, ExtendsAUrisQueryAndKeepsWhatItSets) {
  EXPECT_EQ(WithKeepalives("postgres://db/orders?sslmode=require&keepalives_idle=5", kKeepalive),
            "postgres://db/orders?sslmode=require&keepalives_idle=5&keepalives=1&"
            "keepalives_interval=10&keepalives_count=3&tcp_user_timeout=60000");
  EXPECT_EQ(WithKeepalives("postgresql://db/orders?", kKeepalive),
            "postgresql://db/orders?keepalives=1&keepalives_idle=30&keepalives_interval=10&"
            "keepalives_count=3&tcp_user_timeout=60000");
}

TEST(WithKeepalivesTest, AppendsToAKeyValueStringAndReadsItsKeywordsOnly) {
  // A quoted password that merely contains a keyword's text does not count as setting it.
  EXPECT_EQ(WithKeepalives("host=db password='a keepalives=0 \\' b' keepalives = 0", kKeepalive),
            "host=db password='a keepalives=0 \\' b' keepalives = 0 keepalives_idle=30 "
            "keepalives_interval=10 keepalives_count=3 tcp_user_timeout=60000");
  EXPECT_EQ(WithKeepalives("", kKeepalive),
            "keepalives=1 keepalives_idle=30 keepalives_interval=10 keepalives_count=3 "
            "tcp_user_timeout=60000");
}

TEST(WithKeepalivesTest, LeavesAUrlThatSetsEverythingAlone) {
  const std::string url =
      "postgresql://db/x?keepalives=1&keepalives_idle=1&keepalives_interval=1&"
      "keepalives_count=1&tcp_user_timeout=0";
  EXPECT_EQ(WithKeepalives(url, kKeepalive), url);
}

}  // namespace
}  // namespace oms
