// SPDX-License-Identifier: MIT
// How the tool writes a report file (`tierflow test --junit`, `tierflow
// report --html`): whole or not at all.
#pragma once

#include <string>
#include <string_view>

namespace tierflow::cli {

/// Writes `content` to `path` through a temporary file in the same
/// directory, fsync and a rename, so that a CI server, a browser or a mail
/// job never reads half a report; the file gets the umask's usual mode.
/// Returns an error message (strerror), or "" when written. Nothing is left
/// behind on failure. The caller refuses FIFOs and devices first.
[[nodiscard]] std::string write_atomically(const std::string& path, std::string_view content);

}  // namespace tierflow::cli
