// SPDX-License-Identifier: MIT
// The service indicators (KPIs) of a period, computed from audit trails: the
// on-time rate of each deadline, times to contact and to resolve, first-
// contact resolution, escalation, handoffs, bounces, repeats, reopens,
// callbacks and satisfaction, backlog and overdue counts, workload, time per
// unit and the manager points score. Every formula, with a worked example,
// is in workflows/INDICATORS.md; the names below are the ones it uses.
//
// The indicators read only what the trail records (tierflow/event_schema.hpp,
// "Outcome records"): they never redo calendar arithmetic, so a report over
// last year's trail gives last year's figures even after the calendars
// changed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/calendar.hpp>
#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/organisation.hpp>
#include <tierflow/store.hpp>

namespace tierflow::kpi {

/// What the rows of a report are grouped by.
enum class group_kind : std::uint8_t {
  workflow,        ///< "workflow": the workflow id
  ticket_type,     ///< "type": the ticket type
  tier,            ///< "tier": the tier of the ladder (see group_row)
  team,            ///< "team": the lateral team holding the ticket, "" when none
  region,          ///< "region": the customer's region
  owner,           ///< "owner": the ticket's owner (首問負責), "" before anyone took it
  assignee,        ///< "assignee": the person working it, "" while it waits in a queue
  classification,  ///< "class.NAME": the value an action recorded for classification NAME
};

/// One grouping key: a kind, and for group_kind::classification its name.
struct group_key {
  group_kind kind = group_kind::workflow;
  std::string name;  ///< classification name; empty for the other kinds
  friend bool operator==(const group_key&, const group_key&) = default;
};

/// The key's text as written on the command line: "tier", "class.issue_class".
[[nodiscard]] std::string to_string(const group_key& key);

/// Parses a comma-separated list such as "tier,region" or
/// "workflow,class.issue_class". Errors: errc::invalid_argument naming the
/// unknown key and the accepted ones (with a did-you-mean), or a key given
/// twice. An empty text gives no keys (one row for everything).
[[nodiscard]] result<std::vector<group_key>> parse_group_keys(std::string_view text);

/// What the indicators read by name from a trail: the flag a repeat
/// complaint carries (`noted` with `flag`), the state a reopened ticket
/// enters (besides a `reopened` event), and the classification a callback
/// records with its two answers ("class.callback": "satisfied" |
/// "unsatisfied"; other values, such as "unreachable", count as a callback
/// made without an answer).
inline constexpr std::string_view repeat_flag = "repeat";
inline constexpr std::string_view reopened_state = "reopened";
inline constexpr std::string_view callback_classification = "callback";
inline constexpr std::string_view satisfied = "satisfied";
inline constexpr std::string_view unsatisfied = "unsatisfied";

/// The indicators the manager points score can weigh, by name:
/// "on_time_rate", "first_contact_resolution_rate", "callback_rate",
/// "satisfaction_rate", "repeat_rate", "reopen_rate", "escalation_rate".
/// Rates that count against a manager (repeat, reopen, escalation) enter the
/// score as 1 − rate.
[[nodiscard]] std::span<const std::string_view> points_indicators() noexcept;

/// What to compute.
struct options {
  /// The period, [from, to): an event counts when from <= time < to. Only
  /// events before `to` are read for anything but the backlog at `to`, so
  /// a report on a past period gives the same figures whenever it is run.
  timestamp from{};
  timestamp to{};
  /// Row grouping; empty = one row for everything.
  std::vector<group_key> by;
  /// Instants at which backlog and overdue tickets are counted (e.g. each
  /// local midnight of the period); strictly ascending, each within
  /// [from, to]. Empty: only `to`.
  std::vector<timestamp> instants;
  /// Classifies units as tiers or teams and ranks tiers for the escalation
  /// levels; without it every unit counts as a tier and a level is one
  /// escalation step. Not owned; must outlive the call.
  const organisation* org = nullptr;
  /// Manager points weights, by points_indicators() name, each in (0, 1000]; an
  /// indicator not listed weighs nothing. Empty = the organisation's
  /// (organisation::manager_points), and when that is empty too, equal
  /// weights over points_indicators().
  std::vector<points_weight> weights;
  /// How many of the worst overdue tickets to list.
  std::size_t worst_overdue = 20;
};

/// A ratio with its counts, so that rows can be added up and a rate of 0/0
/// shows as "no data" rather than as a misleading 0 %.
struct rate {
  std::uint64_t numerator = 0;
  std::uint64_t denominator = 0;
  /// numerator ÷ denominator, or nullopt when the denominator is 0.
  [[nodiscard]] std::optional<double> value() const noexcept {
    if (denominator == 0) return std::nullopt;
    return static_cast<double>(numerator) / static_cast<double>(denominator);
  }
  friend bool operator==(const rate&, const rate&) = default;
};

/// A distribution of durations in seconds: count, mean and nearest-rank
/// percentiles (p50 is the smallest value with at least half the values at
/// or below it). All absent when count is 0.
struct distribution {
  std::uint64_t count = 0;
  std::optional<double> mean;
  std::optional<std::int64_t> p50, p90, p99, max;
  friend bool operator==(const distribution&, const distribution&) = default;
};

/// The outcomes of one deadline (by id; "step" for the step limits).
struct deadline_outcomes {
  /// met ÷ stopped: deadlines that stopped in the period, and how many of
  /// them in time.
  rate on_time;
  /// breached ÷ due: deadlines due in the period (stopped ones by their
  /// recorded `due`, running ones by their breach), and how many were
  /// breached.
  rate breached;
  friend bool operator==(const deadline_outcomes&, const deadline_outcomes&) = default;
};

/// The indicators of one row (one group, or all tickets).
struct indicators {
  std::uint64_t opened = 0;  ///< tickets opened in the period
  std::uint64_t closed = 0;  ///< tickets closed in the period
  /// Per deadline id, in id order.
  std::map<std::string, deadline_outcomes> deadlines;
  /// Every deadline together (the step limits not included).
  rate on_time;
  /// Opened → first taken (the owner's claim, 首問), for takes in the period.
  distribution contact_calendar, contact_business;
  /// Opened → closed, for closes in the period.
  distribution resolve_calendar, resolve_business;
  /// Tickets closed in the period that never left the tier that took them
  /// (no escalation, no handoff, no reroute) ÷ tickets closed.
  rate first_contact_resolution;
  /// Tickets opened in the period that were escalated at least once ÷
  /// tickets opened.
  rate escalation;
  /// Tickets opened in the period by the highest escalation level reached
  /// (0 = never escalated): with options::org, the highest ladder level
  /// escalated to minus the level of the tier that held the ticket when it
  /// was first taken or first escalated (at least 1); without it, the
  /// number of escalations.
  std::map<std::uint32_t, std::uint64_t> levels_reached;
  std::uint64_t handoffs = 0;  ///< handed_off events in the period
  std::uint64_t returns = 0;   ///< returned events in the period
  /// Tickets opened in the period that came back to a unit they had left
  /// (A → B → A, the designed return of a handoff excepted) ÷ tickets opened.
  rate bounce;
  /// Tickets opened in the period flagged `repeat` ÷ tickets opened.
  rate repeat;
  /// Tickets closed in the period that were reopened before the period's
  /// end (a `reopened` event or a transition into a state named
  /// `reopened`) ÷ tickets closed.
  rate reopen;
  /// Tickets closed in the period that recorded a `callback`
  /// classification ÷ tickets closed in the period of the workflows that
  /// record callbacks (a workflow does when any of its tickets read recorded
  /// one before the period's end: a fault repair closed without a callback
  /// owes none).
  rate callback;
  /// Callbacks recorded `satisfied` ÷ callbacks recorded `satisfied` or
  /// `unsatisfied`, in the period.
  rate satisfaction;
  friend bool operator==(const indicators&, const indicators&) = default;
};

/// One row of a report: the group's values (one per options::by key, in
/// that order) and its indicators.
///
/// Which value a ticket takes for a key depends on what is counted: an
/// event (a deadline stopping, a handoff, time spent) counts where the
/// ticket was when it happened (its tier, team, owner, assignee then); a
/// ticket (opened, closed, first-contact resolution, escalation, bounce,
/// repeat, reopen, callback) counts at the tier that first took it, with
/// its owner, and its assignee when it closed or at the period's end.
/// Workflow, type, region and classifications belong to the ticket (its
/// latest recorded classification before the period's end). A ticket
/// nobody took counts at the tier it was first queued in.
struct group_row {
  std::vector<std::string> group;
  indicators values;
};

/// Open and overdue tickets at one instant, per group.
struct backlog_point {
  timestamp at{};
  std::vector<std::string> group;
  /// Open and overdue count where the ticket sits at `at` (its tier, team,
  /// owner, assignee then); opened and closed where it was when that
  /// happened. Overdue needs the outcome records: trails older than them
  /// (report::tickets_without_outcomes) are never counted overdue.
  std::uint64_t open = 0;     ///< opened at or before `at` and not closed then
  std::uint64_t overdue = 0;  ///< of those, with a deadline breached and not stopped then
  std::uint64_t opened =
      0;  ///< opened after the previous instant (from the period's start), up to `at`
  std::uint64_t closed =
      0;  ///< closed after the previous instant (from the period's start), up to `at`
};

/// Time the tickets spent in one unit, from the stays that ended in the
/// period (unit_calendar_s, unit_business_s of the events leaving it).
struct unit_time {
  std::string unit;
  bool is_team = false;
  std::uint64_t stays = 0;
  std::int64_t calendar_seconds = 0;
  std::int64_t business_seconds = 0;
};

/// What one person did in the period.
struct workload {
  std::string person;
  std::uint64_t actions = 0;  ///< actions taken (transitioned, noted with an action)
  std::uint64_t taken = 0;    ///< tickets taken (accepted events)
  std::uint64_t tickets = 0;  ///< distinct tickets acted on
  std::uint64_t closed = 0;   ///< tickets closed while assigned to them
};

/// One manager's points: their owned tickets' indicators, each as a score
/// in [0, 1], and the weighted score × 100. An indicator with no data for
/// the manager (0/0) is left out and the weights of the rest renormalised,
/// so that nobody is scored down for work they had none of.
struct manager_points {
  std::string person;
  /// Indicator name → score in [0, 1] (1 − rate for the ones counting
  /// against), for the indicators with data.
  std::map<std::string, double> scores;
  /// Σ weight × score ÷ Σ weight over `scores`, × 100; nullopt when no
  /// weighted indicator has data.
  std::optional<double> points;
  /// 1-based rank by points (ties share a rank); 0 when points is nullopt.
  std::uint32_t rank = 0;
};

/// An open ticket with a deadline breached and not stopped at `options::to`.
struct overdue_ticket {
  std::string ticket_id;
  std::string workflow_id;
  std::string deadline;  ///< the breached deadline that is overdue longest
  timestamp breached_at{};
  std::int64_t overdue_seconds = 0;     ///< options::to − breached_at
  std::string unit;                     ///< where it sits (a team during a handoff)
  std::string region, owner, assignee;  ///< the customer's region; "" when none
};

/// Everything computed for a period.
struct report {
  timestamp from{}, to{};
  std::vector<group_key> by;
  /// Tickets whose trails were read, and of them those with an event in
  /// the period. A report with no event in the period says so: `empty()`.
  std::uint64_t tickets_read = 0;
  std::uint64_t tickets_in_period = 0;
  std::vector<group_row> rows;                ///< sorted by group values
  indicators total;                           ///< all rows together
  std::vector<backlog_point> backlog;         ///< by instant, then group
  std::vector<unit_time> units;               ///< by unit id
  std::vector<workload> people;               ///< by person id
  std::vector<manager_points> managers;       ///< by rank, then person id
  std::vector<overdue_ticket> worst_overdue;  ///< longest overdue first
  /// Tickets in the period whose trails are older than the outcome
  /// records (a transition, an owner's take or a close without its outcome
  /// keys): their durations and deadline figures are missing, not zero, and
  /// they are never counted overdue. Counted so that a report can say so.
  std::uint64_t tickets_without_outcomes = 0;

  [[nodiscard]] bool empty() const noexcept { return tickets_in_period == 0; }
};

/// Streams trails in, one ticket at a time, and builds the report: memory
/// grows with the number of tickets and groups (a few numbers each), never
/// with the number of events.
class accumulator {
 public:
  /// Errors: errc::invalid_argument when options.to <= options.from (an
  /// empty period), the instants are not strictly ascending or fall
  /// outside [from, to], a group key is given twice, or a weight names an
  /// unknown indicator or is not in (0, 1000].
  [[nodiscard]] static result<accumulator> make(options opts);

  /// Adds one ticket's trail (its events in order, as stored; verify it
  /// first: this trusts what it reads). A stream that is not a ticket's
  /// (empty, or not starting with `opened`: a denial stream, the denial
  /// log) is skipped. Errors: errc::incompatible when the trail holds an
  /// event type this version does not know (written by a newer tierflow),
  /// nothing added. O(events of the trail); allocates only when it meets a
  /// new name (unit, person, group, deadline) or a new duration sample.
  [[nodiscard]] result<void> add(std::span<const event> trail);

  /// As add(trail), from views of the events (tierflow/event.hpp: a
  /// memory store's released trail, read without a string per field): the
  /// same figures as the events they view give. (A name of its own:
  /// add({}) stays unambiguous.)
  [[nodiscard]] result<void> add_views(std::span<const event_view> trail);

  /// The report (the accumulator is left empty).
  [[nodiscard]] report finish();

  accumulator(accumulator&&) noexcept;
  accumulator& operator=(accumulator&&) noexcept;
  ~accumulator();

 private:
  struct state;
  explicit accumulator(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

/// Reads every ticket's trail from `s`, verifying each (read_verified: a
/// broken hash chain is errc::data_loss naming the ticket, since a report
/// built on a tampered trail would mislead), and accumulates them.
/// Errors: those of accumulator::make and add, and the store's.
[[nodiscard]] result<report> compute(const store& s, const options& opts);

/// One indicator of one row as a flat record, for tables, CSV and JSON (and
/// for comparing runs): `name` is the indicator's name in INDICATORS.md
/// (e.g. "on_time_rate", "deadline.contact.on_time_rate", "resolve_p90_s").
struct metric {
  std::string name;
  std::optional<double> value;                          ///< nullopt: no data (0/0, no values)
  std::optional<std::uint64_t> numerator, denominator;  ///< for rates
};

/// The indicators of one row as metrics, in a fixed order: opened, closed,
/// on_time_rate, then per deadline id deadline.ID.on_time_rate and
/// deadline.ID.breach_rate, then contact_, contact_business_, resolve_ and
/// resolve_business_ count, mean_s, p50_s, p90_s, p99_s, max_s, then
/// first_contact_resolution_rate, escalation_rate, escalation_level.N per
/// level reached, handoffs, returns, bounce_rate, repeat_rate, reopen_rate,
/// callback_rate, satisfaction_rate.
[[nodiscard]] std::vector<metric> metrics(const indicators& values);

}  // namespace tierflow::kpi
