// SPDX-License-Identifier: MIT
// The indicators of a row as flat named metrics: what tables, CSV, JSON and
// the simulator's averages read. The names and their order are part of the
// interface (workflows/INDICATORS.md lists them): they never change.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/kpi.hpp>

namespace tierflow::kpi {
namespace {

void add_count(std::vector<metric>& out, std::string name, std::uint64_t n) {
  out.push_back({std::move(name), static_cast<double>(n), std::nullopt, std::nullopt});
}

void add_rate(std::vector<metric>& out, std::string name, const rate& r) {
  out.push_back({std::move(name), r.value(), r.numerator, r.denominator});
}

std::optional<double> as_double(const std::optional<std::int64_t>& v) {
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

void add_distribution(std::vector<metric>& out, std::string_view prefix, const distribution& d) {
  const std::string p(prefix);
  add_count(out, p + "count", d.count);
  out.push_back({p + "mean_s", d.mean, std::nullopt, std::nullopt});
  out.push_back({p + "p50_s", as_double(d.p50), std::nullopt, std::nullopt});
  out.push_back({p + "p90_s", as_double(d.p90), std::nullopt, std::nullopt});
  out.push_back({p + "p99_s", as_double(d.p99), std::nullopt, std::nullopt});
  out.push_back({p + "max_s", as_double(d.max), std::nullopt, std::nullopt});
}

}  // namespace

std::vector<metric> metrics(const indicators& v) {
  std::vector<metric> out;
  add_count(out, "opened", v.opened);
  add_count(out, "closed", v.closed);
  add_rate(out, "on_time_rate", v.on_time);
  for (const auto& [id, d] : v.deadlines) {
    add_rate(out, "deadline." + id + ".on_time_rate", d.on_time);
    add_rate(out, "deadline." + id + ".breach_rate", d.breached);
  }
  add_distribution(out, "contact_", v.contact_calendar);
  add_distribution(out, "contact_business_", v.contact_business);
  add_distribution(out, "resolve_", v.resolve_calendar);
  add_distribution(out, "resolve_business_", v.resolve_business);
  add_rate(out, "first_contact_resolution_rate", v.first_contact_resolution);
  add_rate(out, "escalation_rate", v.escalation);
  for (const auto& [level, n] : v.levels_reached)
    add_count(out, "escalation_level." + std::to_string(level), n);
  add_count(out, "handoffs", v.handoffs);
  add_count(out, "returns", v.returns);
  add_rate(out, "bounce_rate", v.bounce);
  add_rate(out, "repeat_rate", v.repeat);
  add_rate(out, "reopen_rate", v.reopen);
  add_rate(out, "callback_rate", v.callback);
  add_rate(out, "satisfaction_rate", v.satisfaction);
  return out;
}

}  // namespace tierflow::kpi
