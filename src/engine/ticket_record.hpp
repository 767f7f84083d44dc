// SPDX-License-Identifier: MIT
// The live state of one ticket and the fold that builds it from events.
//
// Private to the library. The engine changes a ticket only by building an
// event and applying it here, and replay applies the stored events the same
// way, so replay gives the live state by construction (DESIGN invariant 2).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

#include "engine/calendar_index.hpp"

namespace tierflow::detail {

/// One timer of a deadline clock: a warning at a percentage, the breach, or
/// a time after the breach; with the escalation rules it triggers.
struct timer_slot {
  enum class kind : std::uint8_t { warning, breach, after };
  kind what = kind::breach;
  std::uint32_t percent = 0;
  duration after{};
  /// after.str(), formatted once at compile time: what a `deadline_breached`
  /// of this slot records as its `after` detail, and what the fold matches
  /// that detail against (a timer fired or replayed formats nothing).
  std::string after_text;
  std::vector<std::size_t> rules;  ///< escalation rule indices, file order
};

/// Which timer slots of a clock have fired: one bit per slot, the first 64
/// inline (a clock has a breach slot and a few warnings or after-breach
/// steps), any beyond in a vector. Starting a clock — at open, and on every
/// state with a step limit — then allocates nothing, and a clock's flags
/// cost no heap block of their own.
class fired_slots {
 public:
  /// `n` slots, none fired.
  void reset(std::size_t n) {
    low_ = 0;
    if (n > inline_slots) {
      high_.assign((n - inline_slots + word_bits - 1) / word_bits, 0);
    } else {
      high_.clear();
    }
  }
  /// Whether slot `i` fired; `i` below the `n` of the last reset().
  [[nodiscard]] bool test(std::size_t i) const noexcept {
    if (i < inline_slots) return ((low_ >> i) & 1U) != 0;
    const std::size_t j = i - inline_slots;
    return ((high_[j / word_bits] >> (j % word_bits)) & 1U) != 0;
  }
  /// Marks slot `i` fired; `i` below the `n` of the last reset().
  void set(std::size_t i) noexcept {
    if (i < inline_slots) {
      low_ |= std::uint64_t{1} << i;
    } else {
      const std::size_t j = i - inline_slots;
      high_[j / word_bits] |= std::uint64_t{1} << (j % word_bits);
    }
  }

  static constexpr std::size_t inline_slots = 64;

 private:
  static constexpr std::size_t word_bits = 64;
  std::uint64_t low_ = 0;
  // Words of bits beyond the first 64 (a vector<bool> is 40 bytes in every
  // clock of every ticket; this is 24).
  std::vector<std::uint64_t> high_;
};

/// A workflow prepared for execution: calendars resolved, escalation rules
/// indexed by trigger, timer slots per deadline clock. Built once per
/// workflow version.
struct compiled_workflow {
  const workflow* wf = nullptr;
  const organisation* org = nullptr;
  /// The workflow's calendar (business units), indexed
  /// (compiled_catalog::calendars).
  const calendar_index* cal = nullptr;
  /// Per deadline, then one more for the step limit ("step"): its calendar
  /// and its timer slots (warnings by ascending percent, the breach, then
  /// after-breach slots).
  std::vector<const calendar_index*> clock_calendar;
  std::vector<std::vector<timer_slot>> slots;
  std::vector<std::size_t> open_rules;
  std::unordered_map<std::string, std::vector<std::size_t>> action_rules;
  /// Per state: the deadline indices that start (`from`) and end (`until`)
  /// on entering it.
  std::vector<std::vector<std::size_t>> starts, ends;
  /// Per routing rule: the fields its condition reads, in first-use order
  /// (the inputs a routing trace shows), computed once.
  std::vector<std::vector<std::string>> routing_inputs;
  [[nodiscard]] std::size_t step_clock() const noexcept { return slots.size() - 1; }
  [[nodiscard]] const std::string& clock_name(std::size_t c) const;
  /// The clock of deadline `name`, or step_clock() for "step"; npos if none.
  [[nodiscard]] std::size_t clock_index(std::string_view name) const noexcept;
};

/// The catalog prepared for execution. Addresses stay stable: it is built
/// once and never changed.
struct compiled_catalog {
  const catalog* defs = nullptr;
  std::vector<compiled_workflow> workflows;  ///< parallel to defs->workflows
  /// One index per calendar of the organisation the workflows name (held
  /// apart: the workflows point at them, and a move keeps them in place).
  std::vector<std::unique_ptr<calendar_index>> calendars;
  [[nodiscard]] const compiled_workflow* find(std::string_view id, std::uint32_t version) const;
};

/// Builds the execution tables. `cat` must outlive the result.
[[nodiscard]] compiled_catalog compile(const catalog& cat);

/// Text form of attribute values, as they are recorded in events.
[[nodiscard]] std::string value_text(const value& v);
/// Room for value_text() of a number (the longest double to_chars writes).
using value_digits = std::array<char, 64>;
/// value_text(v) without a string built: a view of v's own text, of a
/// literal, or of the number written into `digits` (an open records each
/// attribute so; the view lives as long as `v` and `digits`).
[[nodiscard]] std::string_view value_text_view(const value& v, value_digits& digits);
/// Parses value_text() back, given the declared kind; nullopt if malformed.
[[nodiscard]] std::optional<value> parse_value(value_kind kind, std::string_view text);

/// duration::str() written into `out`, reusing its storage: a view
/// refreshed after every action writes each deadline's `within` again,
/// without building a string to move in.
void duration_text_into(std::string& out, const duration& d);

/// A deadline clock of one ticket.
struct deadline_clock {
  bool started = false;
  bool running = false;  ///< counting now (not paused, not finished)
  bool finished = false; ///< its `until` reached (met or missed)
  bool breached = false; ///< the breach timer fired (or it was missed)
  duration within{};
  std::int64_t total = 0;     ///< working seconds from start to the original due
  std::int64_t consumed = 0;  ///< working seconds used before `since`
  timestamp since{};          ///< start of the current running period
  timestamp due = timestamp::max();
  fired_slots fired;          ///< per timer slot
  std::optional<timestamp> finished_at;
  /// When it started, and the time it counted while running since (pauses
  /// left out): calendar seconds, and working seconds on the deadline's
  /// own calendar whatever its unit (compiled_workflow::clock_calendar) —
  /// what its deadline_stopped event records.
  timestamp started_at{};
  std::int64_t counted_calendar = 0;
  std::int64_t counted_business = 0;
  /// The next unfired slot's instant (timestamp::max() when none).
  timestamp next = timestamp::max();
  std::size_t next_slot = static_cast<std::size_t>(-1);
};

/// A handoff in progress: where the ticket returns to.
struct handoff_frame {
  std::string team;
  assignment back;
};

/// The live state of one ticket.
class ticket_record {
 public:
  ticket_record() = default;

  /// Applies one event: the fold. Events must come in stream order. An
  /// event the fold cannot apply is refused, the record then unusable:
  /// errc::data_loss naming the event's sequence and what is unknown — a
  /// sequence that does not continue the stream, an opening on a workflow
  /// version the catalog lacks, an event of another workflow version than
  /// the ticket's, an unknown state (transitioned, paused, resumed, closed),
  /// deadline (opened, deadline_warned, deadline_breached), unit (routed,
  /// handed_off) or tier (escalated), or any event before `opened`. Such a
  /// trail was written under other definitions (a workflow edited in
  /// place) or by someone other than the engine.
  [[nodiscard]] result<void> apply(const compiled_catalog& cc, const event& e);

  /// The view as of `now`.
  [[nodiscard]] ticket_view view(timestamp now) const;
  /// view(now) written into `v`, every member assigned, so that what `v`
  /// held before does not matter — its strings and vectors are reused
  /// (a view refreshed after every action allocates only what grew).
  void view_into(ticket_view& v, timestamp now) const;
  /// The receipt of where the ticket stands (engine::act_brief,
  /// engine::brief), written into `out` reusing its strings: each member
  /// equal to view()'s, at any now (none depends on it).
  void receipt_into(act_receipt& out) const;
  /// The summary a store indexes.
  [[nodiscard]] ticket_summary summary() const;
  /// summary() written into `out`, every member assigned, reusing its
  /// strings: commit builds one per command into a buffer it keeps.
  void summary_into(ticket_summary& out) const;

  /// Whether clock `c`, stopped at `t`, misses its deadline: it was
  /// breached already, or `t` is after its due (running), or it used more
  /// than its time before it paused. The one judgement behind the view's
  /// met/missed and the outcome records (deadline_stopped, `step`).
  [[nodiscard]] bool would_miss(std::size_t c, timestamp t) const noexcept;

  /// The earliest pending timer: clock index and instant; nullopt if none.
  [[nodiscard]] std::optional<std::pair<std::size_t, timestamp>> next_timer() const noexcept;

  /// Condition lookup: `customer.x`, `ticket.x`, `ticket.type`,
  /// `ticket.channel`, `ticket.times.<action>`. `scratch` holds computed
  /// values for the duration of one evaluation.
  [[nodiscard]] const value* lookup(std::string_view field, value& scratch) const;

  /// The workflow, once opened.
  const compiled_workflow* flow = nullptr;

  std::string id;
  std::string type;
  std::string channel;
  std::string customer_id;
  std::string region;
  std::string external_ref;
  std::string description;
  attribute_values customer;
  attribute_values fields;
  std::size_t state = npos;
  bool closed = false;
  bool paused = false;
  std::string owner;
  assignment assignee;
  std::string tier;
  std::size_t tier_level = 0;
  std::uint32_t escalations = 0;
  std::vector<handoff_frame> handoffs;
  std::vector<std::string> flags;  ///< sorted, unique
  std::vector<deadline_clock> clocks;
  std::vector<std::pair<std::string, std::uint32_t>> action_counts;
  std::vector<unit_time> time_by_unit;
  /// When the ticket last entered its current unit's queue, and its
  /// current state: the outcome records' time in a unit or state is
  /// measured from these, so no command scans the trail for them.
  timestamp unit_since{};
  timestamp state_since{};
  /// The deadline clocks (never the step limit) the last event applied
  /// stopped, in clock order: the engine records a deadline_stopped event
  /// for each (command.hpp).
  std::vector<std::size_t> stopped;
  timestamp opened_at{};
  std::optional<timestamp> closed_at;
  timestamp last_time{};
  std::uint64_t version = 0;
  /// The version after the last event that was not a timer's (a timer
  /// fired: a warning or breach and the escalation steps it ran, all by
  /// system_actor). An expected_version from last_change_version on is not
  /// stale: only timers fired since (authorization.hpp).
  std::uint64_t last_change_version = 0;
  event_hash head{};

 private:
  void enter_state(std::size_t s, timestamp t);
  void start_clock(std::size_t c, timestamp t);
  void pause_clock(std::size_t c, timestamp t);
  void resume_clock(std::size_t c, timestamp t);
  void finish_clock(std::size_t c, timestamp t);
  void schedule(std::size_t c);
  void move_to(assignment a, timestamp t);
  // Whether the events since the last `deadline_*` one are a timer's
  // command (see last_change_version).
  bool in_timer_command_ = false;
  void set_tier(std::string_view tier_id);
  [[nodiscard]] const calendar_index& clock_calendar(std::size_t c) const;
};

/// Folds a whole stream into a fresh record. Errors: the first event
/// ticket_record::apply refuses (errc::data_loss), with the ticket id.
[[nodiscard]] result<ticket_record> replay(const compiled_catalog& cc, std::span<const event> stream);

/// The shared 24x7 calendar that calendar-unit deadlines (m, h, d) count in.
[[nodiscard]] const calendar& wall_calendar() noexcept;
/// wall_calendar(), as an index (it has no tables: always_open).
[[nodiscard]] const calendar_index& wall_calendar_index() noexcept;

}  // namespace tierflow::detail
