// SPDX-License-Identifier: MIT
// What the parts of the simulation-scenario loader share: the limits, the
// readers of numbers, durations, weights and distributions, the CSV readers
// and the feasibility checks. Private to src/simulation/load_*.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/simulation.hpp>

#include "language/load_common.hpp"
#include "language/load_yaml.hpp"

namespace tierflow::detail::sim_loading {

using sim::choice;
using sim::customer;
using sim::decision;
using sim::demand_stream;
using sim::handling_time;
using sim::population;
using sim::scenario;
using sim::segment;
using sim::staff_group;
using sim::state_wait;
using sim::surge;
using sim::time_distribution;
using sim::value_generator;
using sim::weighted;

/// Customers of a scenario, generated and loaded together.
inline constexpr std::uint64_t max_customers = 10'000'000;
/// Mean tickets a day of one demand stream.
inline constexpr double max_per_day = 1'000'000;
/// People of one staff group (or of one region of it).
inline constexpr std::uint64_t max_staff = 100'000;
/// The longest duration a scenario may state: ten years of 366 days.
inline constexpr double max_duration_s = 3660.0 * 86'400;
/// The scenario's horizon and warm-up, in days.
inline constexpr std::uint64_t max_days = 3660;
inline constexpr std::uint64_t max_replications = 1000;
/// An hour-of-day weight or a weekday multiplier.
inline constexpr double max_profile_weight = 1'000'000;
/// A surge multiplies demand by at most this.
inline constexpr double max_factor = 1000;
/// CSV files (customers, empirical samples) may be this many times the
/// YAML limit (load_limits::max_file_bytes): a city's customer list is far
/// larger than any definition file, and still must not exhaust memory.
inline constexpr std::size_t csv_size_factor = 64;
/// A CSV file stops being read after this many errors: a wrong file of a
/// million lines says what is wrong in its first lines.
inline constexpr std::size_t max_csv_errors = 100;

/// One scenario file being read.
struct context {
  reader& r;
  const catalog& cat;
  const load_limits& limits;
  /// Where CSV paths are relative to: the scenario file's folder.
  std::filesystem::path folder;
  /// Where CSV problems go (under the CSV's own file name).
  diagnostics& diags;
};

/// Seconds of a wall-clock duration: a decimal number and a unit s, m, h or
/// d ("90s", "1.5h"); with `plain_seconds` a bare number is seconds too (the
/// empirical CSV). Returns the seconds, or nullopt and the message in `why`.
[[nodiscard]] std::optional<double> wall_seconds(std::string_view text, bool plain_seconds,
                                                 std::string& why);

/// A wall-clock duration node (seconds >= 0), reported when bad.
[[nodiscard]] std::optional<double> duration_seconds(reader& r, const yaml_node& n,
                                                     std::string_view what);

/// A plain number in [low, high] (above `low` when `low_open`); reports
/// "WHAT must be RANGE, not 'x'" otherwise.
[[nodiscard]] std::optional<double> number_in(reader& r, const yaml_node& n, std::string_view what,
                                              double low, double high, bool low_open);

/// A plain whole number in [low, high]; reports otherwise.
[[nodiscard]] std::optional<std::uint64_t> whole_in(reader& r, const yaml_node& n,
                                                    std::string_view what, std::uint64_t low,
                                                    std::uint64_t high);

/// A weight: a plain number > 0 and finite.
[[nodiscard]] std::optional<double> weight_value(reader& r, const yaml_node& n);

/// `{ NAME: WEIGHT, … }`; each name checked against `known` (unless null)
/// as `what` ("region", "channel"). Bad entries are reported and left out.
[[nodiscard]] weighted read_weights(reader& r, const yaml_node& n, std::string_view key,
                                    std::string_view what, const std::vector<std::string>* known);

/// A time distribution (simulation.hpp, time_distribution).
[[nodiscard]] std::optional<time_distribution> read_time_distribution(context& cx,
                                                                      const yaml_node& n,
                                                                      std::string_view what);

/// How one attribute of `schema` is drawn: `entry` is `NAME: generator`;
/// `prefix` "customer" or "ticket"; an unknown one is reported as "unknown
/// WHAT 'name'OWNER" (`owner`: "" or " of workflow 'complaint'"). nullopt
/// when reported.
[[nodiscard]] std::optional<value_generator> read_generator(reader& r, const yaml_entry& entry,
                                                            const std::vector<attribute>& schema,
                                                            std::string_view prefix,
                                                            std::string_view what,
                                                            std::string_view owner);

/// The path of a CSV named in the scenario, as diagnostics name it.
[[nodiscard]] std::filesystem::path csv_path(const context& cx, const std::string& written);

/// The customers of a `customers: { csv: FILE }` file (`at` is the FILE
/// node). Problems are reported under the CSV's name; a file that cannot be
/// read at all is reported at `at`. An id that a generated customer of
/// `generated` also gets ("SEGMENT-000001", …) is refused.
[[nodiscard]] std::vector<customer> read_customers_csv(context& cx, const yaml_node& at,
                                                       const std::string& written,
                                                       const std::vector<segment>& generated);

/// The samples of an `empirical: FILE` distribution, in seconds.
[[nodiscard]] std::optional<std::vector<double>> read_empirical_csv(context& cx,
                                                                    const yaml_node& at,
                                                                    const std::string& written);

/// Positions the feasibility checks report at.
struct anchors {
  std::optional<source_pos> staff;      ///< the `staff` key
  std::optional<source_pos> decisions;  ///< the `decisions` key
  /// The `decisions` entry of each workflow, by id.
  std::vector<std::pair<std::string, source_pos>> decision_workflows;
};

// --- The sections about work (load_work.cpp) ----------------------------------------------

/// The newest version of workflow `id`, or nullptr.
[[nodiscard]] const workflow* newest_workflow(const catalog& cat, std::string_view id);

/// `staff:` (a list of groups); `calendars` are the names a group may use.
void read_staff(context& cx, const yaml_node& n, const std::vector<std::string>& calendars,
                scenario& out);
/// `handling:`.
void read_handling(context& cx, const yaml_node& n, scenario& out);
/// `decisions:`; records the workflows' entries in `at`.
void read_decisions(context& cx, const yaml_node& n, scenario& out, anchors& at);
/// `waits:`.
void read_waits(context& cx, const yaml_node& n, scenario& out);

/// What would make a run of a scenario (loaded without errors) meaningless:
/// states needing a decision, actions nobody on the staff may take, routing
/// targets whose tickets nobody can take (load_scenario's contract).
void check_feasibility(reader& r, const scenario& sc, const catalog& cat, const anchors& at);

}  // namespace tierflow::detail::sim_loading
