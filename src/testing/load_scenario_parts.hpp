// SPDX-License-Identifier: MIT
// What the parts of the scenario-file loader share: the file's fixtures,
// what one case may refer to, and the readers of steps and of `examples`
// tables. Private to src/testing/load_scenario*.cpp.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/scenario.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/time.hpp>

#include "language/load_common.hpp"
#include "language/load_yaml.hpp"

namespace tierflow::detail::scenario_loading {

/// A named customer of the file's `customers`.
struct customer_fixture {
  std::string id;
  attribute_values attributes;
};

/// The file's named customers and people.
struct fixtures {
  std::map<std::string, customer_fixture, std::less<>> customers;
  std::map<std::string, actor, std::less<>> actors;
};

/// (line, column) of a node.
using node_position = std::pair<std::uint32_t, std::uint32_t>;

[[nodiscard]] inline node_position position_of(const yaml_node& n) noexcept {
  return {n.line, n.column};
}

/// What one case (one row of its table) may refer to.
struct case_scope {
  const catalog* cat = nullptr;
  const fixtures* fx = nullptr;
  /// The workflow the case's ticket takes; nullptr when that could not be
  /// told (already reported): checks that need it are skipped.
  const workflow* flow = nullptr;
  /// Positions of the `~` values a table row put into the case: customer
  /// attributes and ticket fields given so are left out.
  const std::set<node_position>* omitted = nullptr;

  [[nodiscard]] bool is_omitted(const yaml_node& n) const {
    return n.is_null() && omitted != nullptr && omitted->count(position_of(n)) > 0;
  }
};

/// An actor written inline: `{ id, roles: [...], region }`. `n` must be a
/// mapping (checked by the caller).
[[nodiscard]] std::optional<actor> read_actor(reader& r, const yaml_node& n,
                                              const organisation& org);

/// A person named in an expectation: an actor fixture's name stands for
/// that actor's id; anything else is taken as the id itself.
[[nodiscard]] std::string person_id(const fixtures& fx, const std::string& text);

/// An instant as people write it here (load_ticket.hpp's
/// parse_local_instant at the organisation's offset); reports a bad one.
[[nodiscard]] std::optional<timestamp> read_instant(reader& r, const yaml_node& n,
                                                    std::string_view what,
                                                    std::chrono::minutes utc_offset);

/// The `steps` of a case (a list, checked by the caller).
[[nodiscard]] std::vector<testing::step> read_steps(reader& r, const std::vector<yaml_node>& items,
                                                    const case_scope& scope);

// --- `examples` tables -------------------------------------------------------------------

/// One case of a table: the case with the row's values put in.
struct table_row_case {
  /// The case's mapping with every `$var` replaced by the row's node (which
  /// keeps the row's position) and without `examples`.
  yaml_node body;
  /// "NAME [ROW-NAME]" or "NAME [var=value, …]".
  std::string name;
  /// Where a duplicate of the name is reported: the row.
  source_pos name_where;
  /// Positions of `~` values the row put in (case_scope::omitted).
  std::set<node_position> omitted;
  /// Positions of `$var`s left in place because the row does not define
  /// them (already reported): diagnostics there are consequences, dropped.
  std::set<node_position> unresolved;
};

/// Expands the case `c` (a mapping with an `examples` entry) into one case
/// a row. `name` is the case's name as written ("" when missing). Reports
/// the table's own problems: a bad table or row, a `$var` or `{var}` no row
/// defines, a row without a column the case uses, a column nothing uses.
/// Each row's case counts its nodes against `node_budget` (what is left of
/// load_limits::max_nodes for the file), so that a big value put in many
/// times cannot exhaust memory: the row that would go past it is reported
/// (msg::too_many_nodes(max_nodes)) and the table expanded no further.
[[nodiscard]] std::vector<table_row_case> expand_examples(reader& r, const yaml_node& c,
                                                          const yaml_node& examples,
                                                          const std::string& name,
                                                          std::size_t& node_budget,
                                                          std::size_t max_nodes);

}  // namespace tierflow::detail::scenario_loading
