// Where the images of photo proofs of delivery are kept: a port, so that the use cases know
// nothing of disks or object stores. Content-addressed: an image is named by its sha256, so the
// same bytes stored twice are one object. Pure C++: no gRPC, no database.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace oms::shipping {

struct StoredProof {
  std::string sha256;  // 64 lowercase hex digits
  std::string content_type;
  std::int64_t size = 0;
};

class ProofStore {
 public:
  virtual ~ProofStore() = default;

  // Stores the image (CheckProofImage, proof_rules.h, first: INVALID_ARGUMENT naming
  // content_type or data, and nothing is written); storing the same bytes again is OK and
  // changes nothing. UNAVAILABLE when the store cannot write.
  [[nodiscard]] virtual absl::StatusOr<StoredProof> Put(const std::string& content_type,
                                                        const std::string& data) = 0;
  // The bytes stored under the digest and type; NOT_FOUND when there are none.
  [[nodiscard]] virtual absl::StatusOr<std::string> Get(const std::string& sha256,
                                                        const std::string& content_type) = 0;
};

}  // namespace oms::shipping
