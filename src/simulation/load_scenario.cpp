// SPDX-License-Identifier: MIT
// Simulation scenario files (tierflow/simulation.hpp) to sim::scenario: the
// top-level keys, the report, calendars, customers, demand and surges here;
// staff, handling, decisions and waits in load_work.cpp, values and
// distributions in load_values.cpp, CSV files in load_csv.cpp, the checks
// that the run can make sense in load_feasibility.cpp. Every problem is a
// diagnostic at the node it is about, all of a file reported, sorted.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <limits>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/kpi.hpp>
#include <tierflow/simulation.hpp>

#include "language/load_common.hpp"
#include "language/load_ticket.hpp"
#include "language/load_yaml.hpp"
#include "language/messages.hpp"
#include "language/read_source.hpp"
#include "simulation/load_messages.hpp"
#include "simulation/load_parts.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail::sim_loading {

namespace {

constexpr std::array<std::string_view, 7> weekday_names{"mon", "tue", "wed", "thu",
                                                        "fri", "sat", "sun"};

std::optional<std::size_t> weekday_index(std::string_view text) {
  for (std::size_t i = 0; i < weekday_names.size(); ++i)
    if (weekday_names[i] == text) return i;
  return std::nullopt;
}

/// `report: { by: [KEY, …], sample_every: DURATION }`.
void read_report(context& cx, const yaml_node& n, scenario& out) {
  reader& r = cx.r;
  if (!r.expect(n, yaml_node::kind::mapping, detail::quoted("report"))) return;
  const mapping_fields keys = check_keys(r, n, {"by", "sample_every"}, {});
  if (const yaml_node* by = keys["by"]) {
    if (const auto* items = sequence(r, *by, detail::quoted("by"), false)) {
      out.report_by.clear();
      std::set<std::string> seen;
      for (const yaml_node& item : *items) {
        const auto text = scalar(r, item, "an entry of 'by'");
        if (!text) continue;
        if (text->empty() || text->find(',') != std::string::npos) {
          r.error(item, sim_msg::group_keys(fmt::format("'{}' is not one key", *text)));
          continue;
        }
        auto keys_of = kpi::parse_group_keys(*text);
        if (!keys_of) {
          r.error(item, sim_msg::group_keys(keys_of.error().message()));
          continue;
        }
        if (!seen.insert(*text).second) {
          r.error(item, msg::duplicate("group key", *text));
          continue;
        }
        // A classification nobody records would make a column of blanks.
        if (keys_of->size() == 1 && keys_of->front().kind == kpi::group_kind::classification) {
          std::vector<std::string> names;
          for (const workflow& w : cx.cat.workflows)
            for (const classification& c : w.classifications) names.push_back(c.id);
          const std::string& name = keys_of->front().name;
          if (std::find(names.begin(), names.end(), name) == names.end()) {
            r.error(item, sim_msg::unknown_classification(name, did_you_mean(name, names)));
            continue;
          }
        }
        for (auto& k : *keys_of) out.report_by.push_back(std::move(k));
      }
    }
  }
  if (const yaml_node* every = keys["sample_every"]) {
    if (const auto s = duration_seconds(r, *every, detail::quoted("sample_every"))) {
      if (*s < 60 || *s > 7 * 86'400 || *s != static_cast<double>(static_cast<long long>(*s)))
        r.error(*every, sim_msg::out_of_range("'sample_every'", "whole seconds from 1m to 7d",
                                              every->text));
      else
        out.sample_every = std::chrono::seconds{static_cast<long long>(*s)};
    }
  }
}

/// `calendars: { NAME: calendar }`, the organisation file's syntax.
void read_calendars(context& cx, const yaml_node& n, scenario& out) {
  reader& r = cx.r;
  if (!r.expect(n, yaml_node::kind::mapping, detail::quoted("calendars"))) return;
  for (const yaml_entry* e : scalar_keyed(r, n)) {
    if (cx.cat.org.find_calendar(e->key.text) != nullptr) {
      r.error(e->key, sim_msg::calendar_redefined(e->key.text));
      continue;
    }
    out.calendars.push_back(load_calendar(r, *e, cx.cat.org.utc_offset));
  }
}

/// One segment: `{ count, regions, attributes }`.
segment read_segment(context& cx, const yaml_entry& e) {
  reader& r = cx.r;
  const organisation& org = cx.cat.org;
  segment out;
  out.where = r.pos(e.key);
  if (auto id = identifier(r, e.key, "a segment's name")) out.id = *id;
  if (!r.expect(e.value, yaml_node::kind::mapping, fmt::format("segment '{}'", out.id))) return out;
  const mapping_fields keys = check_keys(r, e.value, {"count", "regions", "attributes"}, {"count"});
  if (const yaml_node* count = keys["count"])
    if (const auto c = whole_in(r, *count, detail::quoted("count"), 0, max_customers))
      out.count = *c;
  const std::vector<std::string> regions = ids_of(org.regions);
  if (const yaml_node* given = keys["regions"])
    out.regions = read_weights(r, *given, "regions", "region", &regions);
  else
    for (const std::string& region : regions) out.regions.emplace_back(region, 1.0);
  std::set<std::string> generated;
  if (const yaml_node* attrs = keys["attributes"];
      attrs != nullptr &&
      r.expect(*attrs, yaml_node::kind::mapping, detail::quoted("attributes"))) {
    for (const yaml_entry* a : scalar_keyed(r, *attrs)) {
      if (a->key.text == "region") {
        r.error(a->key, sim_msg::region_in_attributes());
        continue;
      }
      generated.insert(a->key.text);
      if (auto g =
              read_generator(r, *a, org.customer_attributes, "customer", "customer attribute", ""))
        out.attributes.push_back(std::move(*g));
    }
  }
  for (const attribute& a : org.customer_attributes)
    if (a.required && a.name != "region" && generated.count(a.name) == 0)
      r.error(e.key, sim_msg::required_not_generated(out.id, a.name));
  return out;
}

/// `customers: { segments: { ID: … }, csv: FILE }`.
void read_customers(context& cx, const yaml_node& n, scenario& out) {
  reader& r = cx.r;
  if (!r.expect(n, yaml_node::kind::mapping, detail::quoted("customers"))) return;
  const mapping_fields keys = check_keys(r, n, {"segments", "csv"}, {});
  if (keys["segments"] == nullptr && keys["csv"] == nullptr)
    r.error(n, "'customers' needs 'segments' or 'csv'");
  std::uint64_t total = 0;
  if (const yaml_node* segments = keys["segments"];
      segments != nullptr &&
      r.expect(*segments, yaml_node::kind::mapping, detail::quoted("segments"))) {
    for (const yaml_entry* e : scalar_keyed(r, *segments)) {
      out.customers.segments.push_back(read_segment(cx, *e));
      total += out.customers.segments.back().count;
    }
  }
  if (const yaml_node* csv = keys["csv"]) {
    if (const auto file = scalar(r, *csv, detail::quoted("csv"))) {
      out.customers.csv = *file;
      if (file->empty())
        r.error(*csv, msg::must_not_be_empty(detail::quoted("csv")));
      else
        out.customers.loaded = read_customers_csv(cx, *csv, *file, out.customers.segments);
      total += out.customers.loaded.size();
    }
  }
  if (total > max_customers) r.error(n, sim_msg::too_many_customers(max_customers));
}

/// Segment ids demand may name: the generated ones and the CSV's labels.
std::vector<std::string> segment_names(const population& p) {
  std::vector<std::string> out;
  for (const segment& s : p.segments) out.push_back(s.id);
  for (const customer& c : p.loaded)
    if (!c.segment.empty() && std::find(out.begin(), out.end(), c.segment) == out.end())
      out.push_back(c.segment);
  return out;
}

/// One demand stream, `TYPE: { … }`.
void read_stream(context& cx, const yaml_entry& e, const std::optional<timestamp>& start,
                 const std::vector<std::string>& calendars, scenario& out) {
  reader& r = cx.r;
  const catalog& cat = cx.cat;
  demand_stream d;
  d.type = e.key.text;
  d.where = r.pos(e.key);
  d.hours.fill(1.0);
  d.weekdays.fill(1.0);
  const workflow* flow = nullptr;
  if (start) {
    flow = pick_workflow(r, e.key, d.type, cat, *start);
  } else {
    for (const workflow& w : cat.workflows)
      if (w.serves(d.type) && (flow == nullptr || w.version > flow->version)) flow = &w;
    if (flow == nullptr) {
      std::vector<std::string> types;
      for (const workflow& w : cat.workflows)
        for (const std::string& t : w.ticket_types) types.push_back(t);
      r.error(e.key, msg::unknown("ticket type", d.type, did_you_mean(d.type, types)));
    }
  }
  if (!r.expect(e.value, yaml_node::kind::mapping, fmt::format("demand '{}'", d.type))) return;
  const mapping_fields keys = check_keys(r, e.value,
                                         {"per_day", "channels", "hours", "weekdays",
                                          "holidays_like", "holidays_from", "segments", "fields"},
                                         {"per_day", "channels"});
  if (const yaml_node* rate = keys["per_day"])
    if (const auto v = number_in(r, *rate, detail::quoted("per_day"), 0, max_per_day, false))
      d.per_day = *v;
  const std::vector<std::string> channels = ids_of(cat.org.channels);
  if (const yaml_node* given = keys["channels"])
    d.channels = read_weights(r, *given, "channels", "channel", &channels);
  if (const yaml_node* hours = keys["hours"]) {
    if (const auto* items = sequence(r, *hours, detail::quoted("hours"), false)) {
      if (items->size() != 24) {
        r.error(*hours, sim_msg::hours_count(items->size()));
      } else {
        bool ok = true;
        double sum = 0;
        for (std::size_t h = 0; h < 24; ++h) {
          const auto w =
              number_in(r, (*items)[h], "an entry of 'hours'", 0, max_profile_weight, false);
          if (!w) {
            ok = false;
            continue;
          }
          d.hours[h] = *w;
          sum += *w;
        }
        if (ok && sum <= 0) r.error(*hours, sim_msg::hours_all_zero());
      }
    }
  }
  if (const yaml_node* week = keys["weekdays"];
      week != nullptr && r.expect(*week, yaml_node::kind::mapping, detail::quoted("weekdays"))) {
    for (const yaml_entry* day : scalar_keyed(r, *week)) {
      const auto index = weekday_index(day->key.text);
      if (!index) {
        r.error(day->key, sim_msg::unknown_weekday(day->key.text,
                                                   did_you_mean(day->key.text, weekday_names)));
        continue;
      }
      if (const auto w = number_in(r, day->value, fmt::format("'{}'", day->key.text), 0,
                                   max_profile_weight, false))
        d.weekdays[*index] = *w;
    }
  }
  if (const yaml_node* like = keys["holidays_like"]) {
    if (const auto text = scalar(r, *like, detail::quoted("holidays_like"))) {
      if (const auto index = weekday_index(*text)) {
        d.holiday_weekday = *index;
        // The holidays of the workflow's calendar unless named.
        if (flow != nullptr) d.holidays_from = flow->calendar;
      } else {
        r.error(*like, sim_msg::unknown_weekday(*text, did_you_mean(*text, weekday_names)));
      }
    }
  }
  if (const yaml_node* from = keys["holidays_from"]) {
    if (const auto text = scalar(r, *from, detail::quoted("holidays_from"))) {
      if (check_reference(r, *from, *text, "calendar", calendars)) d.holidays_from = *text;
      if (keys["holidays_like"] == nullptr)
        r.error(*from, "'holidays_from' goes with 'holidays_like'");
    }
  }
  const std::vector<std::string> segments = segment_names(out.customers);
  if (const yaml_node* given = keys["segments"]) {
    if (const auto* items = sequence(r, *given, detail::quoted("segments"), true)) {
      for (const yaml_node& item : *items) {
        const auto text = scalar(r, item, "an entry of 'segments'");
        if (!text) continue;
        if (std::find(d.segments.begin(), d.segments.end(), *text) != d.segments.end())
          r.error(item, msg::duplicate("segment", *text));
        else if (check_reference(r, item, *text, "segment", segments))
          d.segments.push_back(*text);
      }
    }
  }
  if (const yaml_node* fields = keys["fields"];
      fields != nullptr && r.expect(*fields, yaml_node::kind::mapping, detail::quoted("fields")) &&
      flow != nullptr) {
    for (const yaml_entry* f : scalar_keyed(r, *fields))
      if (auto g = read_generator(r, *f, flow->fields, "ticket", "ticket field",
                                  fmt::format(" of workflow '{}'", flow->id)))
        d.fields.push_back(std::move(*g));
  }
  out.demand.push_back(std::move(d));
}

/// `surges: { ID: { from, to, factor, types, regions } }`.
void read_surges(context& cx, const yaml_node& n, scenario& out) {
  reader& r = cx.r;
  const catalog& cat = cx.cat;
  if (!r.expect(n, yaml_node::kind::mapping, detail::quoted("surges"))) return;
  std::vector<std::string> types;
  for (const workflow& w : cat.workflows)
    for (const std::string& t : w.ticket_types)
      if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
  const std::vector<std::string> regions = ids_of(cat.org.regions);
  for (const yaml_entry* e : scalar_keyed(r, n)) {
    surge s;
    s.where = r.pos(e->key);
    if (auto id = identifier(r, e->key, "a surge's name")) s.id = *id;
    if (!r.expect(e->value, yaml_node::kind::mapping, fmt::format("surge '{}'", s.id))) continue;
    const mapping_fields keys = check_keys(
        r, e->value, {"from", "to", "factor", "types", "regions"}, {"from", "to", "factor"});
    const auto instant = [&](const char* key) -> std::optional<timestamp> {
      const yaml_node* at = keys[key];
      if (at == nullptr) return std::nullopt;
      const auto text = scalar(r, *at, detail::quoted(key));
      if (!text) return std::nullopt;
      const auto t = parse_local_instant(*text, cat.org.utc_offset);
      if (!t) {
        r.error(*at, sim_msg::invalid_instant(*text, format_utc_offset(cat.org.utc_offset)));
        return std::nullopt;
      }
      return *t;
    };
    const auto from = instant("from");
    const auto to = instant("to");
    if (from) s.from = *from;
    if (to) s.to = *to;
    if (from && to && *to <= *from) r.error(*keys["to"], sim_msg::surge_backward());
    if (const yaml_node* factor = keys["factor"])
      if (const auto f = number_in(r, *factor, detail::quoted("factor"), 0, max_factor, true))
        s.factor = *f;
    const auto names = [&](const char* key, const char* what, const std::vector<std::string>& known,
                           std::vector<std::string>& into) {
      const yaml_node* list = keys[key];
      if (list == nullptr) return;
      const auto* items = sequence(r, *list, detail::quoted(key), true);
      if (items == nullptr) return;
      for (const yaml_node& item : *items) {
        const auto text = scalar(r, item, fmt::format("an entry of {}", detail::quoted(key)));
        if (!text) continue;
        if (std::find(into.begin(), into.end(), *text) != into.end()) {
          r.error(item, msg::duplicate(what, *text));
          continue;
        }
        if (check_reference(r, item, *text, what, known)) into.push_back(*text);
      }
    };
    names("types", "ticket type", types, s.types);
    names("regions", "region", regions, s.regions);
    out.surges.push_back(std::move(s));
  }
}

/// The whole file; `out.file` is set by the caller.
void load(context& cx, const yaml_node& root, scenario& out, anchors& at) {
  reader& r = cx.r;
  const mapping_fields top = check_keys(
      r, root,
      {"scenario", "title", "start", "days", "warm_up", "seed", "replications", "report",
       "calendars", "customers", "demand", "surges", "staff", "handling", "decisions", "waits"},
      {"scenario", "start", "days"});
  if (const yaml_node* key = top.key("scenario")) {
    out.where = r.pos(*key);
    if (auto id = identifier(r, *top["scenario"], detail::quoted("scenario"))) out.id = *id;
  }
  if (const yaml_node* title = top["title"])
    if (auto text = bounded_text(r, *title, detail::quoted("title"), max_text_bytes))
      out.title = *text;
  std::optional<timestamp> start;
  if (const yaml_node* day = top["start"]) {
    if (const auto d = date_value(r, *day, detail::quoted("start"))) {
      out.start = *d;
      start = out.run_from(cx.cat.org.utc_offset);
    }
  }
  if (const yaml_node* days = top["days"])
    if (const auto v = whole_in(r, *days, detail::quoted("days"), 1, max_days))
      out.days = static_cast<std::uint32_t>(*v);
  if (const yaml_node* warm = top["warm_up"])
    if (const auto v = whole_in(r, *warm, detail::quoted("warm_up"), 0, max_days))
      out.warm_up_days = static_cast<std::uint32_t>(*v);
  if (const yaml_node* seed = top["seed"])
    if (const auto v =
            whole_in(r, *seed, detail::quoted("seed"), 0,
                     static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))
      out.seed = *v;
  if (const yaml_node* reps = top["replications"])
    if (const auto v = whole_in(r, *reps, detail::quoted("replications"), 1, max_replications))
      out.replications = static_cast<std::uint32_t>(*v);
  out.report_by = {kpi::group_key{kpi::group_kind::tier, {}}};
  if (const yaml_node* report = top["report"]) read_report(cx, *report, out);
  if (const yaml_node* calendars = top["calendars"]) read_calendars(cx, *calendars, out);
  std::vector<std::string> calendar_names = ids_of(cx.cat.org.calendars);
  for (const calendar& c : out.calendars) calendar_names.push_back(c.id);
  if (const yaml_node* customers = top["customers"]) read_customers(cx, *customers, out);
  if (const yaml_node* demand = top["demand"];
      demand != nullptr && r.expect(*demand, yaml_node::kind::mapping, detail::quoted("demand"))) {
    for (const yaml_entry* e : scalar_keyed(r, *demand))
      read_stream(cx, *e, start, calendar_names, out);
  }
  if (const yaml_node* surges = top["surges"]) read_surges(cx, *surges, out);
  if (const yaml_node* staff = top["staff"]) {
    at.staff = r.pos(*top.key("staff"));
    read_staff(cx, *staff, calendar_names, out);
  }
  if (const yaml_node* handling = top["handling"]) read_handling(cx, *handling, out);
  if (const yaml_node* decisions = top["decisions"]) {
    at.decisions = r.pos(*top.key("decisions"));
    read_decisions(cx, *decisions, out, at);
  }
  if (const yaml_node* waits = top["waits"]) read_waits(cx, *waits, out);
}

}  // namespace
}  // namespace tierflow::detail::sim_loading

namespace tierflow::sim {

std::optional<scenario> load_scenario(const source_file& source, const catalog& cat,
                                      diagnostics& diags, const load_limits& limits) {
  namespace sl = detail::sim_loading;
  diagnostics found;
  std::optional<scenario> out;
  try {
    if (const auto tree = detail::read_yaml(source.name, source.text, limits, found)) {
      detail::reader r(source.name, found);
      if (!tree->is_mapping()) {
        r.error(*tree, detail::msg::wrong_kind("a scenario file", "a mapping",
                                               detail::node_kind_name(tree->type)));
      } else {
        scenario sc;
        sc.file = source.name;
        sl::context cx{r, cat, limits, std::filesystem::path(source.name).parent_path(), found};
        sl::anchors at;
        sl::load(cx, *tree, sc, at);
        // The run's feasibility assumes a well-formed scenario.
        if (!found.has_errors()) sl::check_feasibility(r, sc, cat, at);
        out = std::move(sc);
      }
    }
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    found.error(source_pos{source.name, 0, 0}, detail::msg::internal_error(e.what()));
  }
  found.sort();
  diags.append(found);
  if (found.has_errors()) return std::nullopt;
  return out;
}

std::optional<scenario> load_scenario_file(const std::string& path, const catalog& cat,
                                           diagnostics& diags, const load_limits& limits) {
  const auto source = detail::read_source_file(path, diags, limits);
  if (!source) return std::nullopt;
  return load_scenario(*source, cat, diags, limits);
}

}  // namespace tierflow::sim
