// The transport security flags: no certificates and no explicit plain text is a start-up error
// naming the flags; files are checked before any server starts.
#include "common/transport_flags.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/service_flags.h"

namespace oms {
namespace {

// Each test runs in a process of its own (gtest_discover_tests), so flags set here stay here.
absl::StatusOr<HostConfig> Parse() {
  char arg0[] = "svc";
  char* argv[] = {arg0};
  setenv("OMS_TLSTEST_DATABASE_URL", "postgresql://u:p@127.0.0.1:5432/db", 1);
  return HostConfigFromFlags(1, argv, {"tls-test", "OMS_TLSTEST", 50097, 9497});
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(TransportFlagsTest, RefusesToStartWithoutCertificatesOrExplicitPlaintext) {
  auto config = Parse();
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  for (const char* named : {"--tls_ca_file", "--tls_cert_file", "--tls_key_file",
                            "--insecure_plaintext", "OMS_INSECURE_PLAINTEXT=1"}) {
    EXPECT_NE(config.status().message().find(named), absl::string_view::npos) << named;
  }
}

TEST(TransportFlagsTest, PlaintextOnlyWhenAskedForAndReflectionOffByDefault) {
  setenv("OMS_INSECURE_PLAINTEXT", "1", 1);
  auto config = Parse();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->security.plaintext);
  EXPECT_FALSE(config->grpc_reflection);
  setenv("OMS_GRPC_REFLECTION", "1", 1);
  EXPECT_TRUE(Parse()->grpc_reflection);
  // Plain text and certificates at once is a mistake, not a choice.
  setenv("OMS_TLS_CA_FILE", "/nonexistent/ca.pem", 1);
  EXPECT_NE(Parse().status().message().find("choose one"), absl::string_view::npos);
}

TEST(TransportFlagsTest, NamesTheFlagOfAMissingOrUnreadableFile) {
  const std::string cert = WriteFile(
      "oms-tls-test-cert.pem", "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n");
  const std::string key = WriteFile(
      "oms-tls-test-key.pem", "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n");
  setenv("OMS_TLS_CA_FILE", cert.c_str(), 1);
  setenv("OMS_TLS_CERT_FILE", cert.c_str(), 1);
  auto missing = Parse();
  EXPECT_NE(missing.status().message().find("--tls_key_file is missing"), absl::string_view::npos)
      << missing.status();
  setenv("OMS_TLS_KEY_FILE", "/nonexistent/key.pem", 1);
  EXPECT_NE(Parse().status().message().find("--tls_key_file: cannot read /nonexistent/key.pem"),
            absl::string_view::npos);
  setenv("OMS_TLS_KEY_FILE", cert.c_str(), 1);  // a certificate where the key belongs
  EXPECT_NE(Parse().status().message().find("--tls_key_file"), absl::string_view::npos);
  setenv("OMS_TLS_KEY_FILE", key.c_str(), 1);
  auto config = Parse();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->security.plaintext);
  EXPECT_EQ(config->security.key_file, key);
  EXPECT_EQ(config->security.refresh, std::chrono::seconds(60));
  setenv("OMS_TLS_REFRESH_SECONDS", "0", 1);
  EXPECT_NE(Parse().status().message().find("--tls_refresh_seconds"), absl::string_view::npos);
  std::filesystem::remove(cert);
  std::filesystem::remove(key);
}

}  // namespace
}  // namespace oms
