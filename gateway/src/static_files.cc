#include "gateway/src/static_files.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::gateway {
namespace {

constexpr std::size_t kMaxNameBytes = 128;

absl::Status InvalidName(absl::string_view why) {
  return WithReason(absl::StatusCode::kInvalidArgument, "INVALID_FILE_NAME",
                    absl::StrCat("console file name ", why));
}

absl::Status FileNotFound() {
  return WithReason(absl::StatusCode::kNotFound, "FILE_NOT_FOUND", "no such console file");
}

// realpath(3), or "" when the path does not resolve.
std::string Resolve(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(realpath(path.c_str(), nullptr), &std::free);
  return resolved ? std::string(resolved.get()) : std::string();
}

}  // namespace

std::string StaticContentType(absl::string_view name) {
  const std::size_t dot = name.rfind('.');
  if (dot == absl::string_view::npos) return "";
  const std::string extension = absl::AsciiStrToLower(name.substr(dot + 1));
  // A short list on purpose: what a dependency-free single-page app is made of.
  if (extension == "html") return "text/html; charset=utf-8";
  if (extension == "css") return "text/css; charset=utf-8";
  if (extension == "js") return "text/javascript; charset=utf-8";
  if (extension == "svg") return "image/svg+xml";
  if (extension == "png") return "image/png";
  if (extension == "ico") return "image/x-icon";
  return "";
}

absl::Status CheckStaticFileName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return InvalidName(absl::StrCat("must be 1 to ", kMaxNameBytes, " characters"));
  }
  // Only these characters: no '/' or '\\' (another directory, an absolute path), no '%' (an
  // escape would be decoded by someone after this check), no NUL or control characters.
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      return InvalidName("may hold only letters, digits, '.', '-' and '_'");
    }
  }
  // No hidden files, no "." or "..", and no ".." anywhere (a name like "a..js" is never one of
  // the console's, and refusing it keeps the rule simple to check).
  if (name[0] == '.' || absl::StrContains(name, "..")) {
    return InvalidName("must not start with '.' or hold \"..\"");
  }
  if (StaticContentType(name).empty()) return FileNotFound();
  return absl::OkStatus();
}

absl::StatusOr<StaticFiles> StaticFiles::Open(const std::string& dir) {
  const std::string resolved = Resolve(dir);
  struct stat info {};
  if (resolved.empty() || ::stat(resolved.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("--console_dir ", dir, " is not a directory"));
  }
  return StaticFiles(resolved == "/" ? std::string() : resolved);
}

absl::StatusOr<StaticFile> StaticFiles::Read(absl::string_view name) const {
  const std::string file_name = name.empty() ? std::string("index.html") : std::string(name);
  absl::Status valid = CheckStaticFileName(file_name);
  if (!valid.ok()) return valid;
  // Symlinks followed: the file must still be a direct child of the directory.
  const std::string resolved = Resolve(absl::StrCat(dir_, "/", file_name));
  if (resolved.empty() || !absl::StartsWith(resolved, dir_ + "/") ||
      resolved.find('/', dir_.size() + 1) != std::string::npos) {
    return FileNotFound();
  }
  // O_NOFOLLOW: the resolved path is the file itself; should it have been swapped for a symlink
  // since, the open fails rather than following it.
  const int fd = ::open(resolved.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return FileNotFound();
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
      static_cast<std::size_t>(info.st_size) > kMaxFileBytes) {
    ::close(fd);
    return FileNotFound();
  }
  StaticFile file;
  file.content_type = StaticContentType(file_name);
  file.body.resize(static_cast<std::size_t>(info.st_size));
  std::size_t done = 0;
  while (done < file.body.size()) {
    const ssize_t got = ::read(fd, file.body.data() + done, file.body.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    done += static_cast<std::size_t>(got);
  }
  ::close(fd);
  file.body.resize(done);  // a file that shrank meanwhile: what was there
  return file;
}

}  // namespace oms::gateway
