// SPDX-License-Identifier: MIT
// Mutation testing of workflow rules. Each mutant is a small edit of one
// rule of one workflow version, applied to a copy of the catalog; the cases
// whose ticket ran on that version run again on the copy, each on a fresh
// engine, so mutants can run side by side on threads.
#include <tierflow/mutation.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <tierflow/event_schema.hpp>

#include "engine/ticket_record.hpp"

namespace tierflow::testing {
namespace {

// Where a comparison sits in a `when` tree: child indices from the root.
using condition_path = std::vector<std::size_t>;

void collect_thresholds(const condition& c, condition_path& path,
                        std::vector<std::pair<condition_path, const condition*>>& out) {
  if (c.node == condition::kind::compare) {
    if (c.op == compare_op::lt || c.op == compare_op::le || c.op == compare_op::gt ||
        c.op == compare_op::ge)
      out.emplace_back(path, &c);
    return;
  }
  for (std::size_t i = 0; i < c.children.size(); ++i) {
    path.push_back(i);
    collect_thresholds(c.children[i], path, out);
    path.pop_back();
  }
}

condition* at_path(condition& root, const condition_path& path) {
  condition* c = &root;
  for (const std::size_t i : path) {
    if (i >= c->children.size()) return nullptr;
    c = &c->children[i];
  }
  return c;
}

// The boundary moves: the value at the threshold itself changes side.
compare_op moved(compare_op op) {
  switch (op) {
    case compare_op::ge: return compare_op::gt;
    case compare_op::gt: return compare_op::ge;
    case compare_op::le: return compare_op::lt;
    case compare_op::lt: return compare_op::le;
    default: return op;
  }
}

workflow* find_workflow(catalog& cat, const std::string& id, std::uint32_t version) {
  for (workflow& w : cat.workflows)
    if (w.id == id && w.version == version) return &w;
  return nullptr;
}

// The tier a swapped tier target becomes: the next one up the ladder, or
// the one below at the top; "" when the ladder has no other.
std::string other_tier(const organisation& org, std::string_view id) {
  for (std::size_t i = 0; i < org.ladder.size(); ++i) {
    if (org.ladder[i].id != id) continue;
    if (i + 1 < org.ladder.size()) return org.ladder[i + 1].id;
    if (i > 0) return org.ladder[i - 1].id;
  }
  return {};
}

// The next team of the organisation's list, wrapping; "" when there is no
// other.
std::string other_team(const organisation& org, std::string_view id) {
  for (std::size_t i = 0; i < org.teams.size(); ++i)
    if (org.teams[i].id == id && org.teams.size() > 1)
      return org.teams[(i + 1) % org.teams.size()].id;
  return {};
}

std::string other_unit(const organisation& org, std::string_view id) {
  if (org.find_tier(id) != nullptr) return other_tier(org, id);
  if (org.find_team(id) != nullptr) return other_team(org, id);
  return {};
}

std::string_view step_verb(escalation_step::kind k) {
  switch (k) {
    case escalation_step::kind::notify: return "notify";
    case escalation_step::kind::escalate: return "escalate";
    case escalation_step::kind::handoff: return "handoff";
    case escalation_step::kind::flag: return "flag";
  }
  return "notify";
}

std::string comparison_text(const condition& c, compare_op op) {
  std::string out = c.field + " " + std::string(to_string(op));
  if (!c.operands.empty()) out += " " + detail::value_text(c.operands.front());
  return out;
}

// A mutant and what run_mutation needs to know about it.
struct made_mutant {
  mutant m;
  /// The rule or deadline it changes: cases whose trail names it are the
  /// likeliest to kill it, so they run first.
  std::string rule;
  /// Only the steps of an escalation rule change (drop_step, swap_target of
  /// a step): a ticket on which the rule never took effect runs exactly as
  /// on the original rules.
  bool steps_only = false;
};

// Builds the mutants of one workflow, each keyed by the position of the
// rule or deadline it belongs to so they can be put in file order.
class mutant_maker {
 public:
  mutant_maker(const organisation& org, const workflow& wf) : org_(org), wf_(wf) {
    prefix_ = wf.id + "@" + std::to_string(wf.version) + ":";
  }

  std::vector<made_mutant> make() {
    for (std::size_t r = 0; r < wf_.routing.size(); ++r) routing_rule_mutants(r);
    for (std::size_t r = 0; r < wf_.escalations.size(); ++r) escalation_rule_mutants(r);
    for (std::size_t d = 0; d < wf_.deadlines.size(); ++d) deadline_mutants(d);
    std::stable_sort(made_.begin(), made_.end(), [](const keyed& a, const keyed& b) {
      return std::tie(a.owner.line, a.owner.column) < std::tie(b.owner.line, b.owner.column);
    });
    std::vector<made_mutant> out;
    out.reserve(made_.size());
    for (keyed& k : made_) out.push_back(std::move(k.m));
    return out;
  }

 private:
  struct keyed {
    source_pos owner;
    made_mutant m;
  };

  void add(const source_pos& owner, mutation_kind kind, std::string rule, std::string detail,
           std::string description, source_pos where, std::function<void(workflow&)> edit) {
    mutant m;
    m.id = prefix_ + std::string(kind_name(kind)) + ":" + rule;
    if (!detail.empty()) m.id += ":" + detail;
    // Ids must be unique: a routing and an escalation rule may share an id,
    // and a rule may compare the same field against the same value twice.
    if (const auto n = ++seen_[m.id]; n > 1) m.id += " (" + std::to_string(n) + ")";
    m.kind = kind;
    m.workflow_id = wf_.id;
    m.workflow_version = wf_.version;
    m.description = std::move(description);
    m.where = std::move(where);
    m.rule_where = owner;
    m.apply = [id = wf_.id, version = wf_.version, edit = std::move(edit)](catalog& cat) {
      if (workflow* w = find_workflow(cat, id, version)) edit(*w);
    };
    const bool steps_only = detail.starts_with("#");
    made_.push_back(keyed{owner, made_mutant{std::move(m), std::move(rule), steps_only}});
  }

  static std::string_view kind_name(mutation_kind k) {
    switch (k) {
      case mutation_kind::negate_condition: return "negate_condition";
      case mutation_kind::move_threshold: return "move_threshold";
      case mutation_kind::swap_target: return "swap_target";
      case mutation_kind::lengthen_deadline: return "lengthen_deadline";
      case mutation_kind::drop_step: return "drop_step";
    }
    return "negate_condition";
  }

  // negate_condition and move_threshold on a rule's `when`; `when_of`
  // finds the same `when` in the copy.
  template <class WhenOf>
  void condition_mutants(const source_pos& owner, const std::string& rule,
                         const std::optional<condition>& when, WhenOf when_of) {
    if (!when) return;
    add(owner, mutation_kind::negate_condition, rule, {}, rule + ": `when` negated", owner,
        [when_of](workflow& w) {
          std::optional<condition>& c = when_of(w);
          if (!c) return;
          condition n;
          n.node = condition::kind::negate;
          n.where = c->where;
          n.children.push_back(std::move(*c));
          c = std::move(n);
        });
    std::vector<std::pair<condition_path, const condition*>> thresholds;
    condition_path path;
    collect_thresholds(*when, path, thresholds);
    for (const auto& [where_in_tree, cmp] : thresholds) {
      const std::string before = comparison_text(*cmp, cmp->op);
      const std::string after =
          std::string(to_string(moved(cmp->op))) +
          (cmp->operands.empty() ? std::string{} : " " + detail::value_text(cmp->operands.front()));
      add(owner, mutation_kind::move_threshold, rule, before, before + " → " + after, cmp->where,
          [when_of, p = where_in_tree](workflow& w) {
            std::optional<condition>& c = when_of(w);
            if (!c) return;
            if (condition* node = at_path(*c, p)) node->op = moved(node->op);
          });
    }
  }

  void routing_rule_mutants(std::size_t r) {
    const routing_rule& rule = wf_.routing[r];
    condition_mutants(rule.where, rule.id, rule.when,
                      [r](workflow& w) -> std::optional<condition>& { return w.routing[r].when; });
    if (const std::string to = other_unit(org_, rule.assign); !to.empty())
      add(rule.where, mutation_kind::swap_target, rule.id, {},
          rule.id + ": assign " + rule.assign + " → " + to, rule.where,
          [r, to](workflow& w) { w.routing[r].assign = to; });
  }

  // What a step's target becomes, or "" when the step has no other target.
  std::string swapped_target(const escalation_step& step) const {
    switch (step.what) {
      case escalation_step::kind::escalate:
        if (step.target == "next")
          // From the bottom of a two-tier ladder "next" is the top anyway.
          return org_.ladder.size() > 2 ? org_.ladder.back().id : std::string{};
        return other_tier(org_, step.target);
      case escalation_step::kind::handoff: return other_team(org_, step.target);
      case escalation_step::kind::notify: return other_unit(org_, step.target);
      case escalation_step::kind::flag: return {};
    }
    return {};
  }

  void escalation_rule_mutants(std::size_t r) {
    const escalation_rule& rule = wf_.escalations[r];
    condition_mutants(
        rule.where, rule.id, rule.when,
        [r](workflow& w) -> std::optional<condition>& { return w.escalations[r].when; });
    for (std::size_t s = 0; s < rule.steps.size(); ++s) {
      const escalation_step& step = rule.steps[s];
      const std::string n = "#" + std::to_string(s + 1);
      const std::string shown = std::string(step_verb(step.what)) + ": " + step.target;
      if (const std::string to = swapped_target(step); !to.empty())
        add(rule.where, mutation_kind::swap_target, rule.id, n,
            rule.id + " step " + n + ": " + shown + " → " + to, step.where,
            [r, s, to](workflow& w) {
              if (s < w.escalations[r].steps.size()) w.escalations[r].steps[s].target = to;
            });
      add(rule.where, mutation_kind::drop_step, rule.id, n,
          rule.id + " step " + n + " (" + shown + ") dropped", step.where, [r, s](workflow& w) {
            auto& steps = w.escalations[r].steps;
            if (s < steps.size()) steps.erase(steps.begin() + static_cast<std::ptrdiff_t>(s));
          });
    }
  }

  void deadline_mutants(std::size_t d) {
    const deadline& dl = wf_.deadlines[d];
    std::string shown;
    bool changes = false;
    for (const deadline_case& c : dl.cases) {
      duration longer = c.within;
      longer.amount = std::min(c.within.amount * 2, max_duration_amount);
      changes = changes || longer.amount != c.within.amount;
      if (!shown.empty()) shown += ", ";
      shown += c.within.str() + " → " + longer.str();
    }
    if (!changes) return;
    add(dl.where, mutation_kind::lengthen_deadline, dl.id, {}, dl.id + ": " + shown, dl.where,
        [d](workflow& w) {
          for (deadline_case& c : w.deadlines[d].cases)
            c.within.amount = std::min(c.within.amount * 2, max_duration_amount);
        });
  }

  const organisation& org_;
  const workflow& wf_;
  std::string prefix_;
  std::map<std::string, std::size_t> seen_;
  std::vector<keyed> made_;
};

// A case of the suite that passed on the original rules.
struct suite_case {
  const scenario_file* file = nullptr;
  const scenario* sc = nullptr;
  std::string workflow_id;
  std::uint32_t workflow_version = 0;
  /// The rules and deadlines its ticket's trail names (routed by, fired,
  /// breached), sorted.
  std::vector<std::string> named;
  bool has_history = false;

  [[nodiscard]] bool names(const std::string& id) const {
    return std::binary_search(named.begin(), named.end(), id);
  }
};

suite_case learn(const scenario_file& f, const scenario& sc, const case_result& r) {
  suite_case c{&f, &sc, r.workflow_id, r.workflow_version, {}, !sc.history.empty()};
  for (const event& e : r.events)
    for (const std::string_view key : {detail_key::rule, detail_key::reason, detail_key::deadline})
      if (const auto v = e.detail(key)) c.named.emplace_back(*v);
  std::sort(c.named.begin(), c.named.end());
  c.named.erase(std::unique(c.named.begin(), c.named.end()), c.named.end());
  return c;
}

// Runs the cases of the mutant's workflow on a mutated copy until one
// fails. Cases whose trail names the mutated rule go first: they are the
// likeliest to fail, and a killed mutant needs no other.
mutant_outcome judge(const catalog& cat, const made_mutant& made,
                     const std::vector<suite_case>& cases) {
  const mutant& m = made.m;
  mutant_outcome out;
  out.subject = m;
  std::vector<const suite_case*> order;
  for (const bool named : {true, false}) {
    for (const suite_case& c : cases) {
      if (c.workflow_id != m.workflow_id || c.workflow_version != m.workflow_version) continue;
      if (c.names(made.rule) != named) continue;
      // The run is deterministic: up to the rule's first firing the mutant
      // runs as the original, and a rule that never took effect on the
      // ticket changes nothing by its steps. History tickets are not in the
      // trail, so a case with history always runs.
      if (!named && made.steps_only && !c.has_history) continue;
      order.push_back(&c);
    }
  }
  if (order.empty()) return out;
  catalog mutated = cat;
  m.apply(mutated);
  for (const suite_case* c : order) {
    if (!run_scenario(mutated, *c->sc, c->file->name).passed()) {
      out.killed = true;
      out.killed_by = case_label(*c->file, *c->sc);
      break;
    }
  }
  return out;
}

std::vector<made_mutant> make_all(const catalog& cat) {
  std::vector<made_mutant> out;
  for (const workflow& wf : cat.workflows) {
    auto made = mutant_maker(cat.org, wf).make();
    std::move(made.begin(), made.end(), std::back_inserter(out));
  }
  return out;
}

}  // namespace

std::string_view to_string(mutation_kind k) noexcept {
  switch (k) {
    case mutation_kind::negate_condition: return "negate condition";
    case mutation_kind::move_threshold: return "move threshold";
    case mutation_kind::swap_target: return "swap target";
    case mutation_kind::lengthen_deadline: return "lengthen deadline";
    case mutation_kind::drop_step: return "drop step";
  }
  return "negate condition";
}

std::size_t mutation_report::killed() const noexcept {
  return static_cast<std::size_t>(std::count_if(outcomes.begin(), outcomes.end(),
                                                [](const mutant_outcome& o) { return o.killed; }));
}

std::size_t mutation_report::equivalent() const noexcept {
  return static_cast<std::size_t>(std::count_if(
      outcomes.begin(), outcomes.end(), [](const mutant_outcome& o) { return o.equivalent; }));
}

std::size_t mutation_report::survived() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(outcomes.begin(), outcomes.end(),
                    [](const mutant_outcome& o) { return !o.killed && !o.equivalent; }));
}

std::vector<mutant> make_mutants(const catalog& cat) {
  std::vector<mutant> out;
  for (made_mutant& made : make_all(cat)) out.push_back(std::move(made.m));
  return out;
}

mutation_report run_mutation(const catalog& cat, const std::vector<scenario_file>& files,
                             const run_options& options) {
  // The unmutated run tells which workflow version each case's ticket ran
  // on. A case that fails already would "kill" every mutant: it is left out.
  std::vector<suite_case> cases;
  for (const scenario_file& f : files) {
    for (const scenario& sc : f.cases) {
      if (!options.filter.empty() && case_label(f, sc).find(options.filter) == std::string::npos)
        continue;
      const case_result r = run_scenario(cat, sc, f.name);
      if (!r.passed() || r.workflow_id.empty()) continue;
      cases.push_back(learn(f, sc, r));
    }
  }
  std::map<std::string, std::string, std::less<>> declared;
  for (const scenario_file& f : files)
    for (const equivalent_mutant& e : f.equivalent) declared.try_emplace(e.mutant, e.why);

  // Only the workflow versions the selected cases ran on: the mutants of a
  // workflow no case runs would all "survive" and say nothing about the
  // tests that were run.
  std::vector<made_mutant> mutants = make_all(cat);
  std::erase_if(mutants, [&](const made_mutant& made) {
    return std::none_of(cases.begin(), cases.end(), [&](const suite_case& c) {
      return c.workflow_id == made.m.workflow_id &&
             c.workflow_version == made.m.workflow_version;
    });
  });
  mutation_report report;
  report.outcomes.resize(mutants.size());
  // Each mutant has its own catalog copy and each case its own engine: the
  // outcomes do not depend on which thread judged which mutant.
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const auto work = [&] {
    try {
      for (std::size_t i = next++; i < mutants.size(); i = next++)
        report.outcomes[i] = judge(cat, mutants[i], cases);
    } catch (...) {
      const std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next = mutants.size();
    }
  };
  const std::size_t threads =
      std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), mutants.size());
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();
  }
  if (failure) std::rethrow_exception(failure);

  for (mutant_outcome& o : report.outcomes) {
    const auto it = declared.find(o.subject.id);
    if (it == declared.end()) continue;
    // `why` is kept even when a case kills the mutant: the declaration is
    // then wrong, and a caller can say so.
    o.why = it->second;
    o.equivalent = !o.killed;
  }
  return report;
}

}  // namespace tierflow::testing
