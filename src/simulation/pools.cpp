// SPDX-License-Identifier: MIT
// Staff and pools. See pools.hpp.
#include "simulation/pools.hpp"

namespace tierflow::sim::detail {

bool region_split(const organisation& org, std::string_view unit) noexcept {
  if (const tier* t = org.find_tier(unit)) return t->by_region;
  if (const team* t = org.find_team(unit)) return t->by_region;
  return false;
}

const calendar* find_calendar(const scenario& sc, const organisation& org,
                              std::string_view id) noexcept {
  for (const auto& c : sc.calendars)
    if (c.id == id) return &c;
  return org.find_calendar(id);
}

result<staff> make_staff(const scenario& sc, const organisation& org,
                         const std::vector<std::string>& ids) {
  staff out;
  // First the pools, so that their indices follow (role, region) order.
  struct planned {
    const staff_group* group;
    std::string region;
    std::uint32_t count;
  };
  std::vector<planned> plan;
  for (const auto& g : sc.staff) {
    const role* r = org.find_role(g.role);
    if (r == nullptr) return fail(errc::invalid_argument, "staff: unknown role '" + g.role + "'");
    if (!g.calendar.empty() && find_calendar(sc, org, g.calendar) == nullptr)
      return fail(errc::invalid_argument,
                  "staff of " + g.role + ": unknown calendar '" + g.calendar + "'");
    if (region_split(org, r->unit)) {
      for (const auto& region : org.regions) {
        std::uint32_t n = g.count;
        for (const auto& [name, count] : g.regions)
          if (name == region.id) n = count;
        plan.push_back({&g, region.id, n});
      }
    } else {
      plan.push_back({&g, "", g.count});
    }
  }
  for (const auto& p : plan) out.pool_of.emplace(std::make_pair(p.group->role, p.region), 0);
  for (auto& [key, index] : out.pool_of) {
    index = static_cast<std::uint32_t>(out.pools.size());
    pool pl{.stats = {},
            .region_split = false,
            .people = {},
            .waiting = ticket_queue(later_entry{&ids}),
            .idle = {},
            .queued = 0,
            .on_shift = 0,
            .busy = 0,
            .waits = {}};
    pl.stats.role = key.first;
    pl.stats.unit = org.find_role(key.first)->unit;
    pl.stats.region = key.second;
    pl.region_split = region_split(org, pl.stats.unit);
    out.pools.push_back(std::move(pl));
  }
  for (const auto& p : plan) {
    const std::uint32_t index = out.pool_of.at({p.group->role, p.region});
    pool& pl = out.pools[index];
    const calendar* shifts =
        p.group->calendar.empty() ? nullptr : find_calendar(sc, org, p.group->calendar);
    for (std::uint32_t n = 0; n < p.count; ++n) {
      person who{.who = {},
                 .pool = index,
                 .shifts = shifts,
                 .on_shift = false,
                 .busy = false,
                 .ticket = 0,
                 .since = 0,
                 .busy_since = 0,
                 .overtime_since = 0,
                 .idle_since = 0,
                 .own = ticket_queue(later_entry{&ids})};
      const auto number = static_cast<std::uint32_t>(pl.people.size()) + 1;
      who.who.id = p.group->role + (p.region.empty() ? "" : "." + p.region) + "." +
                   std::to_string(number);
      who.who.roles = {p.group->role};
      who.who.region = p.region;
      const auto id = static_cast<std::uint32_t>(out.people.size());
      pl.people.push_back(id);
      out.person_of.emplace(who.who.id, id);
      out.people.push_back(std::move(who));
    }
    pl.stats.people = static_cast<std::uint32_t>(pl.people.size());
  }
  return out;
}

timestamp shift_end(const calendar& cal, timestamp t) noexcept {
  if (cal.always_open) return timestamp::max();
  // A week of spans that run into each other is the longest stretch a real
  // calendar has; past that (a 24x7 written as hours) count it as endless.
  for (int hop = 0; hop < 400; ++hop) {
    const auto day = local_day(t, cal.utc_offset);
    const std::int64_t second = (t + cal.utc_offset - day).count();
    timestamp end = t;
    bool found = false;
    for (const time_span& s : working_spans(cal, day)) {
      if (second >= std::int64_t{s.begin} * 60 && second < std::int64_t{s.end} * 60) {
        end = from_local(day, std::chrono::seconds{std::int64_t{s.end} * 60}, cal.utc_offset);
        found = true;
        break;
      }
    }
    if (!found) return t;  // not working time at t: the shift ended already
    if (!is_working_time(cal, end)) return end;
    t = end;
  }
  return timestamp::max();
}

}  // namespace tierflow::sim::detail
