// SPDX-License-Identifier: MIT
// Fuzzes the engine with command sequences over the shipped workflows. The
// input decodes into up to max_commands commands: open (types, channels,
// customers and attributes, well-formed or not), act (an action of the
// ticket's state by a plausible actor, or anything: unknown actions and
// tickets, strangers, an empty or reserved actor id, stale or future
// versions, long strings, NUL bytes, invalid UTF-8), moving the manual clock
// by varied durations with or without advance(), and queries. After every
// command, for every ticket opened so far:
//   - replay(id) equals view(id), and engine::verify(id) passes;
//   - a refused act changed neither the view nor the version of its ticket
//     (checked when no timer fired inside the call: act first fires the
//     ticket's due timers, which is a change of its own);
//   - an accepted act returned the view the engine then shows.
// A violation aborts, so libFuzzer keeps the input and the replay fails.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tierflow/clock.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/time.hpp>

#include "engine_checks.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace std::chrono_literals;
using tierflow_fuzz::byte_reader;
using tierflow_fuzz::violated;

constexpr std::size_t max_commands = 64;
constexpr std::size_t max_tickets = 12;

/// What the catalog offers to draw from, computed once.
struct vocabulary {
  std::vector<std::string> types;
  std::vector<std::string> channels;
  std::vector<std::string> regions;
  std::vector<std::string> roles;
  std::vector<std::string> actions;  ///< every action id of every workflow
  std::vector<tierflow::actor> people;
};

const vocabulary& words() {
  static const vocabulary v = [] {
    const tierflow::catalog& cat = tierflow_fuzz::shipped_catalog();
    vocabulary out;
    for (const auto& wf : cat.workflows) {
      for (const auto& t : wf.ticket_types) out.types.push_back(t);
      for (const auto& s : wf.states)
        for (const auto& a : s.actions) out.actions.push_back(a.id);
    }
    for (const auto& c : cat.org.channels) out.channels.push_back(c.id);
    for (const auto& r : cat.org.regions) out.regions.push_back(r.id);
    for (const auto& r : cat.org.roles) out.roles.push_back(r.id);
    out.people = tierflow_test::actor_pool(cat.org, true);
    return out;
  }();
  return v;
}

/// A string a hostile or careless host might pass: empty, reserved, long,
/// with NUL bytes, invalid UTF-8, terminal escapes, or the input's own bytes.
std::string odd_string(byte_reader& in) {
  switch (in.below(10)) {
    case 0: return "";
    case 1: return "system";
    case 2: return "~denied";
    case 3: return std::string(tierflow::max_id_bytes + 1, 'x');
    case 4: return std::string(tierflow::max_text_bytes + 1, 'n');
    case 5: return std::string("nul\0inside", 10);
    case 6: return "\xff\xfe invalid \xc3";
    case 7: return "\x1b[31mred\x1b[0m";
    case 8: return std::string(1 + in.below(200), 'a');
    default: return in.bytes();
  }
}

/// A value for an attribute: usually of its declared kind and in bounds,
/// sometimes of the wrong kind, NaN, ±inf, out of bounds or an odd string.
tierflow::value value_for(byte_reader& in, const tierflow::attribute* a) {
  const auto choice = in.below(12);
  if (choice == 0) return std::numeric_limits<double>::quiet_NaN();
  if (choice == 1) return in.byte() % 2 == 0 ? HUGE_VAL : -HUGE_VAL;
  if (choice == 2) return odd_string(in);
  if (choice == 3) return static_cast<std::int64_t>(in.u32()) - 1000;
  if (choice == 4 || a == nullptr) return in.byte() % 2 == 0;
  switch (a->type.kind) {
    case tierflow::value_kind::boolean: return in.byte() % 2 == 0;
    case tierflow::value_kind::integer:
      return static_cast<std::int64_t>(a->type.min.value_or(0)) + static_cast<std::int64_t>(in.below(4));
    case tierflow::value_kind::number: return static_cast<double>(in.u32() % 200000) / 10.0;
    case tierflow::value_kind::string: return std::string(1 + in.below(3), 'c');
    case tierflow::value_kind::enumeration:
      if (a->type.values.empty()) return std::string("none");
      return in.pick(a->type.values);
  }
  return std::string("?");
}

tierflow::attribute_values attributes(byte_reader& in, const std::vector<tierflow::attribute>& schema) {
  tierflow::attribute_values out;
  const std::size_t n = in.below(8);
  for (std::size_t i = 0; i < n; ++i) {
    const bool known = !schema.empty() && in.below(8) != 0;
    const tierflow::attribute* a = known ? &in.pick(schema) : nullptr;
    out.emplace_back(a != nullptr ? a->name : odd_string(in), value_for(in, a));
  }
  return out;
}

class session {
 public:
  session()
      : clock_(tierflow::from_local(std::chrono::year{2026} / std::chrono::November / 24, 9h, 8h)) {
    tierflow::engine_options options;
    options.time_source = &clock_;
    options.sink = &inbox_;
    auto created = tierflow::engine::create(tierflow_fuzz::shipped_catalog(), options);
    if (!created) violated("engine::create: " + created.error().message());
    eng_ = std::move(*created);
  }

  void run(byte_reader& in) {
    for (std::size_t i = 0; i < max_commands && !in.empty(); ++i) {
      switch (in.below(6)) {
        case 0: open(in); break;
        case 1: act(in, true); break;
        case 2: act(in, false); break;
        case 3: move_clock(in, true); break;
        case 4: move_clock(in, false); break;
        default: query(in); break;
      }
      check_all();
      (void)inbox_.drain();
    }
  }

 private:
  void open(byte_reader& in) {
    const vocabulary& w = words();
    const tierflow::catalog& cat = eng_->definitions();
    tierflow::open_request req;
    req.type = in.below(8) != 0 ? in.pick(w.types) : odd_string(in);
    req.channel = in.below(8) != 0 ? in.pick(w.channels) : odd_string(in);
    req.customer_id = in.below(8) != 0 ? "C" + std::to_string(in.below(4)) : odd_string(in);
    req.customer = attributes(in, cat.org.customer_attributes);
    // Most tickets have a region, so that regional queues and their
    // managers come into play (the shipped organisation requires it: the
    // others are refused, which is exercised too).
    if (in.below(8) != 0) {
      std::erase_if(req.customer, [](const auto& kv) { return kv.first == "region"; });
      req.customer.emplace_back("region", in.pick(w.regions));
    }
    if (const auto* wf = cat.workflow_for(req.type, tierflow::local_day(clock_.now(), cat.org.utc_offset)))
      req.fields = attributes(in, wf->fields);
    if (in.below(4) == 0) req.description = odd_string(in);
    if (in.below(4) == 0) req.external_ref = odd_string(in);
    if (in.below(4) == 0) req.opened_by = odd_string(in);
    const auto opened = eng_->open(req);
    if (opened && tickets_.size() < max_tickets) tickets_.push_back(opened->ticket.id);
  }

  void act(byte_reader& in, bool plausible) {
    const vocabulary& w = words();
    tierflow::act_request req;
    const bool known = !tickets_.empty() && in.below(8) != 0;
    req.ticket_id = known ? in.pick(tickets_) : odd_string(in);
    std::optional<tierflow::ticket_view> before;
    if (known) {
      auto v = eng_->view(req.ticket_id);
      if (!v) violated("view of opened ticket " + req.ticket_id + ": " + v.error().message());
      before = std::move(*v);
    }
    if (plausible && before) {
      const tierflow::workflow* wf =
          eng_->definitions().find(before->workflow_id, before->workflow_version);
      const auto s = wf != nullptr ? wf->state_index(before->state) : tierflow::npos;
      if (s != tierflow::npos && !wf->states[s].actions.empty())
        req.action = in.pick(wf->states[s].actions).id;
      else
        req.action = in.pick(w.actions);
      req.by = in.pick(w.people);
      if (in.below(4) == 0) req.by.region = before->region;
      if (in.below(3) == 0) req.note = "called the customer back";
      switch (in.below(4)) {
        case 0: req.expected_version = before->version; break;
        case 1: req.expected_version = before->version - 1; break;
        case 2: req.expected_version = before->version + 1 + in.below(3); break;
        default: break;
      }
    } else {
      req.action = in.below(2) == 0 ? in.pick(w.actions) : odd_string(in);
      req.by.id = in.below(2) == 0 ? in.pick(w.people).id : odd_string(in);
      const std::size_t roles = in.below(4);
      for (std::size_t i = 0; i < roles; ++i)
        req.by.roles.push_back(in.below(2) == 0 ? in.pick(w.roles) : odd_string(in));
      req.by.region = in.below(2) == 0 ? in.pick(w.regions) : odd_string(in);
      if (in.below(2) == 0) req.note = odd_string(in);
      if (in.below(2) == 0) req.expected_version = in.u32();
    }
    const auto fired_before = eng_->stats().timers_fired;
    const auto result = eng_->act(req);
    if (!before) return;
    const auto after = eng_->view(req.ticket_id);
    if (!after) violated("view of " + req.ticket_id + " after act: " + after.error().message());
    if (result) {
      if (!(*result == *after))
        violated("act " + req.action + " on " + req.ticket_id +
                 " returned a view that differs from view()");
      return;
    }
    if (eng_->stats().timers_fired != fired_before) return;  // a change of its own
    if (after->version != before->version)
      violated("refused act '" + req.action + "' on " + req.ticket_id + " (" +
               result.error().message() + ") moved the version from " +
               std::to_string(before->version) + " to " + std::to_string(after->version));
    if (!(*after == *before))
      violated("refused act '" + req.action + "' on " + req.ticket_id + " (" +
               result.error().message() + ") changed the ticket's view");
  }

  void move_clock(byte_reader& in, bool fire) {
    static const std::vector<std::chrono::seconds> steps{
        0s, 1s, 59s, 5min, 15min, 1h, 3h, 8h, 24h, 72h, 24h * 7, 24h * 30};
    clock_.advance(in.pick(steps));
    if (fire) {
      const auto report = eng_->advance();
      if (!report) violated("advance: " + report.error().message());
    }
  }

  void query(byte_reader& in) {
    const vocabulary& w = words();
    switch (in.below(4)) {
      case 0: (void)eng_->queue(in.below(4) == 0 ? odd_string(in) : "regional_account_manager",
                                in.pick(w.regions)); break;
      case 1: (void)eng_->customer_record("C" + std::to_string(in.below(4))); break;
      case 2: (void)eng_->overdue(); break;
      default: (void)eng_->at_risk(std::chrono::hours{static_cast<int>(in.below(48))}); break;
    }
  }

  void check_all() {
    for (const std::string& id : tickets_) {
      const auto live = eng_->view(id);
      if (!live) violated("view " + id + ": " + live.error().message());
      const auto folded = eng_->replay(id);
      if (!folded) violated("replay " + id + ": " + folded.error().message());
      if (!(*live == *folded)) violated("replay " + id + " differs from its view");
      if (const auto ok = eng_->verify(id); !ok) violated("verify " + id + ": " + ok.error().message());
    }
  }

  tierflow::manual_clock clock_;
  tierflow::notification_queue inbox_;
  std::unique_ptr<tierflow::engine> eng_;
  std::vector<std::string> tickets_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  byte_reader in(data, size);
  session s;
  s.run(in);
  return 0;
}
