// SPDX-License-Identifier: MIT
// Loading organisation and workflow files (YAML) into a catalog, with every
// problem reported as a compiler-style diagnostic.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/error.hpp>

namespace tierflow {

/// Resource limits on definition files, so that a hostile file cannot
/// exhaust memory or stack. The defaults are far above any real workflow.
struct load_limits {
  /// Largest file accepted, in bytes.
  std::size_t max_file_bytes = 1024 * 1024;
  /// Deepest nesting of mappings and sequences (block or flow).
  std::size_t max_depth = 32;
  /// Most YAML aliases (`*name`) in one file.
  std::size_t max_aliases = 64;
  /// Most nodes visited while reading one file, counting every expansion of
  /// an alias (stops "billion laughs").
  std::size_t max_nodes = 200000;
};

/// One definition file held in memory: a name for diagnostics and its text.
struct source_file {
  std::string name;
  std::string text;
};

/// Reads files and directories into sources. A directory contributes its
/// `*.yaml` and `*.yml` files (not recursive), sorted by name. Unreadable
/// paths and files over `limits.max_file_bytes` are reported in `diags`.
[[nodiscard]] std::vector<source_file> read_sources(const std::vector<std::string>& paths,
                                                    diagnostics& diags,
                                                    const load_limits& limits = {});

/// Loads one organisation and any number of workflows from `sources`. Which
/// is which is told by the top-level key (`organisation:` or `workflow:`).
///
/// Every problem of every file is added to `diags` (not only the first);
/// loading goes on past errors so the next ones are found too. The returned
/// catalog holds whatever could be read; use it only if `diags` has no
/// errors. Also runs the graph checks of validate(), when loading found no
/// errors (they assume a well-formed catalog). Diagnostics are added sorted
/// by file, line and column.
///
/// Thread-safe (no shared state).
[[nodiscard]] catalog load_catalog(const std::vector<source_file>& sources, diagnostics& diags,
                                   const load_limits& limits = {});

/// Reads `paths` and loads them. Returns the catalog when there are no
/// errors (warnings are allowed and kept in `diags`); otherwise an error
/// whose message is the first error diagnostic (GNU style) and whose code is
/// errc::io_error when a path could not be read, errc::limit_exceeded when a
/// file was refused for one of `limits`, and errc::invalid_definition for
/// anything else.
[[nodiscard]] result<catalog> load_catalog_files(const std::vector<std::string>& paths,
                                                 diagnostics& diags,
                                                 const load_limits& limits = {});

}  // namespace tierflow
