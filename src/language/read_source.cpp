// SPDX-License-Identifier: MIT
// Reading one input file of the language. See read_source.hpp.
#include "language/read_source.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "language/messages.hpp"
#include "text/input_file.hpp"

namespace tierflow::detail {

source_pos file_pos(std::string file) {
  source_pos out;
  out.file = std::move(file);
  return out;
}

std::string error_text(const std::error_code& ec) {
  // std::error_code texts start with a capital; diagnostics are lowercase.
  std::string text = ec.message();
  if (!text.empty() && text.front() >= 'A' && text.front() <= 'Z')
    text.front() = static_cast<char>(text.front() - 'A' + 'a');
  return text;
}

std::optional<source_file> read_source_file(const std::filesystem::path& path, diagnostics& diags,
                                            const load_limits& limits) {
  std::string name = path.string();
  auto text = read_input_file(path, limits.max_file_bytes);
  if (text) return source_file{std::move(name), std::move(*text)};
  switch (text.error().code()) {
    case errc::limit_exceeded:
      diags.error(file_pos(std::move(name)), msg::file_too_large(limits.max_file_bytes));
      break;
    case errc::not_found:
      diags.error(file_pos(std::move(name)), msg::cannot_read_file(error_text(std::make_error_code(
                                                 std::errc::no_such_file_or_directory))));
      break;
    default: diags.error(file_pos(std::move(name)), msg::cannot_read_file(text.error().message()));
  }
  return std::nullopt;
}

std::vector<source_file> read_source_paths(const std::vector<std::string>& paths,
                                           diagnostics& diags, const load_limits& limits,
                                           const source_walk& walk) {
  namespace fs = std::filesystem;
  std::vector<source_file> out;
  const auto read = [&](const fs::path& path) {
    if (auto f = read_source_file(path, diags, limits)) out.push_back(std::move(*f));
  };
  for (const std::string& path : paths) {
    try {
      std::error_code ec;
      const fs::file_status status = fs::status(path, ec);
      if (ec || !fs::exists(status)) {
        if (!ec) ec = std::make_error_code(std::errc::no_such_file_or_directory);
        diags.error(file_pos(path), msg::cannot_read_file(error_text(ec)));
        continue;
      }
      if (!fs::is_directory(status)) {
        read(path);
        continue;
      }
      std::vector<fs::path> names;
      bool listed = true;
      std::vector<fs::path> dirs{fs::path(path)};
      if (walk.tests_folder && fs::is_directory(dirs.front() / "tests", ec))
        dirs.push_back(dirs.front() / "tests");
      for (const fs::path& dir : dirs) {
        ec.clear();
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
          if (walk.wanted == nullptr || walk.wanted(it->path())) names.push_back(it->path());
        if (ec) {
          diags.error(file_pos(dir.string()), msg::cannot_read_directory(error_text(ec)));
          listed = false;
        }
      }
      std::sort(names.begin(), names.end());
      if (names.empty() && listed && !walk.none_found.empty())
        diags.error(file_pos(path), walk.none_found);
      for (const fs::path& name : names) read(name);
    } catch (const std::exception& e) {
      diags.error(file_pos(path), msg::cannot_read_file(e.what()));
    }
  }
  return out;
}

}  // namespace tierflow::detail
