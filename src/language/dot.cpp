// SPDX-License-Identifier: MIT
// Graphviz export of a workflow. A plain writer rather than Boost's
// write_graphviz: the notes, the start point and per-kind styling are most
// of the output, and a hand-written order keeps the bytes stable for
// golden files.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include <tierflow/dot.hpp>
#include <tierflow/time.hpp>

#include "text/escape.hpp"
#include "text/text.hpp"

namespace tierflow {
namespace {

/// Text for a DOT double-quoted string: quotes and backslashes escaped,
/// line breaks as DOT's centred `\n`.
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  // Each line is made printable first (detail::printable: control
  // characters, C1 controls and invalid UTF-8 as \xNN text, so a workflow's
  // ids cannot smuggle terminal escapes into a viewer), then quoted for DOT.
  std::size_t begin = 0;
  for (;;) {
    const std::size_t nl = text.find('\n', begin);
    std::string line;
    for (const char c : text.substr(begin, nl == std::string_view::npos ? nl : nl - begin))
      if (c != '\r') line += c;
    for (const char c : detail::printable(line)) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    if (nl == std::string_view::npos) break;
    out += "\\n";
    begin = nl + 1;
  }
  return out;
}

std::string q(std::string_view text) { return '"' + escape(text) + '"'; }

using detail::join;

// --- Conditions, as one line of text -----------------------------------------------

std::string value_text(const value& v, value_kind kind) {
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  const auto& s = std::get<std::string>(v);
  // Enum values are identifiers; free text is quoted so spaces stay visible.
  return kind == value_kind::string ? "'" + s + "'" : s;
}

std::string_view op_text(compare_op op) {
  switch (op) {
    case compare_op::eq: return "==";
    case compare_op::ne: return "!=";
    case compare_op::lt: return "<";
    case compare_op::le: return "<=";
    case compare_op::gt: return ">";
    case compare_op::ge: return ">=";
    case compare_op::in: return "in";
  }
  return "==";
}

/// `parent`: the all / any the condition sits in, if any. An operand needs
/// parentheses only inside the other one ("a and (b or c)"); an all inside
/// an all reads the same without them.
std::string condition_text(const condition& c, const condition* parent = nullptr) {
  switch (c.node) {
    case condition::kind::compare: {
      std::vector<std::string> values;
      for (const auto& v : c.operands) values.push_back(value_text(v, c.field_kind));
      const std::string rhs = c.op == compare_op::in ? "[" + join(values, ", ") + "]"
                                                     : (values.empty() ? "" : values.front());
      return fmt::format("{} {} {}", c.field, op_text(c.op), rhs);
    }
    case condition::kind::negate:
      return c.children.empty() ? "never" : "not (" + condition_text(c.children.front()) + ")";
    case condition::kind::all:
    case condition::kind::any: {
      const bool all = c.node == condition::kind::all;
      if (c.children.empty()) return all ? "always" : "never";
      if (c.children.size() == 1) return condition_text(c.children.front(), parent);
      std::vector<std::string> parts;
      for (const auto& child : c.children) parts.push_back(condition_text(child, &c));
      const std::string text = join(parts, all ? " and " : " or ");
      const bool bracket = parent != nullptr && parent->node != c.node;
      return bracket ? "(" + text + ")" : text;
    }
  }
  return "";
}

// --- Notes ---------------------------------------------------------------------------

std::string unit_text(const organisation& org, std::string_view id) {
  std::string out(id);
  if (const tier* t = org.find_tier(id); t != nullptr && t->by_region) out += " (by region)";
  if (const team* t = org.find_team(id); t != nullptr && t->by_region) out += " (by region)";
  return out;
}

std::string deadline_line(const deadline& d) {
  std::string out = d.id + ": ";
  std::vector<std::string> lengths;
  for (const deadline_case& c : d.cases) {
    if (c.when)
      lengths.push_back(c.within.str() + " if " + condition_text(*c.when));
    else
      lengths.push_back((d.cases.size() > 1 ? "else " : "") + c.within.str());
  }
  out += join(lengths, ", ");
  out += d.from.empty() ? " from open" : " from " + d.from;
  out += d.until.empty() ? " to the end" : " until " + join(d.until, " or ");
  if (!d.calendar.empty()) out += " (calendar " + d.calendar + ")";
  return out;
}

std::string routing_line(const routing_rule& r, const organisation& org) {
  return fmt::format("{}: {} → {}", r.id, r.when ? condition_text(*r.when) : "always",
                     unit_text(org, r.assign));
}

std::string trigger_text(const escalation_rule& e) {
  const std::string which = e.deadline == "step" ? "the step limit" : e.deadline;
  switch (e.on) {
    case trigger::open: return "on open";
    case trigger::action: return "on action " + e.action;
    case trigger::warning: return fmt::format("at {}% of {}", e.percent, which);
    case trigger::breach:
      return "on breach of " + which + (e.after ? " + " + e.after->str() : std::string());
  }
  return "";
}

std::string step_text(const escalation_step& s) {
  switch (s.what) {
    case escalation_step::kind::notify: return "notify " + s.target;
    case escalation_step::kind::escalate: return "escalate " + s.target;
    case escalation_step::kind::handoff: return "handoff " + s.target;
    case escalation_step::kind::flag: return "flag " + s.target;
  }
  return "";
}

std::string escalation_line(const escalation_rule& e) {
  std::string out = e.id + ": " + trigger_text(e);
  if (e.when) out += " when " + condition_text(*e.when);
  if (!e.from_tiers.empty()) out += " from [" + join(e.from_tiers, ", ") + "]";
  std::vector<std::string> steps;
  for (const auto& s : e.steps) steps.push_back(step_text(s));
  return out + " → " + join(steps, ", ");
}

/// A note node: a heading and left-justified lines (DOT's `\l`).
void write_note(std::string& out, std::string_view name, std::string_view heading,
                const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  std::string label = escape(heading) + "\\l";
  for (const auto& line : lines) label += "  " + escape(line) + "\\l";
  out += fmt::format("  {} [shape=note, fontsize=9, label=\"{}\"];\n", q(name), label);
}

// --- States and actions ------------------------------------------------------------------

void write_state(std::string& out, const state& s, bool initial) {
  std::string label = escape(s.id);
  if (s.limit) label += "\\nlimit " + s.limit->str();
  if (s.pauses_clock) label += "\\n(clock paused)";
  std::vector<std::string> attrs{"label=\"" + label + "\""};
  if (s.terminal) attrs.emplace_back("shape=doublecircle");
  if (s.pauses_clock) attrs.emplace_back(s.terminal ? "style=dashed" : "style=\"rounded,dashed\"");
  if (initial) attrs.emplace_back("penwidth=2");
  if (!s.description.empty()) attrs.push_back("tooltip=" + q(s.description));
  out += fmt::format("  {} [{}];\n", q(s.id), join(attrs, ", "));
}

void write_action(std::string& out, const state& from, const action& a) {
  std::vector<std::string> flags;
  if (a.claims) flags.emplace_back("claim");
  if (a.needs_note) flags.emplace_back("note");
  std::string label = a.id;
  if (!flags.empty()) label += " (" + join(flags, ", ") + ")";
  label += "\n[" + join(a.by, ", ") + "]";
  std::vector<std::string> style;
  switch (a.effect) {
    case action_effect::none: break;
    case action_effect::handoff:
      label += "\n→ " + a.target;
      style = {"color=blue", "fontcolor=blue"};
      break;
    case action_effect::give_back:
      label += "\n↩ return";
      style = {"color=blue", "fontcolor=blue", "style=dashed"};
      break;
    case action_effect::escalate:
      label += "\n↑ " + a.target;
      style = {"color=red", "fontcolor=red"};
      break;
    case action_effect::reroute:
      label += "\n↺ reroute";
      style = {"color=grey40", "fontcolor=grey40"};
      break;
  }
  // An action without `to` keeps the ticket where it is: a self-loop.
  const std::string& to = a.to.empty() ? from.id : a.to;
  std::vector<std::string> attrs{"label=" + q(label)};
  attrs.insert(attrs.end(), style.begin(), style.end());
  out += fmt::format("  {} -> {} [{}];\n", q(from.id), q(to), join(attrs, ", "));
}

}  // namespace

std::string to_dot(const workflow& wf, const organisation& org) {
  const std::string name = fmt::format("{} v{}", wf.id, wf.version);
  std::string out = fmt::format("digraph {} {{\n", q(name));
  std::string heading = wf.title.empty() ? name : wf.title + "\n" + name;
  heading += fmt::format(", effective {}, calendar {}", format_date(wf.effective), wf.calendar);
  out += fmt::format("  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label={}];\n",
                     q(heading));
  out += "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";

  // State ids are snake_case, so the __ names of the start point and the
  // notes cannot clash with them.
  out += "\n  // States.\n";
  if (wf.initial < wf.states.size()) {
    out += "  \"__start\" [shape=point, width=0.12, label=\"\"];\n";
    out += fmt::format("  \"__start\" -> {};\n", q(wf.states[wf.initial].id));
  }
  for (std::size_t i = 0; i < wf.states.size(); ++i)
    write_state(out, wf.states[i], i == wf.initial);

  out += "\n  // Actions.\n";
  for (const state& s : wf.states)
    for (const action& a : s.actions) write_action(out, s, a);

  std::vector<std::string> lines;
  out += "\n  // Deadlines, routing and escalation rules.\n";
  for (const deadline& d : wf.deadlines) lines.push_back(deadline_line(d));
  write_note(out, "__deadlines", "deadlines", lines);
  lines.clear();
  for (const routing_rule& r : wf.routing) lines.push_back(routing_line(r, org));
  write_note(out, "__routing", "routing (first match wins)", lines);
  lines.clear();
  for (const escalation_rule& e : wf.escalations) lines.push_back(escalation_line(e));
  write_note(out, "__escalations", "escalation rules", lines);
  // Unconnected nodes would share the first rank with the start point and
  // stretch its arrow across the page; the last rank keeps them aside.
  std::vector<std::string> notes;
  if (!wf.deadlines.empty()) notes.emplace_back("\"__deadlines\"");
  if (!wf.routing.empty()) notes.emplace_back("\"__routing\"");
  if (!wf.escalations.empty()) notes.emplace_back("\"__escalations\"");
  if (!notes.empty()) out += "  { rank=sink; " + join(notes, "; ") + "; }\n";
  out += "}\n";
  return out;
}

}  // namespace tierflow
