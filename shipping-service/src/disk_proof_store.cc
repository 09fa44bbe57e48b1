#include "shipping-service/src/disk_proof_store.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "shipping-service/src/proof_rules.h"

namespace oms::shipping {
namespace {

absl::Status Unavailable(const std::string& what, int error) {
  return absl::UnavailableError(absl::StrCat("proof store: ", what, ": ", std::strerror(error)));
}

// Writes all of `data` to `fd` and flushes it to the disk.
absl::Status WriteAll(int fd, const std::string& data) {
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Unavailable("write", errno);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return Unavailable("fsync", errno);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DiskProofStore> DiskProofStore::Open(const std::string& dir) {
  if (dir.empty()) return absl::FailedPreconditionError("proof store: no directory given");
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir)) {
    return absl::FailedPreconditionError(absl::StrCat("proof store: cannot create directory ", dir,
                                                      error ? ": " + error.message() : ""));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("proof store: directory ", dir, " is not writable"));
  }
  return DiskProofStore(dir);
}

absl::StatusOr<StoredProof> DiskProofStore::Put(const std::string& content_type,
                                                const std::string& data) {
  absl::Status acceptable = CheckProofImage(content_type, data);
  if (!acceptable.ok()) return acceptable;
  StoredProof stored{Sha256Hex(data), content_type, static_cast<std::int64_t>(data.size())};
  auto name = ProofFileName(stored.sha256, content_type);
  if (!name.ok()) return name.status();
  const std::string path = absl::StrCat(dir_, "/", *name);
  std::error_code error;
  // Content-addressed: a file of that name holds these very bytes (it was renamed in whole).
  if (std::filesystem::file_size(path, error) == data.size() && !error) return stored;

  std::string temp = absl::StrCat(dir_, "/.upload-", stored.sha256, "-XXXXXX");
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return Unavailable("create a temporary file", errno);
  absl::Status written = WriteAll(fd, data);
  if (::close(fd) != 0 && written.ok()) written = Unavailable("close", errno);
  if (written.ok() && ::chmod(temp.c_str(), 0644) != 0) written = Unavailable("chmod", errno);
  if (written.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    written = Unavailable("rename", errno);
  }
  if (!written.ok()) {
    ::unlink(temp.c_str());
    return written;
  }
  return stored;
}

absl::StatusOr<std::string> DiskProofStore::Get(const std::string& sha256,
                                                const std::string& content_type) {
  auto name = ProofFileName(sha256, content_type);
  if (!name.ok()) return name.status();
  std::ifstream in(absl::StrCat(dir_, "/", *name), std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("proof ", sha256, " is not stored"));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat("proof store: cannot read ", sha256));
  return bytes.str();
}

}  // namespace oms::shipping
