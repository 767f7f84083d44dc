// SPDX-License-Identifier: MIT
// The accumulator's state: the names interned so far, the rows and what they
// have counted, and the walk of the ticket being added (where it is, who
// has it, what it did). The walk itself is in accumulator.cpp.
//
// Names (units, people, deadlines, workflows, group values) are interned
// once into small integers: a row is found by a few integers, and the walk
// keeps the rows it counts into until the ticket moves, so that most events
// cost no lookup at all.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/kpi.hpp>

#include "kpi/keys.hpp"
#include "kpi/row.hpp"
#include "text/number.hpp"

namespace tierflow::kpi {
namespace detail {

constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

struct text_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

/// Names to dense ids and back.
class interner {
 public:
  std::uint32_t id(std::string_view name) {
    if (const auto it = ids_.find(name); it != ids_.end()) return it->second;
    const auto n = static_cast<std::uint32_t>(names_.size());
    names_.emplace_back(name);
    ids_.emplace(names_.back(), n);
    return n;
  }
  [[nodiscard]] const std::string& name(std::uint32_t id) const { return names_[id]; }
  [[nodiscard]] std::size_t size() const noexcept { return names_.size(); }
  [[nodiscard]] const std::vector<std::string>& names() const noexcept { return names_; }

 private:
  std::unordered_map<std::string, std::uint32_t, text_hash, std::equal_to<>> ids_;
  std::vector<std::string> names_;
};

/// The names last looked up at one place of the walk, and their ids:
/// ticket after ticket names the same workflow, type, unit or person there,
/// or one of a few (the people of a queue take its tickets in turn), and a
/// comparison of texts is cheaper than hashing one (ids never change once
/// given, so a remembered one stays right). A name has one entry it may be
/// remembered in, chosen by its length and its first and last bytes (no
/// hash of the text: "agent.1" … "agent.9" take entries of their own).
struct name_memo {
  struct entry {
    std::string text;
    std::uint32_t id = none;
  };
  static constexpr std::size_t entries = 16;
  std::array<entry, entries> remembered;

  [[nodiscard]] static std::size_t entry_of(std::string_view text) noexcept {
    if (text.empty()) return 0;
    const auto front = static_cast<unsigned char>(text.front());
    const auto back = static_cast<unsigned char>(text.back());
    return (text.size() * 31 + back * 7 + front) % entries;
  }
};

/// Interns `text` into `e`, the memo entry it is remembered in, in place
/// of what `e` held. Out of line: remembered's hit stays a few instructions
/// where the walk asks.
[[gnu::noinline]] inline std::uint32_t remember(interner& in, name_memo::entry& e,
                                                std::string_view text) {
  e.id = in.id(text);
  e.text.assign(text);
  return e.id;
}

[[gnu::always_inline]] inline std::uint32_t remembered(interner& in, name_memo& memo,
                                                       std::string_view text) {
  name_memo::entry& e = memo.remembered[name_memo::entry_of(text)];
  if (e.id != none && tierflow::detail::same_text(e.text, text)) return e.id;
  return remember(in, e, text);
}

struct key_hash {
  std::size_t operator()(const std::vector<std::uint32_t>& key) const noexcept {
    std::size_t h = 0xcbf29ce484222325ULL;
    for (const std::uint32_t v : key) h = (h ^ v) * 0x100000001b3ULL;
    return h;
  }
};

struct unit_counts {
  std::uint64_t stays = 0;
  std::int64_t calendar = 0, business = 0;
};

struct person_counts {
  std::uint64_t actions = 0, taken = 0, tickets = 0, closed = 0;
  [[nodiscard]] bool any() const noexcept { return actions + taken + tickets + closed != 0; }
};

struct backlog_counts {
  std::uint64_t open = 0, overdue = 0, opened = 0, closed = 0;
};

/// Where a ticket sits: its unit's name id and who in it has it.
struct place {
  std::uint32_t unit = 0;  // 0 is "" (interned first)
  std::uint32_t person = none;
};

/// A deadline of the ticket being walked.
struct deadline_state {
  std::uint32_t slot = 0;
  std::optional<timestamp> breached;  // breached and not stopped since
  bool counted = false;               // its breach counted as due in the period
};

/// The rows an event or a ticket counts into: all tickets, its group, its
/// owner's.
struct sinks {
  std::array<row_counts*, 3> rows{};
  std::size_t n = 0;
  template <class F>
  void each(F&& f) const {
    for (std::size_t i = 0; i < n; ++i) f(*rows[i]);
  }
};

// Of an event or an event_view: the walk reads both alike.
// Digits alone, the engine's way of writing a number of seconds, are read
// here without parse_integer's call (which reads them alike).
template <class Event>
[[gnu::always_inline]] inline std::optional<std::int64_t> seconds_of(const Event& e,
                                                                     std::string_view key) {
  const auto text = find(e, key);
  if (!text) return std::nullopt;
  if (!text->empty() && text->size() <= 18) {  // 18 digits: below 2^63
    std::uint64_t v = 0;
    bool digits = true;
    for (const char c : *text) {
      const auto d = static_cast<unsigned char>(c - '0');
      if (d > 9) {
        digits = false;
        break;
      }
      v = v * 10 + d;
    }
    if (digits) return static_cast<std::int64_t>(v);
  }
  return tierflow::detail::parse_integer(*text);
}

inline bool is_person(std::string_view actor) { return !actor.empty() && actor != "system"; }

/// True when `e` is of a kind the outcome records always extend but lacks
/// their keys: written by a tierflow older than them. Moves are not asked:
/// the engine records unit time on a move only when it leaves a unit (not
/// during a handoff, not to the same unit).
template <class Event>
bool lacks_outcome_keys(const Event& e) {
  switch (e.type) {
    case event_type::transitioned: return !find(e, detail_key::state_calendar_seconds);
    case event_type::accepted:
      return find(e, detail_key::owner) == detail_value::yes &&
             !find(e, detail_key::wait_calendar_seconds);
    case event_type::closed: return !find(e, detail_key::ticket_calendar_seconds);
    default: return false;
  }
}

}  // namespace detail

/// Everything an accumulator holds between add() calls.
struct accumulator::state {
  using row_counts = detail::row_counts;
  using sinks = detail::sinks;
  using place = detail::place;
  using deadline_state = detail::deadline_state;
  using unit_counts = detail::unit_counts;
  using person_counts = detail::person_counts;
  using backlog_counts = detail::backlog_counts;
  using interner = detail::interner;
  using key_hash = detail::key_hash;
  static constexpr std::uint32_t none = detail::none;

  options opts;
  std::vector<double> weights;
  // The detail key of each classification group key ("class.NAME"), ""
  // for the other kinds.
  std::vector<std::string> class_keys;
  // "class.callback": the classification callbacks are recorded in (a
  // constant, so that detail::find compares it as one).
  static constexpr std::string_view callback_key = "class.callback";
  static_assert(callback_key.substr(0, detail_key::classification_prefix.size()) ==
                    detail_key::classification_prefix &&
                callback_key.substr(detail_key::classification_prefix.size()) ==
                    callback_classification);

  interner names;  // units, people, regions, workflows, types, class values
  interner deadline_slots;
  std::uint32_t step_slot = 0;
  interner workflow_slots;
  std::vector<bool> records_callback;  // by workflow slot
  // By name id, filled on first use: 1 tier, 2 team, 0 not asked yet; and
  // the ladder level (-1 not on the ladder).
  std::vector<std::int8_t> unit_kind;
  std::vector<std::int32_t> level_of;

  row_counts total;
  std::unordered_map<std::vector<std::uint32_t>, std::uint32_t, key_hash> row_index;
  std::vector<std::vector<std::uint32_t>> row_keys;
  std::deque<row_counts> rows;           // a deque: the walk holds pointers into it
  std::vector<std::uint32_t> owner_row;  // by name id
  std::deque<row_counts> owner_rows;
  std::vector<std::uint32_t> owner_of_row;

  std::vector<std::unordered_map<std::uint32_t, backlog_counts>> backlog;  // by instant, then row
  std::vector<unit_counts> units;                                          // by name id
  std::vector<person_counts> people;                                       // by name id
  std::vector<overdue_ticket> worst;  // a heap, the least overdue on top

  std::uint64_t tickets_read = 0, tickets_in_period = 0, without_outcomes = 0;

  // --- the walk of one ticket (reset per ticket, capacity kept) -------------------
  // What a walk knows of its ticket but its lists: plain values, reset by
  // one assignment.
  struct walk_facts {
    std::uint32_t workflow = 0, workflow_slot = 0, type = 0, region = 0;
    bool lacks_outcomes = false;
    place at;
    std::uint32_t owner = none;
    bool open = false;
    // What the ticket did before the period's end.
    bool in_period = false, opened_in = false, closed_in = false, escalated = false, moved = false,
         bounced = false, repeat = false, reopened = false, callback = false;
    std::optional<std::int64_t> resolve_calendar, resolve_business;
    bool routed = false, taken = false;
    std::uint32_t first_tier = 0, first_team = 0;  // at the first routing, or the first take
    std::int32_t base_level = -2, max_level = -1;  // -2: not set yet
    std::uint32_t escalations = 0;
    std::uint32_t ticket_owner = none, ticket_assignee = none;
    std::ptrdiff_t pending_open_interval = -1;
    sinks here;
    std::uint32_t here_row = none;
  };
  struct walk : walk_facts {
    std::vector<std::uint32_t> class_values;  // by group key; 0 for the other kinds
    std::vector<place> handoffs;              // where each handoff returns to, innermost last
    std::vector<deadline_state> deadlines;
    std::vector<std::uint32_t> left;     // units the ticket has left (bounce)
    std::vector<std::uint32_t> touched;  // people who acted on it in the period

    /// A fresh walk for `groups` group keys that keeps the lists' capacity:
    /// no allocation per ticket.
    void reset(std::size_t groups) {
      static_cast<walk_facts&>(*this) = walk_facts{};
      class_values.assign(groups, 0);
      handoffs.clear();
      deadlines.clear();
      left.clear();
      touched.clear();
    }
  } w;

  state(options o, std::vector<double> wts) : opts(std::move(o)), weights(std::move(wts)) {
    names.id("");
    step_slot = deadline_slots.id("step");
    for (const group_key& k : opts.by)
      class_keys.push_back(k.kind == group_kind::classification
                               ? std::string(detail_key::classification_prefix) + k.name
                               : std::string());
    if (opts.instants.empty()) opts.instants.push_back(opts.to);
    backlog.resize(opts.instants.size());
  }

  // --- names ---------------------------------------------------------------------------

  template <class Event>
  std::uint32_t id_of(const Event& e, std::string_view key) {
    return names.id(detail::find(e, key).value_or(""));
  }
  /// id_of through the memo of the place asking.
  template <class Event>
  [[gnu::always_inline]] std::uint32_t id_of(const Event& e, std::string_view key,
                                             detail::name_memo& at_site) {
    return detail::remembered(names, at_site, detail::find(e, key).value_or(""));
  }
  // One memo per place of the walk that looks a name up (see name_memo).
  struct memos {
    detail::name_memo workflow, workflow_slot, type, region, unit, person, to_unit, from_unit,
        to_tier, from_tier, deadline, actor;
  } memo;

  void grow_caches() {
    if (unit_kind.size() < names.size()) {
      unit_kind.resize(names.size(), 0);
      level_of.resize(names.size(), -1);
    }
  }
  bool is_team(std::uint32_t unit) {
    if (opts.org == nullptr || unit == 0) return false;
    grow_caches();
    if (unit_kind[unit] == 0) {
      const std::string& n = names.name(unit);
      unit_kind[unit] = opts.org->find_team(n) != nullptr ? 2 : 1;
      if (const tier* t = opts.org->find_tier(n))
        level_of[unit] = static_cast<std::int32_t>(t->level);
    }
    return unit_kind[unit] == 2;
  }
  std::int32_t level(std::uint32_t tier_id) {
    if (opts.org == nullptr || tier_id == 0) return -1;
    (void)is_team(tier_id);
    return level_of[tier_id];
  }

  /// The tier and team the ticket is with now: during a handoff the tier it
  /// came from stays accountable (the outermost frame) and the team works it.
  std::pair<std::uint32_t, std::uint32_t> tier_team() {
    if (!is_team(w.at.unit)) return {w.at.unit, 0};
    std::uint32_t tier_id = 0;
    if (!w.handoffs.empty() && !is_team(w.handoffs.front().unit)) tier_id = w.handoffs.front().unit;
    return {tier_id, w.at.unit};
  }

  // --- rows ----------------------------------------------------------------------------

  std::vector<std::uint32_t> key_scratch;

  std::uint32_t row_of(std::uint32_t tier_id, std::uint32_t team, std::uint32_t owner,
                       std::uint32_t assignee) {
    if (opts.by.empty()) return none;
    key_scratch.resize(opts.by.size());
    for (std::size_t i = 0; i < opts.by.size(); ++i) {
      std::uint32_t& v = key_scratch[i];
      switch (opts.by[i].kind) {
        case group_kind::workflow: v = w.workflow; break;
        case group_kind::ticket_type: v = w.type; break;
        case group_kind::tier: v = tier_id; break;
        case group_kind::team: v = team; break;
        case group_kind::region: v = w.region; break;
        case group_kind::owner: v = owner == none ? 0 : owner; break;
        case group_kind::assignee: v = assignee == none ? 0 : assignee; break;
        case group_kind::classification: v = w.class_values[i]; break;
      }
    }
    // Lookups mostly ask for one of the last few rows (a ticket starts
    // unrouted, then moves to its tier): a comparison or two, no hash.
    // Compared in place: a key is a few numbers, fewer than memcmp's call costs.
    const auto same_key_ids = [&](const std::vector<std::uint32_t>& key) {
      for (std::size_t i = 0; i < key.size(); ++i)
        if (key[i] != key_scratch[i]) return false;
      return true;
    };
    for (const recent_row& r : recent_rows)
      if (r.row != none && same_key_ids(r.key)) return r.row;
    std::uint32_t row = none;
    if (const auto it = row_index.find(key_scratch); it != row_index.end()) {
      row = it->second;
    } else {
      row = static_cast<std::uint32_t>(rows.size());
      rows.emplace_back();
      row_keys.push_back(key_scratch);
      row_index.emplace(key_scratch, row);
    }
    recent_row& replaced = recent_rows[next_recent_row];
    next_recent_row = (next_recent_row + 1) % recent_rows.size();
    replaced.key.assign(key_scratch.begin(), key_scratch.end());
    replaced.row = row;
    return row;
  }
  struct recent_row {
    std::vector<std::uint32_t> key;
    std::uint32_t row = none;
  };
  std::array<recent_row, 4> recent_rows;
  std::size_t next_recent_row = 0;

  row_counts* owner_rows_of(std::uint32_t person) {
    if (person == none || person == 0) return nullptr;
    if (owner_row.size() <= person) owner_row.resize(names.size(), none);
    if (owner_row[person] == none) {
      owner_row[person] = static_cast<std::uint32_t>(owner_rows.size());
      owner_rows.emplace_back();
      owner_of_row.push_back(person);
    }
    return &owner_rows[owner_row[person]];
  }

  sinks sinks_of(std::uint32_t row, std::uint32_t owner) {
    sinks s;
    s.rows[s.n++] = &total;
    if (row != none) s.rows[s.n++] = &rows[row];
    if (row_counts* o = owner_rows_of(owner)) s.rows[s.n++] = o;
    return s;
  }

  /// Where the ticket's events count from now on (after it moved or was taken).
  void refresh_here() {
    const auto [tier_id, team] = tier_team();
    w.here_row = row_of(tier_id, team, w.owner, w.at.person);
    w.here = sinks_of(w.here_row, w.owner);
  }

  unit_counts& unit_at(std::uint32_t unit) {
    if (units.size() <= unit) units.resize(names.size());
    return units[unit];
  }
  person_counts& person_at(std::uint32_t person) {
    if (people.size() <= person) people.resize(names.size());
    return people[person];
  }

  deadline_state& deadline_of(std::uint32_t slot) {
    for (deadline_state& d : w.deadlines)
      if (d.slot == slot) return d;
    w.deadlines.push_back({slot, std::nullopt, false});
    return w.deadlines.back();
  }

  // --- the walk ------------------------------------------------------------------------

  // Of events or event_views (accumulator::add's two overloads): the
  // walk reads both alike.
  template <class Event>
  result<void> add(std::span<const Event> trail);
  template <class Event>
  void begin(std::span<const Event> trail);
  template <class Event>
  void apply(const Event& e);
  void snapshot(std::size_t instant);
  template <class Event>
  void end(const Event& opened);
  template <class Event>
  void note_overdue(const Event& opened);

  void touch(std::uint32_t person) {
    if (std::find(w.touched.begin(), w.touched.end(), person) == w.touched.end())
      w.touched.push_back(person);
  }
  template <class Event>
  std::uint32_t actor_id(const Event& e) {
    // The same few people act ticket after ticket: mostly no lookup.
    return detail::remembered(names, memo.actor, e.actor_id);
  }

  /// Moves the ticket into `unit`: a bounce when it had left that unit
  /// before, unless this is a handoff's designed return.
  void enter(std::uint32_t unit, bool designed_return, bool before_to) {
    const std::uint32_t from = w.at.unit;
    if (!designed_return && before_to && unit != from &&
        std::find(w.left.begin(), w.left.end(), unit) != w.left.end())
      w.bounced = true;
    if (from != 0 && from != unit && std::find(w.left.begin(), w.left.end(), from) == w.left.end())
      w.left.push_back(from);
    w.at = {unit, none};
  }

  template <class Event>
  void count_stay(const Event& e, std::uint32_t unit_left) {
    const auto c = detail::seconds_of(e, detail_key::unit_calendar_seconds);
    const auto b = detail::seconds_of(e, detail_key::unit_business_seconds);
    if (!c || !b || unit_left == 0) return;
    unit_counts& u = unit_at(unit_left);
    ++u.stays;
    u.calendar += *c;
    u.business += *b;
  }

  /// The backlog interval `t` falls in: [from, instant 0], then (instant
  /// k−1, instant k]; none after the last instant.
  std::optional<std::size_t> interval_of(timestamp t) const {
    if (t < opts.from) return std::nullopt;
    const auto k = static_cast<std::size_t>(
        std::lower_bound(opts.instants.begin(), opts.instants.end(), t) - opts.instants.begin());
    if (k == opts.instants.size()) return std::nullopt;
    return k;
  }
  backlog_counts& backlog_at(std::size_t instant, std::uint32_t row) {
    return backlog[instant][row];
  }
};

}  // namespace tierflow::kpi
