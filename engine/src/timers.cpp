// Timers, deadline recomputation and compliance (see interpreter.hpp).
#include <algorithm>

#include <boost/json.hpp>

#include "builder.hpp"
#include "casework/interpreter.hpp"

namespace casework {
namespace json = boost::json;
using detail::builder;

namespace {

bool active(const timer_def& t, const detail::env& e) {
  return std::find(t.while_in.begin(), t.while_in.end(), e.s.state) != t.while_in.end() &&
         detail::eval_condition(t.when, e);
}

std::optional<instant> next_due(const timer_def& t, const detail::env& e) {
  if (t.at) {
    auto due = detail::eval_time(*t.at, e);
    if (!due || e.s.fired.count({t.name, *due})) return std::nullopt;
    return due;
  }
  auto from = detail::resolve_anchor(t.every_from, e);
  if (!from) return std::nullopt;
  auto last = e.s.last_fired.find(t.name);
  instant after = last != e.s.last_fired.end() ? std::max(*from, last->second) : *from;
  return e.ctx.calendar.next_daily(after, *t.daily_at);
}

}  // namespace

std::vector<pending_timer> pending_timers(const definition& def, const context& ctx, const case_state& s) {
  std::vector<pending_timer> out;
  if (s.terminal || s.state.empty()) return out;
  detail::env e{def, ctx, s, s.updated_at};
  for (const auto& t : def.timers) {
    if (!active(t, e)) continue;
    if (auto due = next_due(t, e)) out.push_back({t.name, *due, t.rule});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.due < b.due; });
  return out;
}

// The timer's definition, once it is pending for `due` and due by `now`.
expected<const timer_def*> fireable(const definition& def, const context& ctx, const case_state& s,
                                    const std::string& timer, instant due, instant now) {
  const timer_def* t = def.find_timer(timer);
  if (!t) return error(errc::not_found, "'" + timer + "' is not a timer of " + def.name, "timer");
  // What pending_timers would say of this timer alone (names are unique in a definition, so it lists a timer
  // at most once): the other timers' due instants are not worked out.
  detail::env e{def, ctx, s, s.updated_at};
  const bool pending = !s.terminal && !s.state.empty() && active(*t, e) && next_due(*t, e) == due;
  if (!pending)
    return error(errc::failed_precondition, "timer '" + timer + "' is not pending for " + format_utc(due), "timer");
  if (due > now)
    return error(errc::failed_precondition, "timer '" + timer + "' is not due before " + format_utc(due), "timer");
  return t;
}

expected<std::vector<event>> fire_fireable(const definition& def, const context& ctx, const timer_def& t,
                                           case_state&& s, instant due, instant now, case_state* after) {
  const std::string& timer = t.name;
  builder b(def, ctx, std::move(s), now, "timer:" + timer);
  json::object data{{"timer", timer}, {"due", format_utc(due)},
                    {"late_ms", std::chrono::duration_cast<duration>(now - due).count()}};
  // A recurring timer's firings are counted from its last one (next_due): the fold keeps no (timer, due) pair
  // per firing, which an overdue case would otherwise gain every day it stays overdue (R6.7).
  if (!t.at) data["recurring"] = true;
  b.emit(event_type::timer_fired, std::move(data), t.rule);
  if (auto st = b.run(t.actions, due, "timer:" + timer); !st) return st.error();
  return b.take(after);
}

expected<std::vector<event>> fire_timer(const definition& def, const context& ctx, const case_state& s,
                                        const std::string& timer, instant due, instant now, case_state* after) {
  auto t = fireable(def, ctx, s, timer, due, now);
  if (!t) return std::move(t).error();
  return fire_fireable(def, ctx, **t, case_state(s), due, now, after);   // the builder folds into a copy of `s`
}

expected<std::vector<event>> fire_timer(const definition& def, const context& ctx, case_state&& s,
                                        const std::string& timer, instant due, instant now, case_state* after) {
  auto t = fireable(def, ctx, s, timer, due, now);
  if (!t) return std::move(t).error();
  return fire_fireable(def, ctx, **t, std::move(s), due, now, after);
}

expected<std::vector<event>> fire_due_timers(const definition& def, const context& ctx, const case_state& s,
                                             instant until, std::size_t max_fires) {
  std::vector<event> out;
  case_state cur = s;
  for (std::size_t n = 0;; ++n) {
    auto pending = pending_timers(def, ctx, cur);
    if (pending.empty() || pending.front().due > until) return out;
    if (n == max_fires)
      return error(errc::internal, "more than " + std::to_string(max_fires) + " timers fired up to " +
                                       format_utc(until), def.source + ": timers");
    const auto& next = pending.front();
    auto events = fire_timer(def, ctx, cur, next.name, next.due, std::max(next.due, cur.updated_at));
    if (!events) return std::move(events).error();
    for (auto& e : *events) {
      (void)apply(cur, e);
      out.push_back(std::move(e));
    }
  }
}

namespace {
std::string closures_since(const business_calendar& cal, std::uint64_t version) {
  std::string out;
  for (const auto& c : cal.closures()) {
    if (c.version <= version || c.scope != closure_scope::city_wide) continue;
    out += (out.empty() ? "" : "; ") + std::string("city-wide closure on ") + format_day(c.day);
    if (!c.reason.empty()) out += " (" + c.reason + ")";
  }
  return out;
}
}  // namespace

expected<std::vector<event>> recompute_deadlines(const definition& def, const context& ctx, const case_state& s,
                                                 instant now) {
  builder b(def, ctx, s, now, "system:calendar");
  if (s.terminal) return b.take();
  for (const auto& [name, old] : s.deadlines) {
    const deadline_def* d = def.find_deadline(name);
    if (!d) continue;
    std::string basis;
    auto at = detail::eval_time(d->at, b.environment(), &basis);
    if (!at || *at == old.at) continue;
    std::string reason = "calendar version " + std::to_string(old.calendar_version) + " -> " +
                         std::to_string(ctx.calendar.version());
    if (auto why = closures_since(ctx.calendar, old.calendar_version); !why.empty()) reason += ": " + why;
    b.emit(event_type::deadline_set,
           json::object{{"name", name}, {"at", format_utc(*at)}, {"calendar_version", ctx.calendar.version()},
                        {"basis", basis}, {"previous", format_utc(old.at)}, {"reason", reason}},
           d->rule);
  }
  return b.take();
}

std::map<std::string, std::string> compliance(const definition& def, const case_state& s, instant now) {
  std::map<std::string, std::string> out;
  for (const auto& [name, d] : s.deadlines) {
    const deadline_def* dd = def.find_deadline(name);
    std::optional<instant> met;
    auto consider = [&](const std::string& state) {   // the first time the case got there meets it
      auto it = s.first_entered.find(state);
      if (it != s.first_entered.end() && (!met || it->second < *met)) met = it->second;
    };
    if (dd && !dd->met_by.empty()) {
      for (const auto& st : dd->met_by) consider(st);
    } else if (s.terminal) {
      met = s.closed_at;
    }
    if (met) out[name] = *met <= d.at ? "met" : "missed";
    else out[name] = now > d.at ? "missed" : "pending";
  }
  return out;
}

}  // namespace casework
