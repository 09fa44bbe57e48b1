#include "common/testing/pg_test_database.h"

#include <atomic>
#include <cstdlib>

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace oms::testing {

std::string TestPgUrl() {
  const char* url = std::getenv("OMS_TEST_PG_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "OMS_TEST_PG_URL is not set: database tests run under ./oms test, which "
                     "starts a private PostgreSQL";
    return "";
  }
  return url;
}

std::string WithDatabase(const std::string& url, const std::string& database) {
  // postgresql://user:pw@host:port/dbname[?params]
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return absl::StrCat(url, "/", database);
  auto query = url.find('?', slash);
  return absl::StrCat(url.substr(0, slash + 1), database,
                      query == std::string::npos ? "" : url.substr(query));
}

PgTestDatabase::PgTestDatabase(const std::string& prefix) {
  admin_url_ = TestPgUrl();
  if (admin_url_.empty()) return;
  static std::atomic<int> counter{0};
  name_ = absl::StrCat("t_", prefix, "_", getpid(), "_", counter++);
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
    tx.exec(absl::StrCat("CREATE DATABASE ", name_));
    url_ = WithDatabase(admin_url_, name_);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot create test database " << name_ << ": " << e.what();
  }
}

PgTestDatabase::~PgTestDatabase() {
  if (url_.empty()) return;
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot drop test database " << name_ << ": " << e.what();
  }
}

}  // namespace oms::testing
