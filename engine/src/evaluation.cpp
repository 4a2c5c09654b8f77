#include "evaluation.hpp"

#include <boost/json.hpp>

namespace casework::detail {
namespace json = boost::json;

std::optional<instant> resolve_anchor(const std::string& anchor, const env& e) {
  const std::string_view a = anchor;   // the names after the prefixes are looked up as views, not copies
  if (a == "created") return e.s.created_at == instant{} ? std::nullopt : std::optional<instant>(e.s.created_at);
  if (a == "now") return e.now;
  if (a.substr(0, 8) == "entered:") {
    auto it = e.s.entered.find(a.substr(8));
    return it == e.s.entered.end() ? std::nullopt : std::optional<instant>(it->second);
  }
  if (a.substr(0, 9) == "deadline:") {
    auto it = e.s.deadlines.find(a.substr(9));
    return it == e.s.deadlines.end() ? std::nullopt : std::optional<instant>(it->second.at);
  }
  if (a.substr(0, 6) == "field:") {
    auto* v = find_path(e.s.fields, a.substr(6));
    if (!v || !v->is_string()) return std::nullopt;
    std::string_view text = v->get_string();
    if (auto t = parse_instant(text)) return *t;
    if (auto d = parse_day(text)) return e.ctx.calendar.start_of_day(*d);
  }
  return std::nullopt;
}

namespace {

std::optional<instant> apply_limit(instant t, const limit& l, const business_calendar& cal) {
  return l.wall ? cal.add(t, *l.wall) : cal.working_days_end(t, l.working_days);
}

// `why`, when given, gets the computation's explanation appended (a deadline's basis); timers need none.
std::optional<instant> apply_plus(const time_expr& t, instant base, const env& e, std::string* why) {
  const auto& cal = e.ctx.calendar;
  switch (t.plus) {
    case time_expr::plus_kind::none:
      return base;
    case time_expr::plus_kind::wall:
      if (why)
        *why += " " + std::string(t.wall.negative ? "- " : "+ ") +
                to_string(iso_duration{false, t.wall.days, t.wall.clock});
      return cal.add(base, t.wall);
    case time_expr::plus_kind::working_days:
      if (why) *why += " + " + std::to_string(t.working_days) + " working days (end of day)";
      return cal.working_days_end(base, t.working_days);
    case time_expr::plus_kind::item_limit: {
      const item* it = e.ctx.items.find(e.s.item);
      if (!it) return std::nullopt;
      const limit* l = t.item_limit == "stage_one" ? &it->stage_one : (it->stage_two ? &*it->stage_two : nullptr);
      if (!l) return std::nullopt;
      if (why) *why += " + " + to_string(*l) + " (item " + it->code + " " + t.item_limit + ")";
      return apply_limit(base, *l, cal);
    }
    case time_expr::plus_kind::days_field: {
      auto* v = find_path(e.s.fields, t.days_field);
      if (!v || !(v->is_int64() || v->is_uint64())) return std::nullopt;
      iso_duration d;
      d.days = static_cast<int>(v->to_number<std::int64_t>());
      if (why) *why += " + " + std::to_string(d.days) + " days (" + t.days_field + ")";
      return cal.add(base, d);
    }
  }
  return std::nullopt;
}

instant apply_align(const time_expr& t, instant x, const env& e, std::string* why) {
  const auto& cal = e.ctx.calendar;
  switch (t.align) {
    case time_expr::align_kind::none:
      return x;
    case time_expr::align_kind::next_time: {
      if (why) {
        *why += ", next";
        for (auto tod : t.times) *why += " " + format_time_of_day(tod);
        if (t.working_days_only) *why += " on a working day";
      }
      return cal.next_time_of_day(x, t.times, t.working_days_only);
    }
    case time_expr::align_kind::day_of_month_end:
      if (why) *why += ", end of the next day " + std::to_string(t.day_of_month) + " of a month";
      return cal.next_day_of_month_end(x, t.day_of_month);
    case time_expr::align_kind::same_day_time:
      if (why) *why += ", at " + format_time_of_day(t.times.front()) + " that day";
      return cal.at(cal.day_of(x), t.times.front());
    case time_expr::align_kind::start_of_day:
      if (why) *why += ", start of that day";
      return cal.start_of_day(cal.day_of(x));
    case time_expr::align_kind::end_of_day:
      if (why) *why += ", end of that day";
      return cal.end_of_day(cal.day_of(x));
  }
  return x;
}

}  // namespace

std::optional<instant> eval_time(const time_expr& t, const env& e, std::string* basis) {
  std::optional<instant> base;
  std::string why;   // only when the basis is asked for (formatting it was most of a timer's evaluation)
  for (const auto& a : t.from) {
    if ((base = resolve_anchor(a, e))) {
      if (basis) why = a + " " + e.ctx.calendar.format_local(*base);
      break;
    }
  }
  if (!base) return std::nullopt;
  auto x = apply_plus(t, *base, e, basis ? &why : nullptr);
  if (!x) return std::nullopt;
  auto result = apply_align(t, *x, e, basis ? &why : nullptr);
  if (basis) *basis = std::move(why);
  return result;
}

namespace {
bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}
}  // namespace

bool eval_condition(const condition& c, const env& e) {
  using k = condition::kind;
  switch (c.k) {
    case k::always: return true;
    case k::all:
      for (const auto& x : c.children)
        if (!eval_condition(x, e)) return false;
      return true;
    case k::any:
      for (const auto& x : c.children)
        if (eval_condition(x, e)) return true;
      return false;
    case k::negate: return !eval_condition(c.children.front(), e);
    case k::in_state: return contains(c.names, e.s.state);
    case k::stage: return e.s.stage == c.stage;
    case k::item_has: {
      const item* it = e.ctx.items.find(e.s.item);
      return it && it->stage_two.has_value();
    }
    case k::field_equals: {
      auto* v = find_path(e.s.fields, c.field);
      return v && *v == c.values.front();
    }
    case k::field_in: {
      auto* v = find_path(e.s.fields, c.field);
      return v && std::find(c.values.begin(), c.values.end(), *v) != c.values.end();
    }
    case k::field_set: {
      auto* v = find_path(e.s.fields, c.field);
      return v && !(v->is_string() && v->get_string().empty());
    }
    case k::now_before: {
      auto t = eval_time(*c.time, e);
      return t && e.now < *t;
    }
    case k::now_after: {
      auto t = eval_time(*c.time, e);
      return t && e.now >= *t;
    }
  }
  return false;
}

}  // namespace casework::detail
