// SPDX-License-Identifier: MIT
// The indicators the manager points score can weigh (the organisation file's
// `manager_points: { weights: … }`): one list, which the loader checks names
// against and the KPI library's kpi::points_indicators() returns.
#pragma once

#include <array>
#include <string_view>

namespace tierflow::detail {

/// The indicators by name, in the order reports show them. The transformer-
/// area manager procedure ([DOC-SHAOYANG-2013 §2.1], workflows/SOURCES.md)
/// scores managers on satisfaction, record quality, outage notices, phone
/// answers and fee collection; these are the ones a ticket trail can give.
inline constexpr std::array<std::string_view, 7> points_indicator_names{
    "on_time_rate",  "first_contact_resolution_rate", "callback_rate", "satisfaction_rate",
    "repeat_rate",   "reopen_rate",                   "escalation_rate"};

/// The largest weight one indicator may have: weights are relative, and a
/// bound keeps a typo (10000 for 1.0000) from drowning the others.
inline constexpr double max_points_weight = 1000;

}  // namespace tierflow::detail
