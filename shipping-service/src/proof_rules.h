// Photo proofs of delivery, pure logic: which images are accepted (the declared type, the bytes'
// own signature, the size), their digest and the names they are stored and served under. No I/O.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms::shipping {

// 768 KiB of image: base64 makes it 1 MiB, the gateway's JSON body limit.
inline constexpr std::size_t kMaxProofBytes = 768 * 1024;

// The file extension of an accepted content type (".jpg", ".png", ".webp"); INVALID_ARGUMENT
// naming `field` for any other type.
[[nodiscard]] absl::StatusOr<std::string> ProofExtension(const std::string& content_type,
                                                         const std::string& field);

// The image type the bytes' signature shows ("image/jpeg", "image/png", "image/webp"), or ""
// when they are none of these.
[[nodiscard]] std::string SniffImageType(const std::string& data);

// The declared type is accepted, the bytes are 1..kMaxProofBytes long and are an image of that
// type; INVALID_ARGUMENT naming content_type or data otherwise.
[[nodiscard]] absl::Status CheckProofImage(const std::string& content_type,
                                           const std::string& data);

// 64 lowercase hex digits.
[[nodiscard]] std::string Sha256Hex(const std::string& data);
[[nodiscard]] bool IsSha256Hex(const std::string& text);

// "<sha256><extension>": the proof store's file name of an accepted image.
[[nodiscard]] absl::StatusOr<std::string> ProofFileName(const std::string& sha256,
                                                        const std::string& content_type);

// "/v1/shipments/<shipment_id>/proofs/<sha256>": where the gateway serves the proof.
[[nodiscard]] std::string ProofUri(const std::string& shipment_id, const std::string& sha256);

[[nodiscard]] absl::Status ValidateUploadProof(const v1::UploadProofRequest& request);
[[nodiscard]] absl::Status ValidateGetProof(const v1::GetProofRequest& request);

}  // namespace oms::shipping
