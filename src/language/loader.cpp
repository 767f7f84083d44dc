// SPDX-License-Identifier: MIT
// The loader's entry points: reading sources from disk, loading a catalog
// from them (every file, every problem), the checks across files, and the
// graph checks of validate() on a catalog that loaded cleanly.
#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

#include <tierflow/loader.hpp>
#include <tierflow/time.hpp>
#include <tierflow/validate.hpp>

#include "language/load_common.hpp"
#include "language/load_yaml.hpp"
#include "language/messages.hpp"
#include "language/read_source.hpp"
#include "text/suggest.hpp"

namespace tierflow {
namespace {

namespace fs = std::filesystem;
using detail::yaml_node;

std::string where_str(const source_pos& p) {
  if (p.line == 0) return p.file;
  return fmt::format("{}:{}:{}", p.file, p.line, p.column);
}

/// workflow::fingerprint: lowercase hex SHA-256 of the document's canonical
/// form (load_yaml.hpp says what counts). One EVP_Digest call per workflow
/// file: loading is rare, so no context is kept.
std::string fingerprint_of(const yaml_node& root) {
  const std::string form = detail::canonical_form(root);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(form.data(), form.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != 32)
    throw std::runtime_error("sha-256 of the workflow's canonical form failed");
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4U];
    out += hex[digest[i] & 0x0fU];
  }
  return out;
}

bool is_yaml_name(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

enum class file_kind : std::uint8_t { unknown, organisation, workflow };

struct parsed_file {
  const source_file* source = nullptr;
  std::optional<yaml_node> tree;
  file_kind kind = file_kind::unknown;
};

/// Which kind a file is, from its first key; reported when it is neither.
file_kind kind_of(detail::reader& r, const yaml_node& root) {
  if (!root.is_mapping()) {
    r.error(root, detail::msg::not_a_definition(detail::node_kind_name(root.type)));
    return file_kind::unknown;
  }
  if (root.entries.empty()) {
    r.error(root, detail::msg::empty_file());
    return file_kind::unknown;
  }
  const yaml_node& key = root.entries.front().key;
  if (key.is_scalar() && key.text == "organisation") return file_kind::organisation;
  if (key.is_scalar() && key.text == "workflow") return file_kind::workflow;
  constexpr std::array<std::string_view, 2> kinds{"organisation", "workflow"};
  r.error(key, detail::msg::unknown_file_kind(key.text, detail::did_you_mean(key.text, kinds)));
  return file_kind::unknown;
}

/// Checks across files: (id, version) unique; no two workflows of one
/// version serving the same ticket type.
void check_workflows(const catalog& cat, diagnostics& diags) {
  for (std::size_t i = 0; i < cat.workflows.size(); ++i) {
    const workflow& w = cat.workflows[i];
    if (w.id.empty() || w.version == 0) continue;
    for (std::size_t j = 0; j < i; ++j) {
      const workflow& earlier = cat.workflows[j];
      if (earlier.version != w.version) continue;
      if (earlier.id == w.id) {
        diags.error(w.where,
                    detail::msg::duplicate_workflow(w.id, w.version, where_str(earlier.where)));
        break;
      }
      // workflow_for() takes the highest version in effect: two of the same
      // version serving one type would leave the choice to file order.
      const auto shared = std::find_if(w.ticket_types.begin(), w.ticket_types.end(),
                                       [&](const std::string& t) { return earlier.serves(t); });
      if (shared != w.ticket_types.end()) {
        diags.error(w.where, detail::msg::ambiguous_ticket_type(*shared, earlier.id, w.version,
                                                                format_date(earlier.effective)));
        break;
      }
    }
  }
}

/// A derived attribute counts tickets of a type some workflow should serve.
/// A warning, not an error: a host (or `tierflow graph`) may load only some
/// of the workflows, and then the count is merely always 0.
void check_derived(const catalog& cat, diagnostics& diags) {
  for (const attribute& a : cat.org.customer_attributes) {
    if (!a.derived) continue;
    const bool served =
        std::any_of(cat.workflows.begin(), cat.workflows.end(),
                    [&](const workflow& w) { return w.serves(a.derived->count_type); });
    if (!served)
      diags.warning(a.where, detail::msg::derived_type_not_served(a.name, a.derived->count_type));
  }
}

catalog load_all(const std::vector<source_file>& sources, diagnostics& diags,
                 const load_limits& limits) {
  catalog cat;
  std::vector<parsed_file> files;
  files.reserve(sources.size());
  bool all_parsed = true;
  for (const source_file& src : sources) {
    parsed_file p;
    p.source = &src;
    p.tree = detail::read_yaml(src.name, src.text, limits, diags);
    if (p.tree) {
      detail::reader r(src.name, diags);
      p.kind = kind_of(r, *p.tree);
    } else {
      all_parsed = false;
    }
    files.push_back(std::move(p));
  }

  // The organisation first: workflows are checked against it.
  const parsed_file* org_file = nullptr;
  for (const parsed_file& p : files) {
    if (p.kind != file_kind::organisation) continue;
    detail::reader r(p.source->name, diags);
    if (org_file == nullptr) {
      org_file = &p;
      detail::load_organisation(r, *p.tree, cat.org);
      continue;
    }
    // A second one is reported, and checked on its own so that its other
    // problems are found too, but not used.
    organisation ignored;
    detail::load_organisation(r, *p.tree, ignored);
    diags.error(ignored.where, detail::msg::second_organisation(where_str(cat.org.where)));
  }
  // A file that did not parse may well be the organisation: no second
  // error for it.
  if (org_file == nullptr && all_parsed) diags.error(source_pos{}, detail::msg::no_organisation());

  std::size_t workflow_errors = 0;
  for (const parsed_file& p : files) {
    if (p.kind != file_kind::workflow) continue;
    detail::reader r(p.source->name, diags);
    workflow wf;
    detail::load_workflow(r, *p.tree, cat.org, org_file != nullptr, wf);
    wf.fingerprint = fingerprint_of(*p.tree);
    workflow_errors += r.errors();
    cat.workflows.push_back(std::move(wf));
  }

  check_workflows(cat, diags);
  // Only on workflows that loaded cleanly: a ticket type lost to a typo in
  // one file would otherwise surface as an error in the organisation file.
  if (org_file != nullptr && !cat.workflows.empty() && workflow_errors == 0 && all_parsed)
    check_derived(cat, diags);
  return cat;
}

}  // namespace

std::vector<source_file> read_sources(const std::vector<std::string>& paths, diagnostics& diags,
                                      const load_limits& limits) {
  return detail::read_source_paths(paths, diags, limits, {&is_yaml_name, false, {}});
}

catalog load_catalog(const std::vector<source_file>& sources, diagnostics& diags,
                     const load_limits& limits) {
  // Collected apart and sorted by position before they join `diags`, so
  // that the output reads file by file, top to bottom.
  diagnostics found;
  catalog cat;
  try {
    cat = load_all(sources, found, limits);
    // The graph checks assume a well-formed catalog: every reference
    // resolved, one organisation.
    if (!found.has_errors()) validate(cat, found);
  } catch (const std::exception& e) {
    found.error(source_pos{}, detail::msg::internal_error(e.what()));
  } catch (...) {
    found.error(source_pos{}, detail::msg::internal_error("unknown exception"));
  }
  found.sort();
  diags.append(found);
  return cat;
}

result<catalog> load_catalog_files(const std::vector<std::string>& paths, diagnostics& diags,
                                   const load_limits& limits) {
  const std::size_t start = diags.size();
  const std::vector<source_file> sources = read_sources(paths, diags, limits);
  const std::size_t read_end = diags.size();
  catalog cat = load_catalog(sources, diags, limits);
  for (std::size_t i = start; i < diags.size(); ++i) {
    const diagnostic& d = diags.items()[i];
    if (d.level != severity::error) continue;
    errc code = errc::invalid_definition;
    if (detail::msg::is_limit(d.message))
      code = errc::limit_exceeded;
    else if (i < read_end)
      code = errc::io_error;
    return fail(code, d.str());
  }
  return cat;
}

}  // namespace tierflow
