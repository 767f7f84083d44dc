// SPDX-License-Identifier: MIT
// Authorization. See authorization.hpp.
#include "engine/authorization.hpp"

#include <algorithm>
#include <string>

#include "engine/routing.hpp"
#include "text/text.hpp"

namespace tierflow::detail {

const action* find_action(const state& st, std::string_view id) noexcept {
  // The last of that id, should a state list one twice: as act() always did.
  const action* found = nullptr;
  for (const auto& a : st.actions)
    if (a.id == id) found = &a;
  return found;
}

namespace {

// Rule 7. The value is recorded in the action's event for the reports to
// group by: a value outside the declared set would make a group of its own.
result<void> check_classification(const workflow& wf, const act_request& req, const action& act) {
  const bool actor_gives = !act.classifies.empty() && act.classification_value.empty();
  if (!actor_gives) {
    if (req.classification.empty()) return {};
    return fail(errc::invalid_argument,
                "action '" + act.id + "' takes no classification" +
                    (act.classifies.empty() ? std::string()
                                            : ": it records " + act.classifies + " '" +
                                                  act.classification_value + "' itself") +
                    ", got '" + req.classification + "'");
  }
  const classification* c = wf.find_classification(act.classifies);
  if (req.classification.empty())
    return fail(errc::invalid_argument,
                "action '" + act.id + "' needs a classification: " + act.classifies +
                    (c == nullptr ? std::string() : " (" + join(c->values, ", ") + ")"));
  if (c == nullptr || !c->allows(req.classification))
    return fail(errc::invalid_argument,
                "unknown " + act.classifies + " '" + req.classification + "'" +
                    (c == nullptr ? std::string() : ": expected one of " + join(c->values, ", ")));
  return {};
}

}  // namespace

result<void> authorize(const organisation& org, const ticket_record& rec, const act_request& req,
                       const action* act) {
  // Timers fire whenever the clock passes them, also inside this very call:
  // a version read before they fired is still what the host acted on.
  if (req.expected_version &&
      (*req.expected_version > rec.version || *req.expected_version < rec.last_change_version))
    return fail(errc::conflict,
                "expected version " + std::to_string(*req.expected_version) + ", it is at " +
                    std::to_string(rec.version) +
                    (*req.expected_version > rec.version
                         ? std::string()
                         : " (changed at version " + std::to_string(rec.last_change_version) + ")"));
  if (act == nullptr) {
    const state& st = rec.flow->wf->states[rec.state];
    return fail(errc::not_found,
                "action '" + req.action + "' is not available in state '" + st.id + "'");
  }
  // A role qualifies when the action allows it and, for a region-split
  // unit, the actor serves the ticket's region.
  bool has_role = false, in_region = false;
  for (const auto& role_id : req.by.roles) {
    if (std::find(act->by.begin(), act->by.end(), role_id) == act->by.end()) continue;
    const role* ro = org.find_role(role_id);
    if (ro == nullptr) continue;
    has_role = true;
    if (!region_split(org, ro->unit) || req.by.region == rec.region) in_region = true;
  }
  if (!has_role)
    return fail(errc::permission_denied,
                "actor '" + req.by.id + "' has no role allowed to take '" + act->id + "'");
  if (!in_region)
    return fail(errc::permission_denied, "actor '" + req.by.id + "' serves region '" +
                                             req.by.region + "', the ticket is in region '" +
                                             rec.region + "'");
  // Allowed for this actor in this state, but something it needs is missing.
  if (act->needs_note && req.note.empty())
    return fail(errc::failed_precondition, "action '" + act->id + "' needs a note");
  if (act->effect == action_effect::give_back && rec.handoffs.empty())
    return fail(errc::failed_precondition, "nothing to return: the ticket is not handed off");
  return check_classification(*rec.flow->wf, req, *act);
}

}  // namespace tierflow::detail
