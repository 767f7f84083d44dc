// SPDX-License-Identifier: MIT
// See audit_store.hpp.
#include "cli/audit_store.hpp"

#include <algorithm>
#include <filesystem>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/open_store.hpp>
#include <tierflow/store_options.hpp>

#include "commands.hpp"
#include "say.hpp"
#include "text/input_file.hpp"

namespace tierflow::cli {
namespace {

/// The passwords a PostgreSQL URL carries, as written in it; none for
/// other URLs.
std::vector<std::string> url_secrets(std::string_view url) {
  std::vector<std::string> out;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || url.substr(0, 7) == "sqlite:") return out;
  const auto authority = scheme_end + 3;
  const auto authority_end = std::min(url.find_first_of("/?", authority), url.size());
  const auto at = url.substr(0, authority_end).rfind('@');
  if (at != std::string_view::npos && at >= authority) {
    const auto colon = url.find(':', authority);
    if (colon < at) out.emplace_back(url.substr(colon + 1, at - colon - 1));
  }
  for (auto pos = url.find("password="); pos != std::string_view::npos;
       pos = url.find("password=", pos + 1)) {
    if (pos == 0 || (url[pos - 1] != '?' && url[pos - 1] != '&')) continue;
    const auto value = pos + 9;
    out.emplace_back(url.substr(value, std::min(url.find('&', value), url.size()) - value));
  }
  return out;
}

}  // namespace

std::string scrub(std::string text, std::string_view url) {
  for (const auto& secret : url_secrets(url)) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
      text.replace(pos, secret.size(), "***");
    }
  }
  return text;
}

std::string printable_url(std::string_view url) { return scrub(std::string(url), url); }

audit_store open_for_audit(const std::string& url, std::string_view tool, std::FILE* err) {
  const auto starts = [&](std::string_view p) { return url.compare(0, p.size(), p) == 0; };
  // Checked here rather than left to open_store: `memory:` would open (a new,
  // empty store) and then audit nothing, which must not read as "OK".
  if (url == "memory:") {
    say(err,
        "{}: error: --db memory: is a new, empty store each time, so there is nothing to "
        "audit; use sqlite:PATH or postgresql://…",
        tool);
    return {nullptr, exit_usage};
  }
  if (!starts("sqlite:") && !starts("postgresql://") && !starts("postgres://")) {
    say(err, "{}: error: --db '{}': unknown store URL; use sqlite:PATH or postgresql://…", tool,
        printable_url(url));
    return {nullptr, exit_usage};
  }
  if (starts("sqlite:")) {
    // SQLite would open a FIFO and wait for a writer for ever; a directory
    // or a device is no database either. Refused here, unopened, with a
    // message that names the path (the store checks it again, on open).
    std::string_view path = std::string_view(url).substr(7);
    if (path.substr(0, 2) == "//") path.remove_prefix(2);
    if (!path.empty()) {
      if (auto regular = detail::require_regular_or_absent(std::filesystem::path(path));
          !regular) {
        say(err, "{}: error: cannot open {}: '{}' {}", tool, url, path,
            regular.error().message());
        return {nullptr, exit_errors};
      }
    }
  }
  store_options options;
  options.read_only = true;
  options.create = false;
  auto opened = open_store(url, options);
  if (!opened) {
    say(err, "{}: error: cannot open {}: {}", tool, printable_url(url),
        scrub(opened.error().message(), url));
    // A malformed URL is the command line's fault; everything else (a missing
    // or foreign file, a special file, an unreachable server, a newer schema)
    // is the input's.
    const bool url_fault = opened.error().code() == errc::invalid_argument &&
                           !(starts("sqlite:") && url.size() > 7);
    return {nullptr, url_fault ? exit_usage : exit_errors};
  }
  return {std::move(*opened), exit_ok};
}

}  // namespace tierflow::cli
