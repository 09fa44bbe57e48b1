// The files of the operations console (console/ at the repository root), as the gateway serves
// them under /console: a request names one file of one flat directory, and nothing else can be
// reached through it. The name is checked as sent, before any decoding, so that no escape can
// smuggle a separator or a dot-dot past the check; the file is resolved with symlinks followed
// and must still lie in the directory. Plain code: no Beast, no gRPC.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oms::gateway {

// The Content-Type of a file name the console may serve, by its extension; "" for any other.
std::string StaticContentType(absl::string_view name);

// Checks a file name as the request sent it (the path after "/console/", percent escapes not
// decoded): 1 to 128 of [A-Za-z0-9._-], not starting with a dot, no "..", with an extension
// StaticContentType knows. Anything else (a separator, a backslash, a NUL, any percent escape,
// an absolute path, another extension) is refused: INVALID_ARGUMENT with reason
// INVALID_FILE_NAME for a malformed name, NOT_FOUND with reason FILE_NOT_FOUND for a well-formed
// name of a kind never served. Touches no file.
[[nodiscard]] absl::Status CheckStaticFileName(absl::string_view name);

struct StaticFile {
  std::string content_type;
  std::string body;
};

class StaticFiles {
 public:
  // The largest file served: the console's files are a few kilobytes.
  static constexpr std::size_t kMaxFileBytes = 1 << 20;

  // `dir` must be an existing directory; it is resolved once (symlinks followed) so that every
  // file is checked against where it really is. INVALID_ARGUMENT when it is not a directory.
  [[nodiscard]] static absl::StatusOr<StaticFiles> Open(const std::string& dir);

  // The file `name` (as CheckStaticFileName takes it; "" for index.html), read now, so that an
  // edited console is served without a restart. Refusals as CheckStaticFileName's, and
  // NOT_FOUND (FILE_NOT_FOUND) for a missing file, one that is not a regular file, over
  // kMaxFileBytes, or that resolves outside the directory (a symlink out of it).
  [[nodiscard]] absl::StatusOr<StaticFile> Read(absl::string_view name) const;

  const std::string& dir() const { return dir_; }

 private:
  explicit StaticFiles(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;  // resolved, without a trailing slash
};

}  // namespace oms::gateway
