// The pure pieces of photo proofs of delivery: accepted types and their signatures, the size
// bound, digests, file names and URIs, and the request validators.
#include "shipping-service/src/proof_rules.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/support/sample_images.h"

namespace oms::shipping {
namespace {

const std::string& kPng = oms::testing::kTinyPng;
const std::string& kJpeg = oms::testing::kJpegStart;
const std::string kWebp(
    "RIFF\x1A\x00\x00\x00WEBPVP8L\x0D\x00\x00\x00\x2F\x00\x00\x00\x10\x07"
    "\x10\x11\x11\x88\x88\xFE\x07\x00",
    34);
constexpr char kShipment[] = "0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10";

TEST(ProofRulesTest, AcceptsTheThreeImageTypesWithTheirExtensions) {
  EXPECT_EQ(*ProofExtension("image/jpeg", "content_type"), ".jpg");
  EXPECT_EQ(*ProofExtension("image/png", "content_type"), ".png");
  EXPECT_EQ(*ProofExtension("image/webp", "content_type"), ".webp");
  for (const char* type : {"image/gif", "image/svg+xml", "text/html", "IMAGE/PNG", "", "image/"}) {
    auto refused = ProofExtension(type, "contentType");
    ASSERT_FALSE(refused.ok()) << type;
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(refused.status().message().find("contentType"), std::string::npos);
  }
}

TEST(ProofRulesTest, SniffsTheTypeFromTheBytes) {
  EXPECT_EQ(SniffImageType(kPng), "image/png");
  EXPECT_EQ(SniffImageType(kJpeg), "image/jpeg");
  EXPECT_EQ(SniffImageType(kWebp), "image/webp");
  EXPECT_EQ(SniffImageType("GIF89a......"), "");
  EXPECT_EQ(SniffImageType("<svg xmlns='http://www.w3.org/2000/svg'/>"), "");
  EXPECT_EQ(SniffImageType(std::string("RIFF\x10\x00\x00\x00WAVEfmt ", 16)),
            "");                                     // RIFF, but audio
  EXPECT_EQ(SniffImageType(kPng.substr(0, 7)), "");  // a truncated signature
  EXPECT_EQ(SniffImageType(""), "");
}

TEST(ProofRulesTest, TheDeclaredTypeMustMatchTheBytes) {
  EXPECT_TRUE(CheckProofImage("image/png", kPng).ok());
  EXPECT_TRUE(CheckProofImage("image/jpeg", kJpeg).ok());
  EXPECT_TRUE(CheckProofImage("image/webp", kWebp).ok());
  const absl::Status jpeg_as_png = CheckProofImage("image/png", kJpeg);
  EXPECT_EQ(jpeg_as_png.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(jpeg_as_png.message().find("data"), std::string::npos) << jpeg_as_png;
  EXPECT_NE(jpeg_as_png.message().find("image/jpeg"), std::string::npos) << jpeg_as_png;
  const absl::Status html = CheckProofImage("image/png", "<html></html>");
  EXPECT_EQ(html.code(), absl::StatusCode::kInvalidArgument);
  const absl::Status gif = CheckProofImage("image/gif", "GIF89a");
  EXPECT_EQ(gif.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(gif.message().find("content_type"), std::string::npos) << gif;
  const absl::Status empty = CheckProofImage("image/png", "");
  EXPECT_EQ(empty.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(empty.message().find("data"), std::string::npos) << empty;
}

TEST(ProofRulesTest, AtMost768KiBOfImage) {
  EXPECT_EQ(kMaxProofBytes, 768u * 1024u);
  std::string at_limit = kPng;
  at_limit.resize(kMaxProofBytes, '\0');  // trailing bytes after IEND: still a PNG by signature
  EXPECT_TRUE(CheckProofImage("image/png", at_limit).ok());
  std::string over = at_limit + '\0';
  const absl::Status refused = CheckProofImage("image/png", over);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("data"), std::string::npos) << refused;
  EXPECT_NE(refused.message().find("768 KiB"), std::string::npos) << refused;
}

TEST(ProofRulesTest, DigestsAreLowercaseSha256Hex) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(IsSha256Hex(Sha256Hex(kPng)));
  EXPECT_FALSE(IsSha256Hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
  EXPECT_FALSE(IsSha256Hex("abc"));
  EXPECT_FALSE(IsSha256Hex("../../../../etc/passwd0000000000000000000000000000000000000000000"));
}

TEST(ProofRulesTest, FilesAreNamedByDigestAndTypeAndServedUnderTheShipment) {
  const std::string sha = Sha256Hex(kPng);
  EXPECT_EQ(*ProofFileName(sha, "image/png"), sha + ".png");
  EXPECT_EQ(*ProofFileName(sha, "image/jpeg"), sha + ".jpg");
  EXPECT_EQ(*ProofFileName(sha, "image/webp"), sha + ".webp");
  EXPECT_FALSE(ProofFileName("../x", "image/png").ok());
  EXPECT_FALSE(ProofFileName(sha, "text/plain").ok());
  EXPECT_EQ(ProofUri(kShipment, sha), std::string("/v1/shipments/") + kShipment + "/proofs/" + sha);
}

TEST(ProofRulesTest, ValidatesUploadAndGetRequestsNamingTheField) {
  v1::UploadProofRequest upload;
  upload.set_shipment_id(kShipment);
  upload.set_content_type("image/png");
  upload.set_data(kPng);
  EXPECT_TRUE(ValidateUploadProof(upload).ok());
  upload.set_warehouse_id("WH-HAM");
  EXPECT_TRUE(ValidateUploadProof(upload).ok());
  v1::UploadProofRequest bad = upload;
  bad.set_shipment_id("nope");
  EXPECT_NE(ValidateUploadProof(bad).message().find("shipment_id"), std::string::npos);
  bad = upload;
  bad.set_data(kJpeg);
  EXPECT_EQ(ValidateUploadProof(bad).code(), absl::StatusCode::kInvalidArgument);

  v1::GetProofRequest get;
  get.set_shipment_id(kShipment);
  get.set_sha256(Sha256Hex(kPng));
  EXPECT_TRUE(ValidateGetProof(get).ok());
  get.set_sha256("ABC");
  const absl::Status refused = ValidateGetProof(get);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("sha256"), std::string::npos);
}

}  // namespace
}  // namespace oms::shipping
