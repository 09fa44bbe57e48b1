#include "shipping-service/src/proof_rules.h"

#include <openssl/sha.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "shipping-service/src/validation.h"

namespace oms::shipping {
namespace {

constexpr char kAccepted[] = "must be image/jpeg, image/png or image/webp";

}  // namespace

absl::StatusOr<std::string> ProofExtension(const std::string& content_type,
                                           const std::string& field) {
  if (content_type == "image/jpeg") return std::string(".jpg");
  if (content_type == "image/png") return std::string(".png");
  if (content_type == "image/webp") return std::string(".webp");
  return InvalidField(field, kAccepted);
}

std::string SniffImageType(const std::string& data) {
  if (absl::StartsWith(data, "\xFF\xD8\xFF")) return "image/jpeg";
  if (absl::StartsWith(data, "\x89PNG\r\n\x1A\n")) return "image/png";
  if (data.size() >= 12 && data.compare(0, 4, "RIFF") == 0 && data.compare(8, 4, "WEBP") == 0) {
    return "image/webp";
  }
  return "";
}

absl::Status CheckProofImage(const std::string& content_type, const std::string& data) {
  auto extension = ProofExtension(content_type, "content_type");
  if (!extension.ok()) return extension.status();
  if (data.empty()) return InvalidField("data", "is required");
  if (data.size() > kMaxProofBytes) {
    return InvalidField("data", absl::StrCat("must be at most ", kMaxProofBytes, " bytes (",
                                             kMaxProofBytes / 1024, " KiB)"));
  }
  const std::string sniffed = SniffImageType(data);
  if (sniffed != content_type) {
    return InvalidField(
        "data",
        absl::StrCat("is not a ", content_type, " image (its bytes are ",
                     sniffed.empty() ? std::string("no accepted image type") : sniffed, ")"));
  }
  return absl::OkStatus();
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char byte : digest) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0xF]);
  }
  return hex;
}

bool IsSha256Hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::StatusOr<std::string> ProofFileName(const std::string& sha256,
                                          const std::string& content_type) {
  if (!IsSha256Hex(sha256)) return InvalidField("sha256", "must be 64 lowercase hex digits");
  auto extension = ProofExtension(content_type, "content_type");
  if (!extension.ok()) return extension.status();
  return absl::StrCat(sha256, *extension);
}

std::string ProofUri(const std::string& shipment_id, const std::string& sha256) {
  return absl::StrCat("/v1/shipments/", shipment_id, "/proofs/", sha256);
}

absl::Status ValidateUploadProof(const v1::UploadProofRequest& request) {
  absl::Status status = ValidateShipmentId(request.shipment_id(), "shipment_id");
  if (!status.ok()) return status;
  if (!request.warehouse_id().empty()) {
    status = ValidateEntityId(request.warehouse_id(), "warehouse_id");
    if (!status.ok()) return status;
  }
  return CheckProofImage(request.content_type(), request.data());
}

absl::Status ValidateGetProof(const v1::GetProofRequest& request) {
  absl::Status status = ValidateShipmentId(request.shipment_id(), "shipment_id");
  if (!status.ok()) return status;
  if (!IsSha256Hex(request.sha256())) {
    return InvalidField("sha256", "must be 64 lowercase hex digits");
  }
  return absl::OkStatus();
}

}  // namespace oms::shipping
