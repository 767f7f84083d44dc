// SPDX-License-Identifier: MIT
// The CSV files a scenario names: its customer list and the samples of
// empirical durations. Read relative to the scenario's folder, size-limited,
// UTF-8 checked; every problem is `file.csv:LINE:COL: error: …`.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/ticket.hpp>

#include "engine/input_rules.hpp"
#include "language/load_ticket.hpp"
#include "language/messages.hpp"
#include "language/read_source.hpp"
#include "simulation/load_messages.hpp"
#include "simulation/load_parts.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail::sim_loading {

namespace {

/// One field of a CSV row and the column it starts at (1-based, bytes).
struct csv_field {
  std::string text;
  std::uint32_t column = 1;
};

/// One line of a CSV file, split into fields.
struct csv_row {
  std::uint32_t line = 0;
  std::vector<csv_field> fields;
};

/// A node standing for a CSV cell, so that the language's value checks
/// (convert_value) read it like a plain YAML scalar.
yaml_node cell_node(const csv_row& row, const csv_field& f) {
  yaml_node n;
  n.type = yaml_node::kind::scalar;
  n.line = row.line;
  n.column = f.column;
  n.text = f.text;
  return n;
}

/// Reads the file, reporting at the scenario's node `at` when it cannot.
std::optional<source_file> read_csv(context& cx, const yaml_node& at, const std::string& written) {
  load_limits limits = cx.limits;
  limits.max_file_bytes = cx.limits.max_file_bytes * csv_size_factor;
  diagnostics found;
  auto file = read_source_file(csv_path(cx, written), found, limits);
  for (const diagnostic& d : found.items())
    cx.r.error(at, fmt::format("'{}': {}", written, d.message));
  return file;
}

/// True once `r` has reported max_csv_errors; says so once, at `line`.
bool too_many_errors(reader& r, std::uint32_t line) {
  if (r.errors() < max_csv_errors) return false;
  if (r.errors() == max_csv_errors)
    r.error(source_pos{r.file(), line, 1}, sim_msg::csv_too_many_errors(max_csv_errors));
  return true;
}

/// Reads `text` one row of fields at a time (RFC 4180 quoting within one
/// line: `"a,b"`, `""` for a quote), skipping blank lines, so that a large
/// file is never held twice. Invalid UTF-8 and an unclosed quote are
/// reported and the line left out.
class csv_rows {
 public:
  csv_rows(reader& r, std::string_view text) : r_(r), text_(text) {
    // A UTF-8 byte order mark is not part of the first field.
    if (text_.starts_with("\xEF\xBB\xBF")) start_ = 3;
  }

  /// The next row into `row`; false at the end of the file, or once
  /// max_csv_errors were reported (said once, at the line reading stopped).
  bool next(csv_row& row) {
    while (start_ < text_.size()) {
      std::size_t end = text_.find('\n', start_);
      if (end == std::string_view::npos) end = text_.size();
      std::string_view line = text_.substr(start_, end - start_);
      ++line_no_;
      start_ = end + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (too_many_errors(r_, line_no_)) return false;
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      if (split(line, row)) return true;
    }
    return false;
  }

 private:
  /// One non-blank line into `row`; false (reported) when it is unusable.
  bool split(std::string_view line, csv_row& row) {
    for (std::size_t i = 0; i < line.size();) {
      const std::size_t n = utf8_sequence(line, i);
      if (n == 0) {
        r_.error(source_pos{r_.file(), line_no_, static_cast<std::uint32_t>(i + 1)},
                 sim_msg::csv_not_utf8());
        return false;
      }
      i += n;
    }
    row.line = line_no_;
    row.fields.clear();
    std::size_t i = 0;
    while (true) {
      csv_field f;
      f.column = static_cast<std::uint32_t>(i + 1);
      if (i < line.size() && line[i] == '"') {
        bool closed = false;
        ++i;
        while (i < line.size()) {
          if (line[i] == '"') {
            if (i + 1 < line.size() && line[i + 1] == '"') {
              f.text += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          f.text += line[i++];
        }
        if (!closed) {
          r_.error(source_pos{r_.file(), line_no_, f.column}, sim_msg::csv_unclosed_quote());
          return false;
        }
        // Text after the closing quote up to the comma belongs to the field.
        while (i < line.size() && line[i] != ',') f.text += line[i++];
      } else {
        while (i < line.size() && line[i] != ',') f.text += line[i++];
      }
      row.fields.push_back(std::move(f));
      if (i >= line.size()) return true;
      ++i;  // the comma; after a trailing one, an empty last field
    }
  }

  reader& r_;
  std::string_view text_;
  std::size_t start_ = 0;
  std::uint32_t line_no_ = 0;
};

/// The segment whose generated customers include the id `id`
/// ("ID-000001" … "ID-<count>", simulation.hpp), or nullptr.
const segment* generated_owner(const std::vector<segment>& generated, std::string_view id) {
  const std::size_t dash = id.rfind('-');
  if (dash == std::string_view::npos || dash + 1 >= id.size()) return nullptr;
  const std::string_view digits = id.substr(dash + 1);
  if (digits.size() > 12 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return nullptr;
  std::uint64_t n = 0;
  for (const char c : digits) n = n * 10 + static_cast<std::uint64_t>(c - '0');
  // Generated ids are zero-padded to six digits: "K-1" is not "K-000001".
  if (fmt::format("{:06}", n) != digits) return nullptr;
  for (const segment& s : generated)
    if (id.substr(0, dash) == s.id && n >= 1 && n <= s.count) return &s;
  return nullptr;
}

source_pos at_cell(const reader& r, const csv_row& row, const csv_field& f) {
  return {r.file(), row.line, f.column};
}

}  // namespace

std::filesystem::path csv_path(const context& cx, const std::string& written) {
  const std::filesystem::path p(written);
  if (p.is_absolute() || cx.folder.empty()) return p;
  return (cx.folder / p).lexically_normal();
}

std::vector<customer> read_customers_csv(context& cx, const yaml_node& at,
                                         const std::string& written,
                                         const std::vector<segment>& generated) {
  std::vector<customer> out;
  const auto file = read_csv(cx, at, written);
  if (!file) return out;
  reader r(file->name, cx.diags);
  csv_rows rows(r, file->text);
  csv_row header;
  if (!rows.next(header)) {
    if (r.errors() == 0) r.error(file_pos(file->name), sim_msg::csv_empty());
    return out;
  }
  const organisation& org = cx.cat.org;
  // What each column holds: id, segment, region, or an attribute.
  enum class column_kind : std::uint8_t { id, segment, region, attribute, ignored };
  struct column {
    column_kind kind = column_kind::ignored;
    const attribute* attr = nullptr;
    std::string field;  ///< "customer.NAME", for messages
  };
  std::vector<column> columns;
  std::vector<std::string> names{"id", "segment", "region"};
  for (const attribute& a : org.customer_attributes)
    if (!a.derived && a.name != "region") names.push_back(a.name);
  std::unordered_set<std::string> seen;
  bool has_id = false, has_region = false;
  for (const csv_field& f : header.fields) {
    column c;
    if (!seen.insert(f.text).second) {
      r.error(at_cell(r, header, f), msg::duplicate("column", f.text));
    } else if (f.text == "id") {
      c.kind = column_kind::id;
      has_id = true;
    } else if (f.text == "segment") {
      c.kind = column_kind::segment;
    } else if (f.text == "region") {
      c.kind = column_kind::region;
      has_region = true;
    } else if (const attribute* a = org.find_customer_attribute(f.text);
               a != nullptr && !a->derived) {
      c.kind = column_kind::attribute;
      c.attr = a;
      c.field = "customer." + f.text;
    } else if (a != nullptr) {
      r.error(at_cell(r, header, f), sim_msg::derived_generated("customer." + f.text));
    } else {
      r.error(at_cell(r, header, f),
              msg::unknown("customer attribute", f.text, did_you_mean(f.text, names)));
    }
    columns.push_back(std::move(c));
  }
  if (!has_id) r.error(source_pos{r.file(), header.line, 1}, sim_msg::csv_missing_column("id"));
  if (!has_region)
    r.error(source_pos{r.file(), header.line, 1}, sim_msg::csv_missing_column("region"));
  if (!has_id || !has_region) return out;

  const std::vector<std::string> regions = ids_of(org.regions);
  std::unordered_map<std::string, std::uint32_t> first_line;
  csv_row row;
  while (rows.next(row)) {
    if (row.fields.size() != columns.size()) {
      r.error(source_pos{r.file(), row.line, 1},
              sim_msg::csv_field_count(row.fields.size(), columns.size()));
      continue;
    }
    if (out.size() >= max_customers) {
      r.error(source_pos{r.file(), row.line, 1}, sim_msg::too_many_customers(max_customers));
      break;
    }
    customer c;
    bool ok = true;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const csv_field& f = row.fields[i];
      switch (columns[i].kind) {
        case column_kind::id:
          if (f.text.empty() || f.text.size() > max_id_bytes) {
            r.error(at_cell(r, row, f),
                    f.text.empty()
                        ? std::string("the customer 'id' must not be empty")
                        : fmt::format("the customer 'id' is longer than {} bytes", max_id_bytes));
            ok = false;
          } else if (const auto [it, fresh] = first_line.emplace(f.text, row.line); !fresh) {
            r.error(at_cell(r, row, f), sim_msg::csv_duplicate_id(f.text, it->second));
            ok = false;
          } else if (const segment* s = generated_owner(generated, f.text)) {
            r.error(at_cell(r, row, f), sim_msg::collides_with_generated(f.text, s->id));
            ok = false;
          }
          c.id = f.text;
          break;
        case column_kind::segment: c.segment = f.text; break;
        case column_kind::region:
          if (!check_reference(r, cell_node(row, f), f.text, "region", regions)) ok = false;
          c.region = f.text;
          break;
        case column_kind::attribute: {
          if (f.text.empty()) break;  // not given for this customer
          const yaml_node n = cell_node(row, f);
          if (auto v = convert_value(r, n, *columns[i].attr, columns[i].field))
            c.attributes.emplace_back(columns[i].attr->name, std::move(*v));
          else
            ok = false;
          break;
        }
        case column_kind::ignored: break;
      }
    }
    if (!ok) continue;
    c.attributes.emplace_back("region", value{c.region});
    for (const attribute& a : org.customer_attributes) {
      if (!a.required || a.name == "region") continue;
      const bool given = std::any_of(c.attributes.begin(), c.attributes.end(),
                                     [&](const auto& kv) { return kv.first == a.name; });
      if (!given) {
        r.error(source_pos{r.file(), row.line, 1},
                fmt::format("customer '{}' lacks required attribute '{}'", c.id, a.name));
        ok = false;
      }
    }
    if (ok) out.push_back(std::move(c));
  }
  return out;
}

std::optional<std::vector<double>> read_empirical_csv(context& cx, const yaml_node& at,
                                                      const std::string& written) {
  const auto file = read_csv(cx, at, written);
  if (!file) return std::nullopt;
  reader r(file->name, cx.diags);
  const std::size_t errors_before = r.errors();
  std::vector<double> out;
  bool first = true;
  csv_rows rows(r, file->text);
  csv_row row;
  while (rows.next(row)) {
    const bool header_allowed = first;
    first = false;
    if (row.fields.size() != 1) {
      if (header_allowed) continue;  // a header such as "duration,note"
      r.error(source_pos{r.file(), row.line, 1}, sim_msg::csv_field_count(row.fields.size(), 1));
      continue;
    }
    std::string text = row.fields.front().text;
    const std::size_t b = text.find_first_not_of(" \t");
    const std::size_t e = text.find_last_not_of(" \t");
    text = b == std::string::npos ? std::string{} : text.substr(b, e - b + 1);
    std::string why;
    const auto seconds = wall_seconds(text, true, why);
    if (!seconds) {
      if (header_allowed) continue;  // the first line names the column
      r.error(source_pos{r.file(), row.line, row.fields.front().column}, why);
      continue;
    }
    out.push_back(*seconds);
  }
  if (out.empty() && r.errors() == errors_before)
    r.error(file_pos(file->name), sim_msg::csv_no_samples());
  if (r.errors() != errors_before) return std::nullopt;
  return out;
}

}  // namespace tierflow::detail::sim_loading
