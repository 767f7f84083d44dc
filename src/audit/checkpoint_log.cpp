// SPDX-License-Identifier: MIT
// The checkpoint log: one checkpoint a line (JSON Lines), appended with one
// write and an fsync under an exclusive lock, read whole or by its last line.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <tierflow/audit.hpp>
#include <tierflow/checkpoint.hpp>
#include <tierflow/time.hpp>

#include "audit/checkpoint_json.hpp"
#include "audit/hex.hpp"
#include "text/input_file.hpp"

namespace tierflow {
namespace detail {
namespace {

constexpr std::string_view log_format = "tierflow-checkpoint-v1";

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t extra = 0;
    std::uint32_t least = 0;  // the smallest code point of this length: no overlong forms
    std::uint32_t cp = 0;
    if ((c & 0xe0U) == 0xc0U) {
      extra = 1;
      least = 0x80;
      cp = c & 0x1fU;
    } else if ((c & 0xf0U) == 0xe0U) {
      extra = 2;
      least = 0x800;
      cp = c & 0x0fU;
    } else if ((c & 0xf8U) == 0xf0U) {
      extra = 3;
      least = 0x10000;
      cp = c & 0x07U;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0U) != 0x80U) return false;
      cp = (cp << 6U) | (d & 0x3fU);
    }
    if (cp < least || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

result<void> invalid(std::string message) {
  return fail(errc::invalid_argument, std::move(message));
}

}  // namespace

std::string dump_line(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

nlohmann::ordered_json stream_json(std::string_view id) {
  if (valid_utf8(id)) return std::string(id);
  nlohmann::ordered_json out;
  out["hex"] = hex_of(reinterpret_cast<const std::uint8_t*>(id.data()), id.size());
  return out;
}

result<std::string> get_stream(const nlohmann::json& in) {
  if (in.is_string()) return in.get<std::string>();
  if (in.is_object() && in.size() == 1 && in.contains("hex") && in["hex"].is_string()) {
    if (auto bytes = bytes_of_hex(in["hex"].get_ref<const std::string&>()))
      return std::move(*bytes);
  }
  return fail(errc::invalid_argument, "a stream id is neither a string nor {\"hex\": …}");
}

result<std::uint64_t> get_count(const nlohmann::json& in, std::string_view key) {
  const auto it = in.find(std::string(key));
  if (it == in.end() || !it->is_number_unsigned()) {
    return fail(errc::invalid_argument, "'" + std::string(key) + "' is missing or not a count");
  }
  return it->get<std::uint64_t>();
}

result<std::string> get_text(const nlohmann::json& in, std::string_view key) {
  const auto it = in.find(std::string(key));
  if (it == in.end() || !it->is_string()) {
    return fail(errc::invalid_argument, "'" + std::string(key) + "' is missing or not a string");
  }
  return it->get<std::string>();
}

result<merkle_hash> get_hash(const nlohmann::json& in, std::string_view key) {
  auto text = get_text(in, key);
  if (!text) return fail(std::move(text).error());
  auto hash = array_of_hex<32>(*text);
  if (!hash) return fail(errc::invalid_argument, "'" + std::string(key) + "' is not 64 hex digits");
  return *hash;
}

void put_tree_head(nlohmann::ordered_json& out, const tree_head& head) {
  out["sequence"] = head.sequence;
  out["time"] = format_iso8601(head.time);
  out["tree_size"] = head.tree_size;
  out["root"] = tierflow::to_hex(head.root);
  out["key_id"] = head.key_id;
  out["signature"] = hex_of(head.signature);
}

result<tree_head> get_tree_head(const nlohmann::json& in) {
  tree_head head;
  auto sequence = get_count(in, "sequence");
  if (!sequence) return fail(std::move(sequence).error());
  head.sequence = *sequence;
  auto time_text = get_text(in, "time");
  if (!time_text) return fail(std::move(time_text).error());
  auto time = parse_iso8601(*time_text);
  if (!time) return fail(std::move(time).error().with_context("'time'"));
  head.time = *time;
  auto size = get_count(in, "tree_size");
  if (!size) return fail(std::move(size).error());
  head.tree_size = *size;
  auto root = get_hash(in, "root");
  if (!root) return fail(std::move(root).error());
  head.root = *root;
  auto key_id = get_text(in, "key_id");
  if (!key_id) return fail(std::move(key_id).error());
  head.key_id = std::move(*key_id);
  auto signature_text = get_text(in, "signature");
  if (!signature_text) return fail(std::move(signature_text).error());
  auto signature = array_of_hex<64>(*signature_text);
  if (!signature) return fail(errc::invalid_argument, "'signature' is not 128 hex digits");
  head.signature = *signature;
  return head;
}

namespace {

result<checkpoint> parse_line(std::string_view line) {
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(errc::invalid_argument, "not a JSON object");
  auto format = get_text(j, "format");
  if (!format) return fail(std::move(format).error());
  if (*format != log_format) {
    return fail(errc::invalid_argument,
                "format '" + *format + "' is not " + std::string(log_format));
  }
  checkpoint c;
  auto head = get_tree_head(j);
  if (!head) return fail(std::move(head).error());
  c.head = std::move(*head);
  const auto leaves = j.find("leaves");
  if (leaves == j.end() || !leaves->is_array()) {
    return fail(errc::invalid_argument, "'leaves' is missing or not an array");
  }
  c.leaves.reserve(leaves->size());
  for (const auto& item : *leaves) {
    const auto bad = [&](std::string_view why) {
      return fail(errc::invalid_argument,
                  "leaf " + std::to_string(c.leaves.size() + 1) + ": " + std::string(why));
    };
    if (!item.is_array() || item.size() != 3) return bad("not [stream, version, head]");
    auto stream = get_stream(item[0]);
    if (!stream) return bad(stream.error().message());
    if (!item[1].is_number_unsigned()) return bad("the version is not a count");
    if (!item[2].is_string()) return bad("the head is not a string");
    auto hash = array_of_hex<32>(item[2].get_ref<const std::string&>());
    if (!hash) return bad("the head is not 64 hex digits");
    c.leaves.push_back({std::move(*stream), item[1].get<std::uint64_t>(), *hash});
  }
  if (c.head.tree_size != c.leaves.size()) {
    return fail(errc::invalid_argument, "tree_size " + std::to_string(c.head.tree_size) + " but " +
                                            std::to_string(c.leaves.size()) + " leaves");
  }
  return c;
}

std::string errno_text(int code) { return std::generic_category().message(code); }

// A file descriptor closed on scope exit.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

result<void> require_regular(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(errc::io_error, errno_text(errno));
  if (!S_ISREG(st.st_mode)) return invalid("not a regular file");
  return {};
}

result<void> read_exactly(int fd, char* into, std::size_t size, off_t at) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, into, size, at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errc::io_error, errno_text(errno));
    if (n == 0) return fail(errc::io_error, "the file shrank while being read");
    into += n;
    size -= static_cast<std::size_t>(n);
    at += n;
  }
  return {};
}

bool blank(char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; }

// The line of the open log that ends at `line_end` (exclusive, past any
// blanks): [begin, line_end).
result<off_t> line_start(int fd, off_t line_end) {
  constexpr off_t chunk = 64 * 1024;
  off_t begin = line_end;
  std::string buffer;
  while (begin > 0) {
    const off_t from = begin > chunk ? begin - chunk : 0;
    buffer.resize(static_cast<std::size_t>(begin - from));
    if (auto r = read_exactly(fd, buffer.data(), buffer.size(), from); !r) {
      return fail(std::move(r).error());
    }
    const auto newline = buffer.rfind('\n');
    if (newline != std::string::npos) return from + static_cast<off_t>(newline) + 1;
    begin = from;
  }
  return off_t{0};
}

// The end of the content before `end`, blanks (and line ends) skipped.
result<off_t> skip_blanks(int fd, off_t end) {
  char c = '\0';
  while (end > 0) {
    if (auto r = read_exactly(fd, &c, 1, end - 1); !r) return fail(std::move(r).error());
    if (!blank(c)) break;
    --end;
  }
  return end;
}

// The next sequence number after the last checkpoint of the open log: only
// its last line is read (or the one before, when the last is a write cut
// off by a crash: no newline at its end and not a checkpoint).
result<std::uint64_t> next_sequence_of(int fd) {
  const off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) return fail(errc::io_error, errno_text(errno));
  char last = '\n';
  if (end > 0) {
    if (auto r = read_exactly(fd, &last, 1, end - 1); !r) return fail(std::move(r).error());
  }
  off_t line_end = end;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto content_end = skip_blanks(fd, line_end);
    if (!content_end) return fail(std::move(content_end).error());
    if (*content_end == 0) return std::uint64_t{1};
    auto begin = line_start(fd, *content_end);
    if (!begin) return fail(std::move(begin).error());
    std::string line(static_cast<std::size_t>(*content_end - *begin), '\0');
    if (auto r = read_exactly(fd, line.data(), line.size(), *begin); !r) {
      return fail(std::move(r).error());
    }
    auto parsed = parse_line(line);
    if (parsed) return parsed->head.sequence + 1;
    if (attempt > 0 || last == '\n') {
      return fail(std::move(parsed).error().with_context("the last line"));
    }
    line_end = *begin;  // a cut-off write: number on from the line before it
  }
  return std::uint64_t{1};
}

result<void> write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errc::io_error, errno_text(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Appends `c` to the open, locked log (O_APPEND): a newline first when a
// cut-off write left the file without one, then the line, then fsync.
result<void> append_on(int fd, const checkpoint& c) {
  const off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) return fail(errc::io_error, errno_text(errno));
  std::string bytes;
  if (end > 0) {
    char last = '\0';
    if (auto r = read_exactly(fd, &last, 1, end - 1); !r) return r;
    if (last != '\n') bytes.push_back('\n');
  }
  bytes += to_json_line(c);
  if (auto r = write_all(fd, bytes); !r) return r;
  if (::fsync(fd) != 0) return fail(errc::io_error, "fsync: " + errno_text(errno));
  return {};
}

// The log opened for appending and locked exclusively; `created` when this
// call made the file (its directory entry then needs an fsync too).
result<void> open_locked(const std::filesystem::path& path, fd_guard& file, bool& created) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the file is
  // refused below unless it is a regular one.
  constexpr int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NONBLOCK;
  file.fd = ::open(path.c_str(), flags | O_CREAT | O_EXCL, 0644);
  created = file.fd >= 0;
  if (!created && errno == EEXIST) file.fd = ::open(path.c_str(), flags);
  if (file.fd < 0) return fail(errc::io_error, errno_text(errno));
  if (auto r = require_regular(file.fd); !r) return r;
  while (::flock(file.fd, LOCK_EX) != 0) {
    if (errno != EINTR) return fail(errc::io_error, "locking: " + errno_text(errno));
  }
  return {};
}

result<void> sync_directory_of(const std::filesystem::path& path) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  fd_guard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0 || ::fsync(d.fd) != 0) {
    return fail(errc::io_error, "syncing directory '" + dir.string() + "': " + errno_text(errno));
  }
  return {};
}

error in_file(error e, const std::filesystem::path& path) {
  return std::move(e).with_context(path.string());
}

}  // namespace
}  // namespace detail

std::string to_json_line(const checkpoint& c) {
  nlohmann::ordered_json j;
  j["format"] = std::string(detail::log_format);
  detail::put_tree_head(j, c.head);
  nlohmann::ordered_json leaves = nlohmann::ordered_json::array();
  for (const checkpoint_leaf& leaf : c.leaves) {
    leaves.push_back({detail::stream_json(leaf.stream), leaf.version, to_hex(leaf.head)});
  }
  j["leaves"] = std::move(leaves);
  return detail::dump_line(j) + "\n";
}

result<std::vector<checkpoint>> parse_checkpoint_log(std::string_view text) {
  std::vector<checkpoint> out;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::string_view line = detail::take_line(text, line_number);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto parsed = detail::parse_line(line);
    if (!parsed) {
      return fail(std::move(parsed).error().with_context("line " + std::to_string(line_number)));
    }
    out.push_back(std::move(*parsed));
  }
  return out;
}

result<std::vector<checkpoint>> read_checkpoint_log(const std::filesystem::path& path) {
  auto text = detail::read_input_file(path, max_checkpoint_log_bytes);
  if (!text) return fail(detail::in_file(std::move(text).error(), path));
  auto parsed = parse_checkpoint_log(*text);
  if (!parsed) return fail(detail::in_file(std::move(parsed).error(), path));
  return parsed;
}

result<std::uint64_t> next_checkpoint_sequence(const std::filesystem::path& path) {
  if (auto r = detail::require_regular_or_absent(path); !r)
    return fail(detail::in_file(std::move(r).error(), path));
  detail::fd_guard file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (file.fd < 0) {
    if (errno == ENOENT) return std::uint64_t{1};
    return fail(errc::io_error, path.string() + ": " + detail::errno_text(errno));
  }
  if (auto r = detail::require_regular(file.fd); !r)
    return fail(detail::in_file(std::move(r).error(), path));
  auto next = detail::next_sequence_of(file.fd);
  if (!next) return fail(detail::in_file(std::move(next).error(), path));
  return next;
}

result<void> append_checkpoint(const std::filesystem::path& path, const checkpoint& c) {
  detail::fd_guard file;
  bool created = false;
  auto appended = detail::open_locked(path, file, created);
  if (appended) appended = detail::append_on(file.fd, c);
  if (appended && created) appended = detail::sync_directory_of(path);
  if (!appended) return fail(detail::in_file(std::move(appended).error(), path));
  return {};
}

result<checkpoint> append_new_checkpoint(const std::filesystem::path& path, const store& s,
                                         const signing_key& key, timestamp now) {
  detail::fd_guard file;
  bool created = false;
  if (auto r = detail::open_locked(path, file, created); !r) {
    return fail(detail::in_file(std::move(r).error(), path));
  }
  // Under the lock: no other writer can take this sequence number.
  auto sequence = detail::next_sequence_of(file.fd);
  if (!sequence) return fail(detail::in_file(std::move(sequence).error(), path));
  auto made = make_checkpoint(s, key, now, *sequence);
  if (!made) return made;
  result<void> appended = detail::append_on(file.fd, *made);
  if (appended && created) appended = detail::sync_directory_of(path);
  if (!appended) return fail(detail::in_file(std::move(appended).error(), path));
  return made;
}

}  // namespace tierflow
