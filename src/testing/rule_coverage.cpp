// SPDX-License-Identifier: MIT
// Rule coverage, measured on the trails the scenario cases left: the trail
// names every routing rule, escalation rule, action and deadline that took
// effect (event_schema.hpp), so coverage needs no hook in the engine.
#include <tierflow/rule_coverage.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/event_schema.hpp>

namespace tierflow::testing {
namespace {

// The items of one workflow version, and where to find each by id.
class tracker {
 public:
  explicit tracker(const workflow& wf) : wf_(&wf) {
    cov_.workflow_id = wf.id;
    cov_.workflow_version = wf.version;
    for (const routing_rule& r : wf.routing)
      routing_.emplace(r.id, add(coverage_kind::routing_rule, r.id, r.where));
    for (const escalation_rule& r : wf.escalations)
      escalation_.emplace(r.id, add(coverage_kind::escalation_rule, r.id, r.where));
    step_items_.resize(wf.escalations.size());
    for (std::size_t i = 0; i < wf.escalations.size(); ++i) {
      const escalation_rule& r = wf.escalations[i];
      for (std::size_t s = 0; s < r.steps.size(); ++s)
        step_items_[i].push_back(add(coverage_kind::escalation_step,
                                     r.id + "#" + std::to_string(s + 1), r.steps[s].where));
    }
    for (const state& s : wf.states)
      state_items_.push_back(add(coverage_kind::state, s.id, s.where));
    // An action offered in several states is one thing to test: counted at
    // its first declaration.
    for (const state& s : wf.states)
      for (const action& a : s.actions)
        if (!actions_.contains(a.id))
          actions_.emplace(a.id, add(coverage_kind::action, a.id, a.where));
    for (const deadline& d : wf.deadlines)
      deadline_items_.push_back(add(coverage_kind::deadline, d.id, d.where));
  }

  // Marks what one case's trail exercised.
  void read(const std::vector<event>& events) {
    // Per case: which deadlines started, and how far into its steps each
    // escalation rule's current firing is.
    std::vector<bool> started(wf_->deadlines.size(), false);
    std::vector<std::size_t> cursor(wf_->escalations.size(), 0);
    for (const event& e : events) {
      switch (e.type) {
        case event_type::opened:
          if (wf_->initial < wf_->states.size()) enter(wf_->initial, started);
          for (std::size_t d = 0; d < wf_->deadlines.size(); ++d)
            if (wf_->deadlines[d].from.empty()) started[d] = true;
          break;
        case event_type::routed:
          if (const auto rule = e.detail(detail_key::rule)) mark(routing_, *rule);
          break;
        case event_type::transitioned:
          if (const auto a = e.detail(detail_key::action)) mark(actions_, *a);
          if (const auto to = e.detail(detail_key::to)) {
            const std::size_t s = wf_->state_index(*to);
            if (s != npos) {
              stop_deadlines(s, started);
              enter(s, started);
            }
          }
          break;
        case event_type::noted:
        case event_type::handed_off:
        case event_type::escalated:
          if (const auto a = e.detail(detail_key::action)) mark(actions_, *a);
          if (const auto rule = e.detail(detail_key::rule)) match_step(*rule, e, cursor);
          break;
        case event_type::returned:
          if (const auto a = e.detail(detail_key::action)) mark(actions_, *a);
          break;
        case event_type::notified:
          if (const auto reason = e.detail(detail_key::reason)) match_step(*reason, e, cursor);
          break;
        case event_type::deadline_breached:
          if (const auto d = e.detail(detail_key::deadline))
            for (std::size_t i = 0; i < wf_->deadlines.size(); ++i)
              if (wf_->deadlines[i].id == *d) cov_.items[deadline_items_[i]].covered = true;
          break;
        default: break;
      }
    }
  }

  [[nodiscard]] workflow_coverage take() && { return std::move(cov_); }

 private:
  std::size_t add(coverage_kind k, std::string id, const source_pos& where) {
    cov_.items.push_back(coverage_item{k, std::move(id), where, false});
    return cov_.items.size() - 1;
  }

  void mark(const std::map<std::string, std::size_t, std::less<>>& index, std::string_view id) {
    if (const auto it = index.find(id); it != index.end()) cov_.items[it->second].covered = true;
  }

  // The engine starts a deadline when its `from` state is first entered
  // (after stopping those that end there: a state may end one and start
  // another).
  void enter(std::size_t s, std::vector<bool>& started) {
    cov_.items[state_items_[s]].covered = true;
    for (std::size_t d = 0; d < wf_->deadlines.size(); ++d)
      if (!wf_->deadlines[d].from.empty() && wf_->deadlines[d].from == wf_->states[s].id)
        started[d] = true;
  }

  void stop_deadlines(std::size_t s, const std::vector<bool>& started) {
    const state& to = wf_->states[s];
    for (std::size_t d = 0; d < wf_->deadlines.size(); ++d) {
      if (!started[d]) continue;
      const deadline& dl = wf_->deadlines[d];
      const bool stops = dl.until.empty()
                             ? to.terminal
                             : std::find(dl.until.begin(), dl.until.end(), to.id) != dl.until.end();
      if (stops) cov_.items[deadline_items_[d]].covered = true;
    }
  }

  // Whether `e`, which names rule `rule_id`, is what `step` emits.
  static bool emitted_by(const escalation_step& step, const event& e) {
    switch (step.what) {
      case escalation_step::kind::flag:
        return e.type == event_type::noted && e.detail(detail_key::flag) == step.target;
      case escalation_step::kind::escalate:
        if (e.type == event_type::escalated)
          return step.target == "next" || e.detail(detail_key::to_tier) == step.target;
        // A move that could not go up is a note without a flag.
        return e.type == event_type::noted && !e.detail(detail_key::flag) &&
               e.detail(detail_key::note).has_value();
      case escalation_step::kind::handoff:
        return e.type == event_type::handed_off && e.detail(detail_key::to_unit) == step.target;
      case escalation_step::kind::notify:
        if (e.type != event_type::notified) return false;
        if (step.target == "owner" || step.target == "assignee")
          return e.detail(detail_key::to) == step.target;
        return e.detail(detail_key::unit) == step.target;
    }
    return false;
  }

  // A step that may leave no trace: notifying the owner of a ticket that has
  // none yet.
  static bool may_be_silent(const escalation_step& step) {
    return step.what == escalation_step::kind::notify && step.target == "owner";
  }

  // A firing emits one event per step, in `do` order, except silent ones:
  // continue the rule's current firing where it stands, or else read the
  // event as the start of a new firing.
  void match_step(std::string_view rule_id, const event& e, std::vector<std::size_t>& cursor) {
    const auto it = escalation_.find(rule_id);
    if (it == escalation_.end()) return;
    std::size_t r = 0;
    while (wf_->escalations[r].id != rule_id) ++r;
    const auto& steps = wf_->escalations[r].steps;
    for (const std::size_t from : {cursor[r], std::size_t{0}}) {
      for (std::size_t s = from; s < steps.size(); ++s) {
        if (emitted_by(steps[s], e)) {
          cov_.items[step_items_[r][s]].covered = true;
          cov_.items[it->second].covered = true;
          cursor[r] = s + 1;
          return;
        }
        if (!may_be_silent(steps[s])) break;
      }
      if (from == 0) return;
    }
  }

  const workflow* wf_;
  workflow_coverage cov_;
  std::map<std::string, std::size_t, std::less<>> routing_, escalation_, actions_;
  std::vector<std::vector<std::size_t>> step_items_;
  std::vector<std::size_t> state_items_;
  std::vector<std::size_t> deadline_items_;
};

}  // namespace

std::size_t workflow_coverage::total(coverage_kind k) const noexcept {
  return static_cast<std::size_t>(std::count_if(
      items.begin(), items.end(), [k](const coverage_item& i) { return i.kind == k; }));
}

std::size_t workflow_coverage::covered(coverage_kind k) const noexcept {
  return static_cast<std::size_t>(
      std::count_if(items.begin(), items.end(),
                    [k](const coverage_item& i) { return i.kind == k && i.covered; }));
}

double workflow_coverage::percent() const noexcept {
  if (items.empty()) return 100.0;
  const auto n =
      std::count_if(items.begin(), items.end(), [](const coverage_item& i) { return i.covered; });
  return static_cast<double>(n) * 100.0 / static_cast<double>(items.size());
}

std::vector<workflow_coverage> measure_coverage(const catalog& cat, const suite_result& result) {
  std::vector<tracker> trackers;
  trackers.reserve(cat.workflows.size());
  for (const workflow& wf : cat.workflows) trackers.emplace_back(wf);
  for (const case_result& c : result.cases) {
    if (c.workflow_id.empty()) continue;
    for (std::size_t i = 0; i < cat.workflows.size(); ++i)
      if (cat.workflows[i].id == c.workflow_id && cat.workflows[i].version == c.workflow_version)
        trackers[i].read(c.events);
  }
  std::vector<workflow_coverage> out;
  out.reserve(trackers.size());
  for (tracker& t : trackers) out.push_back(std::move(t).take());
  return out;
}

double overall_percent(const std::vector<workflow_coverage>& coverage) noexcept {
  std::size_t total = 0;
  std::size_t covered = 0;
  for (const workflow_coverage& w : coverage) {
    total += w.items.size();
    for (const coverage_item& i : w.items) covered += i.covered ? 1 : 0;
  }
  if (total == 0) return 100.0;
  return static_cast<double>(covered) * 100.0 / static_cast<double>(total);
}

}  // namespace tierflow::testing
