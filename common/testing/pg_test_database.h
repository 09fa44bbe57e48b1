// A throwaway database on the test PostgreSQL that `./oms test` starts (OMS_TEST_PG_URL, a
// superuser URL). A missing URL is a test failure, never a skip.
#pragma once

#include <string>

namespace oms::testing {

// The superuser URL, or fails the current test (ADD_FAILURE) and returns "".
std::string TestPgUrl();

// `url` with its database name replaced.
std::string WithDatabase(const std::string& url, const std::string& database);

class PgTestDatabase {
 public:
  // Creates a fresh, uniquely named database; check ok() (false after a reported failure).
  explicit PgTestDatabase(const std::string& prefix);
  ~PgTestDatabase();  // drops it, closing whatever is still connected
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  bool ok() const { return !url_.empty(); }
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace oms::testing
