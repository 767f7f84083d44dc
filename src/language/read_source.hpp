// SPDX-License-Identifier: MIT
// Reading one input file of the language (a definition, a ticket file, a
// scenario file) with its problems as diagnostics: the one wording every
// loader uses for a file it cannot read.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <tierflow/diagnostic.hpp>
#include <tierflow/loader.hpp>

namespace tierflow::detail {

/// A position naming the file as a whole.
[[nodiscard]] source_pos file_pos(std::string file);

/// An error code's text as diagnostics write it: lowercase
/// ("no such file or directory").
[[nodiscard]] std::string error_text(const std::error_code& ec);

/// Reads one file through detail::read_input_file: a FIFO, a device or a
/// socket is refused unread (reading would block for ever or never end),
/// and a file over limits.max_file_bytes is refused without reading it all.
/// A problem is reported in `diags` as `PATH: error: cannot read file: WHY`
/// (or the size-limit message) and gives nullopt.
[[nodiscard]] std::optional<source_file> read_source_file(const std::filesystem::path& path,
                                                          diagnostics& diags,
                                                          const load_limits& limits);

/// How read_source_paths walks a directory.
struct source_walk {
  /// The files of a directory to read (by name); others are skipped. A
  /// wanted name that is not a regular file (a FIFO, a device, a directory
  /// named x.yaml) is still read, so read_source_file refuses it and says
  /// what it is: skipping it silently would load an incomplete set.
  bool (*wanted)(const std::filesystem::path&) = nullptr;
  /// Also the directory's `tests/` folder, when it has one.
  bool tests_folder = false;
  /// Reported at a directory in which no wanted file was found; empty: none.
  std::string none_found;
};

/// Reads `paths`: a file as it is, a directory's wanted files (see
/// source_walk) sorted by path. Missing paths, unreadable directories and
/// files are reported in `diags`.
[[nodiscard]] std::vector<source_file> read_source_paths(const std::vector<std::string>& paths,
                                                         diagnostics& diags,
                                                         const load_limits& limits,
                                                         const source_walk& walk);

}  // namespace tierflow::detail
