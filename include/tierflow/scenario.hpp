// SPDX-License-Identifier: MIT
// Scenario tests of workflow rules: the model of a `*.test.yaml` file
// (given a start time, a ticket and its customer's history; when people act
// and the clock moves; then the ticket is where the rules say), as loaded
// from YAML or built in code. tierflow/testing.hpp runs them on the engine.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/duration.hpp>
#include <tierflow/error.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/time.hpp>

namespace tierflow::testing {

/// One fact an `expect` step checks about the ticket, by the name the YAML
/// gives it, with the expected value as text. The fields:
///
///     state  tier  team  queue  region  owner  assignee  rule
///     closed  paused  escalations  flags  has_flag  lacks_flag
///     deadline.<id>          pending | running | paused | met | missed | breached
///     deadline.<id>.due      a local instant ("2026-03-02 09:00"): `instant`
///     classified.<name>      the value last recorded for classification <name>
///                            (the trail's "class.<name>" details), "none" if none
///
/// `team` is the team the ticket is handed off to ("none" when it is not),
/// `queue` the unit whose queue holds it with its region ("unit/region",
/// or "unit" for units not split by region), `rule` the routing rule of the
/// last routing (at open or after a reroute), `flags` the whole sorted set
/// (comma-separated, "" for none), `has_flag`/`lacks_flag` one flag each.
/// `deadline.<id>: breached` holds while the deadline is past and not yet
/// stopped (running or paused with breached set); `step` names the current
/// state's limit. Empty `owner`/`assignee` are written "none".
struct field_expectation {
  std::string field;
  std::string expected;
  /// For `deadline.<id>.due`: the expected instant (expected holds its text).
  std::optional<timestamp> instant;
  source_pos where;
};

/// A notification the steps since the previous `expect` must have sent.
/// Only the fields given are compared; `to` is a tierflow::recipient name
/// (owner, assignee, tier, team, role).
struct notification_expectation {
  /// (key, value): keys among to, unit, region, person, reason.
  std::vector<std::pair<std::string, std::string>> fields;
  source_pos where;
};

/// An event the steps since the previous `expect` must have appended to the
/// ticket's trail: its type and any of its details (event_schema.hpp).
struct event_expectation {
  std::string type;
  std::vector<std::pair<std::string, std::string>> details;
  source_pos where;
};

/// `expect:` — checks of the ticket as it stands after the steps before.
///
/// `notified` and `events` look at what the steps since the previous
/// `expect` (or since the ticket opened, for the first) produced: the listed
/// items must appear in that order, others may come between. An empty list
/// means "none at all". Absent: not checked.
///
/// `not_notified` and `not_events` say what those steps must NOT have
/// produced: no notification (event) of the window matches any item listed.
/// They pin down a rule that must stay silent beside one that speaks in the
/// same step (the enterprise manager told, the regional manager not).
struct expectation {
  std::vector<field_expectation> fields;
  std::optional<std::vector<notification_expectation>> notified;
  std::optional<std::vector<event_expectation>> events;
  std::vector<notification_expectation> not_notified;
  std::vector<event_expectation> not_events;
  source_pos where;
};

/// `act:` — a person takes an action on the ticket.
struct act_step {
  std::string action;
  actor by;
  std::string note;
  /// The command must be refused with this code (and so change nothing);
  /// absent: it must succeed.
  std::optional<errc> error;
  source_pos where;
  source_pos error_where;
  /// The value the actor gives for the action's classification
  /// (act_request::classification); empty: none. Last, so that
  /// brace-initialised steps of earlier releases still compile.
  std::string classification{};
};

/// `advance:` — the clock moves forward and every timer due fires
/// (engine::advance).
struct advance_step {
  enum class kind : std::uint8_t {
    by,        ///< by `amount`: calendar units add wall-clock time, business
               ///< units working time of the workflow's calendar
    to,        ///< to the instant `to`
    to_due,    ///< to the due instant of the ticket's deadline `deadline`
               ///< ("step": the current state's limit), plus `amount` if given
  };
  kind how = kind::by;
  std::optional<duration> amount;
  timestamp to{};
  std::string deadline;
  source_pos where;
};

/// One step of a scenario, in order.
using step = std::variant<act_step, advance_step, expectation>;

/// A ticket of the same customer opened before the scenario starts, so that
/// history-derived attributes (repeat complaints) count it.
struct history_entry {
  std::string type;
  /// Its channel; empty = the scenario ticket's.
  std::string channel;
  /// How long before the scenario's start it was opened.
  duration ago;
  /// Closed right after opening (walked to a terminal state by the shortest
  /// path of actions), or left open.
  bool closed = false;
  attribute_values fields;
  source_pos where;
};

/// One test case: given a start time, a ticket and the customer's history,
/// when the steps run, then each expectation holds.
struct scenario {
  std::string name;
  source_pos where;
  /// When the ticket is opened (the engine's clock starts here).
  timestamp start{};
  /// The ticket to open at `start` (opened_by "scenario" when empty).
  open_request ticket;
  source_pos ticket_where;
  std::vector<history_entry> history;
  std::vector<step> steps;
};

/// A mutant (tierflow/mutation.hpp) a file declares equivalent: no scenario
/// can tell it from the original rules, and `why` says so.
struct equivalent_mutant {
  std::string mutant;
  std::string why;
  source_pos where;
};

/// A scenario file, as loaded: its cases (rows of `examples` tables already
/// expanded into cases of their own) and its equivalent mutants.
struct scenario_file {
  std::string name;
  std::vector<scenario> cases;
  std::vector<equivalent_mutant> equivalent;
};

/// Reads `source` (a `*.test.yaml` file) against `cat`, a catalog without
/// errors: every ticket type, channel, attribute, field, action, role,
/// region, state, tier, team, deadline, flag name and error code is
/// checked, every time and duration parsed. Every problem goes to `diags`
/// as `file:line:col: error: …`, sorted by position; returns nullopt if
/// there was any error. The format is documented in workflows/README.md.
/// Never throws except std::bad_alloc.
[[nodiscard]] std::optional<scenario_file> load_scenario_file(const source_file& source,
                                                             const catalog& cat,
                                                             diagnostics& diags,
                                                             const load_limits& limits = {});

/// The scenario files under `paths`: a file as it is; a directory's
/// `*.test.yaml` files and those of its `tests/` subdirectory, sorted by
/// name. Unreadable paths, oversize files and a path with no test file are
/// reported in `diags`.
[[nodiscard]] std::vector<source_file> read_scenario_sources(const std::vector<std::string>& paths,
                                                             diagnostics& diags,
                                                             const load_limits& limits = {});

}  // namespace tierflow::testing
