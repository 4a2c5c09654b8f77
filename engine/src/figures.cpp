// Per-agency figures: histograms, comparison, text form, and the batch-by-batch aggregator (see figures.hpp).
#include "casework/figures.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "casework/interpreter.hpp"

namespace casework {

namespace {

constexpr const char* kDispatch = "dispatch";
constexpr const char* kSigned = "signed";
constexpr const char* kStageTwo = "stage-two";
constexpr const char* kClosed = "closed";
constexpr const char* kReleased = "released";
constexpr const char* kOverdue = "overdue";

std::string_view text(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

using pair_view = std::pair<std::string_view, std::string_view>;
using triple_view = std::tuple<std::string_view, std::string_view, std::string_view>;

agency_figures::pair_key owned(const pair_view& k) { return {std::string(k.first), std::string(k.second)}; }
agency_figures::triple_key owned(const triple_view& k) {
  return {std::string(std::get<0>(k)), std::string(std::get<1>(k)), std::string(std::get<2>(k))};
}

// m[key] for a key of views: found without building the key's strings, which are built only for a new entry.
template <class Map, class View>
typename Map::mapped_type& slot(Map& m, const View& key) {
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(owned(key), typename Map::mapped_type{}).first;
  return it->second;
}

double seconds(duration d) {
  return std::chrono::duration<double>(d).count();
}

template <class Map>
bool same_gauges(const Map& a, const Map& b) {  // a 0 entry is the same as no entry
  auto nonzero = [](const Map& m) {
    Map out;
    for (const auto& [k, v] : m)
      if (v != 0) out.emplace(k, v);
    return out;
  };
  return nonzero(a) == nonzero(b);
}

bool close_enough(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

std::string key_text(const std::string& k) {
  return k;
}
std::string key_text(int k) {
  return std::to_string(k);
}
std::string key_text(const agency_figures::pair_key& k) {
  return k.first + "," + k.second;
}
std::string key_text(const agency_figures::triple_key& k) {
  return std::get<0>(k) + "," + std::get<1>(k) + "," + std::get<2>(k);
}

template <class Map>
void print(std::ostringstream& out, const char* name, const Map& m) {
  for (const auto& [k, v] : m) out << name << "{" << key_text(k) << "} " << v << "\n";
}

void print_histogram(std::ostringstream& out, const std::string& name, const histogram& h) {
  out << name << " count=" << h.count << " sum=" << h.sum << " buckets=[";
  bool first = true;
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    if (h.counts[i] == 0) continue;
    out << (first ? "" : ", ") << "le " << (i < h.bounds.size() ? std::to_string(h.bounds[i]) : "+Inf")
        << ": " << h.counts[i];
    first = false;
  }
  out << "]\n";
}

}  // namespace

std::vector<double> histogram::minutes_to_weeks() {
  constexpr double m = 60, h = 3600, d = 86400;
  return {1 * m, 5 * m, 10 * m, 30 * m, 1 * h, 4 * h, 8 * h, 1 * d, 2 * d, 3 * d, 7 * d, 14 * d, 30 * d};
}

void histogram::observe(double v) {
  if (counts.size() != bounds.size() + 1) counts.resize(bounds.size() + 1);
  auto slot = std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin();  // first bound >= v
  ++counts[static_cast<std::size_t>(slot)];
  sum += v;
  ++count;
}

bool operator==(const histogram& a, const histogram& b) {
  return a.bounds == b.bounds && a.counts == b.counts && a.count == b.count && close_enough(a.sum, b.sum);
}

bool operator==(const agency_figures& a, const agency_figures& b) {
  return a.agency == b.agency && same_gauges(a.open_by_state, b.open_by_state) &&
         same_gauges(a.open_by_item, b.open_by_item) && same_gauges(a.overdue_by_stage, b.overdue_by_stage) &&
         a.oldest_open == b.oldest_open && a.opened_total == b.opened_total &&
         a.closed_total == b.closed_total && a.transitions_total == b.transitions_total &&
         a.notifications_total == b.notifications_total && a.compliance_at_close == b.compliance_at_close &&
         a.signature_latency == b.signature_latency && a.stage_duration == b.stage_duration;
}

std::string to_string(const agency_figures& f) {
  std::ostringstream out;
  out << "agency " << f.agency << "\n";
  print(out, "open_by_state", f.open_by_state);
  print(out, "open_by_item", f.open_by_item);
  print(out, "overdue_by_stage", f.overdue_by_stage);
  out << "oldest_open_created " << (f.oldest_open ? format_utc(*f.oldest_open) : std::string("none")) << "\n";
  print(out, "opened_total", f.opened_total);
  print(out, "closed_total", f.closed_total);
  print(out, "transitions_total", f.transitions_total);
  print(out, "notifications_total", f.notifications_total);
  for (const auto& [k, c] : f.compliance_at_close)
    out << "compliance_at_close{" << key_text(k) << "} met=" << c.met << " missed=" << c.missed << "\n";
  print_histogram(out, "signature_latency", f.signature_latency);
  for (const auto& [stage, h] : f.stage_duration)
    print_histogram(out, "stage_duration{" + std::to_string(stage) + "}", h);
  return out.str();
}

const std::vector<std::string_view>& figures_event_types() {
  static const std::vector<std::string_view> types{event_type::created, event_type::agency_changed,
                                                   event_type::notification, event_type::state_changed};
  return types;
}

figures_aggregator::figures_aggregator(std::string agency, const definition_set& defs) : defs_(&defs) {
  f_.agency = std::move(agency);
}

// Whether count_open reads the same of both: what it counts by and the instant it keeps.
bool figures_aggregator::counts_alike(const case_state& a, const case_state& b) {
  return a.id == b.id && a.terminal == b.terminal && a.agency == b.agency && a.workflow == b.workflow &&
         a.state == b.state && a.item == b.item && a.stage == b.stage && a.created_at == b.created_at;
}

void figures_aggregator::count_open(const case_state& s, int sign, bool instants) {
  if (!open_here(s)) return;
  slot(f_.open_by_state, pair_view(s.workflow, s.state)) += sign;
  slot(f_.open_by_item, pair_view(s.workflow, s.item)) += sign;
  if (s.state == kOverdue) f_.overdue_by_stage[s.stage] += sign;
  if (!instants) return;
  if (sign > 0) {
    open_created_.insert(s.created_at);
  } else if (auto it = open_created_.find(s.created_at); it != open_created_.end()) {
    open_created_.erase(it);
  }
  f_.oldest_open = open_created_.empty() ? std::nullopt : std::optional<instant>(*open_created_.begin());
}

void figures_aggregator::observe(const case_state& before, const case_state& after,
                                 const std::vector<event>& batch) {
  // Gauges: take the case out as it was, put it back as it is. Each side counts only when this agency holds
  // the case on that side, which covers new cases, closings and agency changes alike. A batch that changes
  // nothing the gauges read (a reminder, a note) would take out and put back the same counts: skipped.
  if (!counts_alike(before, after)) {
    // A case open here on both sides, created at the same instant, would leave open_created_ and come back as
    // it was (two tree updates per state change of an open case): only its counts move.
    const bool stays = open_here(before) && open_here(after) && before.created_at == after.created_at;
    count_open(before, -1, !stays);
    count_open(after, +1, !stays);
  }

  const std::string& workflow = after.workflow;
  const bool dispatch = workflow == kDispatch;
  auto was_entered = [&](const char* st) { return before.entered.count(st) > 0; };
  // Where the dispatch stages stood before the batch (stage-two, closed and released are entered at most
  // once).
  bool stage_one_over = was_entered(kStageTwo) || was_entered(kClosed) || was_entered(kReleased);
  bool in_stage_two = was_entered(kStageTwo) && !was_entered(kClosed) && !was_entered(kReleased);
  instant stage_two_from = in_stage_two ? before.entered.at(kStageTwo) : instant{};

  std::string_view holder = before.agency;  // the agency holding the case at each event
  for (const auto& e : batch) {
    if (e.is(event_type::created)) {
      holder = text(e.data, "agency");
      if (holder == f_.agency) ++f_.opened_total[workflow];
      continue;
    }
    if (e.is(event_type::agency_changed)) {
      holder = text(e.data, "to");
      continue;
    }
    const bool mine = holder == f_.agency;
    if (e.is(event_type::notification)) {
      if (!mine) continue;
      auto* channels = e.data.if_contains("channels");
      if (!channels || !channels->is_array()) continue;
      auto kind = text(e.data, "kind");
      for (const auto& c : channels->get_array())
        if (c.is_string()) ++slot(f_.notifications_total, pair_view(kind, c.get_string()));
      continue;
    }
    if (!e.is(event_type::state_changed)) continue;
    auto to = text(e.data, "to");
    if (mine) ++slot(f_.transitions_total, triple_view(workflow, text(e.data, "from"), to));
    if (!dispatch) continue;
    if (to == kSigned && mine) f_.signature_latency.observe(seconds(e.at - after.created_at));
    if (to == kStageTwo || to == kClosed || to == kReleased) {
      if (!stage_one_over) {
        stage_one_over = true;
        if (mine) f_.stage_duration[1].observe(seconds(e.at - after.created_at));
      } else if (in_stage_two && to != kStageTwo) {
        if (mine) f_.stage_duration[2].observe(seconds(e.at - stage_two_from));
        in_stage_two = false;
      }
      if (to == kStageTwo) {
        in_stage_two = true;
        stage_two_from = e.at;
      }
    }
  }

  // Closing counts for the agency the closed case stays with (a terminal case changes no more). Deadlines are
  // judged at closed_at, on the case as the closing batch left it.
  if (after.terminal && !before.terminal && after.agency == f_.agency) {
    ++f_.closed_total[workflow];
    auto def = defs_->find(workflow, after.definition_version);
    if (!def) def = defs_->latest(workflow);
    if (def) {
      for (const auto& [name, verdict] : compliance(*def, after, after.closed_at)) {
        if (verdict == "met")
          ++slot(f_.compliance_at_close, triple_view(workflow, after.item, name)).met;
        else if (verdict == "missed")
          ++slot(f_.compliance_at_close, triple_view(workflow, after.item, name)).missed;
      }
    }
  }
}

}  // namespace casework
