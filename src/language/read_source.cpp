// SPDX-License-Identifier: MIT
// Reading one input file of the language. See read_source.hpp.
#include "language/read_source.hpp"

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

}  // namespace tierflow::detail
