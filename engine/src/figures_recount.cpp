// recount(): the per-agency figures from complete histories, without the aggregator (see figures.hpp).
//
// Deliberately written apart from figures_aggregator::observe: gauges and closings come from each history's
// final state, everything else from one pass over its events with no knowledge of batches. Agreement of the
// two is what proves a supervisor's figures.
#include "casework/figures.hpp"

#include <boost/json.hpp>

#include "casework/interpreter.hpp"

namespace casework {

namespace {

std::string field_text(const event& e, const char* key) {
  auto* v = e.data.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

double elapsed_seconds(instant from, instant to) {
  return static_cast<double>((to - from).count()) *
         (static_cast<double>(duration::period::num) / static_cast<double>(duration::period::den));
}

// The open-case gauges and the closing figures, from where the case ended up.
void count_final(agency_figures& f, const definition_set& defs, const case_state& s) {
  if (s.agency != f.agency) return;
  if (!s.terminal) {
    ++f.open_by_state[{s.workflow, s.state}];
    ++f.open_by_item[{s.workflow, s.item}];
    if (s.state == "overdue") ++f.overdue_by_stage[s.stage];
    if (!f.oldest_open || s.created_at < *f.oldest_open) f.oldest_open = s.created_at;
    return;
  }
  ++f.closed_total[s.workflow];
  auto def = defs.find(s.workflow, s.definition_version);
  if (!def) def = defs.latest(s.workflow);
  if (!def) return;
  for (const auto& [deadline_name, verdict] : compliance(*def, s, s.closed_at)) {
    if (verdict != "met" && verdict != "missed") continue;  // moot at closing
    auto& c = f.compliance_at_close[{s.workflow, s.item, deadline_name}];
    (verdict == "met" ? c.met : c.missed) += 1;
  }
}

// The dispatch stage clock of one case while its events are scanned.
struct stage_clock {
  instant created{};
  instant stage_two_entered{};
  enum class phase { one, two, done } at = phase::one;

  // Returns the stage that ended by entering `state` at `t`, and its length, if one did.
  std::optional<std::pair<int, double>> enter(const std::string& state, instant t) {
    bool ends_control = state == "closed" || state == "released";
    if (at == phase::one && (state == "stage-two" || ends_control)) {
      at = state == "stage-two" ? phase::two : phase::done;
      stage_two_entered = t;
      return std::make_pair(1, elapsed_seconds(created, t));
    }
    if (at == phase::two && ends_control) {
      at = phase::done;
      return std::make_pair(2, elapsed_seconds(stage_two_entered, t));
    }
    return std::nullopt;
  }
};

// The event-driven figures of one history.
void count_events(agency_figures& f, const std::string& workflow, const std::vector<event>& history) {
  std::string holder;
  stage_clock clock;
  for (const auto& e : history) {
    if (e.type == event_type::created) {
      holder = field_text(e, "agency");
      clock.created = e.at;
      if (holder == f.agency) f.opened_total[workflow] += 1;
    } else if (e.type == event_type::agency_changed) {
      holder = field_text(e, "to");
    } else if (e.type == event_type::notification && holder == f.agency) {
      auto* channels = e.data.if_contains("channels");
      if (!channels || !channels->is_array()) continue;
      for (const auto& c : channels->get_array())
        if (auto* name = c.if_string())
          f.notifications_total[{field_text(e, "kind"), std::string(*name)}] += 1;
    } else if (e.type == event_type::state_changed) {
      auto to = field_text(e, "to");
      if (holder == f.agency) f.transitions_total[{workflow, field_text(e, "from"), to}] += 1;
      if (workflow != "dispatch") continue;
      if (to == "signed" && holder == f.agency)
        f.signature_latency.observe(elapsed_seconds(clock.created, e.at));
      if (auto ended = clock.enter(to, e.at); ended && holder == f.agency)
        f.stage_duration[ended->first].observe(ended->second);
    }
  }
}

bool concerns(const std::string& agency, const std::vector<event>& history) {
  for (const auto& e : history) {
    if (e.type == event_type::created && field_text(e, "agency") == agency) return true;
    if (e.type == event_type::agency_changed &&
        (field_text(e, "from") == agency || field_text(e, "to") == agency))
      return true;
  }
  return false;
}

}  // namespace

agency_figures recount(const std::string& agency, const definition_set& defs,
                       const std::vector<std::vector<event>>& histories) {
  agency_figures f;
  f.agency = agency;
  for (const auto& history : histories) {
    if (!concerns(agency, history)) continue;
    auto final_state = fold(history);
    if (!final_state) continue;
    count_final(f, defs, *final_state);
    count_events(f, final_state->workflow, history);
  }
  return f;
}

}  // namespace casework
