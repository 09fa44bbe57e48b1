// The default ProofStore: one file per image in a local directory (--proof_dir), named
// "<sha256>.<ext>", written to a temporary file in the same directory and renamed into place, so
// a reader never sees half an image and a crash leaves at most a stray temporary file.
#pragma once

#include <string>

#include "shipping-service/src/proof_store.h"

namespace oms::shipping {

class DiskProofStore final : public ProofStore {
 public:
  // Creates `dir` (and its parents) when missing; FAILED_PRECONDITION when that fails or it is
  // not a writable directory.
  [[nodiscard]] static absl::StatusOr<DiskProofStore> Open(const std::string& dir);

  absl::StatusOr<StoredProof> Put(const std::string& content_type,
                                  const std::string& data) override;
  absl::StatusOr<std::string> Get(const std::string& sha256,
                                  const std::string& content_type) override;

  const std::string& dir() const { return dir_; }

 private:
  explicit DiskProofStore(std::string dir) : dir_(std::move(dir)) {}

  std::string dir_;
};

}  // namespace oms::shipping
