// SPDX-License-Identifier: MIT
// See input_file.hpp.
#include "text/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace tierflow::detail {
namespace {

std::string kind_of_mode(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

/// strerror's text, lowercased like every diagnostic.
std::string reason(int err) {
  std::string text = std::generic_category().message(err);
  if (!text.empty() && text.front() >= 'A' && text.front() <= 'Z')
    text.front() = static_cast<char>(text.front() - 'A' + 'a');
  return text;
}

/// Closes the descriptor on every path out.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string file_kind_name(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return kind_of_mode(st.st_mode);
}

result<void> require_regular_or_absent(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  if (!S_ISREG(st.st_mode))
    return fail(errc::invalid_argument, "is " + kind_of_mode(st.st_mode) + ", not a regular file");
  return {};
}

result<std::string> read_input_file(const std::filesystem::path& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
  // writer. The kind is checked on the open descriptor (fstat), so a file
  // swapped for a FIFO between a stat and the open is still refused.
  fd_guard f{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (f.fd < 0) {
    const int err = errno;
    if (err == ENOENT) return fail(errc::not_found, "no such file");
    return fail(errc::io_error, "cannot open: " + reason(err));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return fail(errc::io_error, "cannot examine: " + reason(errno));
  if (!S_ISREG(st.st_mode))
    return fail(errc::invalid_argument, "is " + kind_of_mode(st.st_mode) + ", not a regular file");
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes)
    return fail(errc::limit_exceeded, "larger than the limit of " + std::to_string(max_bytes) +
                                          " bytes");
  // Read at most one byte past the limit: a file that grew since fstat is
  // still refused without reading it all.
  std::string text;
  std::array<char, 64 * 1024> buffer{};
  while (text.size() <= max_bytes) {
    const ssize_t n = ::read(f.fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errc::io_error, "cannot read: " + reason(errno));
    }
    if (n == 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  if (text.size() > max_bytes)
    return fail(errc::limit_exceeded, "larger than the limit of " + std::to_string(max_bytes) +
                                          " bytes");
  return text;
}

}  // namespace tierflow::detail
