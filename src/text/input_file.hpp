// SPDX-License-Identifier: MIT
// Reading a file someone handed us: a workflow, a ticket file, a key, a
// checkpoint log, a database path. Only regular files are read; a FIFO, a
// device or a socket is refused unread (a FIFO would block the tool for
// ever, a device would never end), and a file over its size limit is
// refused without reading it all.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include <tierflow/error.hpp>

namespace tierflow::detail {

/// What kind of file system object `path` names, for messages: "a FIFO",
/// "a character device", "a block device", "a socket", "a directory",
/// "a regular file", or "" when it does not exist or cannot be examined.
[[nodiscard]] std::string file_kind_name(const std::filesystem::path& path);

/// Succeeds when `path` does not exist or is a regular file (or a symbolic
/// link to one); errc::invalid_argument naming what it is otherwise. For
/// paths another library opens (a SQLite database file).
[[nodiscard]] result<void> require_regular_or_absent(const std::filesystem::path& path);

/// The whole content of the regular file `path`, at most `max_bytes`.
/// Errors: errc::not_found (no such file), errc::invalid_argument (not a
/// regular file: never opened for reading in a way that could block),
/// errc::limit_exceeded (larger than max_bytes), errc::io_error (cannot be
/// opened or read; the message says why). Messages are lowercase and do not
/// repeat the path: the caller prefixes it.
[[nodiscard]] result<std::string> read_input_file(const std::filesystem::path& path,
                                                  std::size_t max_bytes);

}  // namespace tierflow::detail
