// The business calendar: published days, closures, zone conversions and the deadline arithmetic on them.
//
// A calendar value is immutable and shares its published data (`base`) with every calendar derived from it by
// with_closure(), so it can be read from any number of threads without locks. Nothing is cached.
//
// Local times that do not exist or exist twice (daylight-saving transitions; Asia/Taipei has none since 1979,
// but the zone is configurable) are resolved like this: an ambiguous local time is the earliest of its two
// instants; a nonexistent one (inside a gap) is shifted forward by the length of the gap, so 02:30 in a gap
// from 02:00 to 03:00 becomes 03:30. Both are `local - offset before the transition`.
#include "casework/calendar.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <optional>

#include <date/tz.h>

namespace casework {

struct business_calendar::base {
  const date::time_zone* zone = nullptr;  // from date::locate_zone: lives as long as the tz database
  calendar_options options;
  std::vector<calendar_day> days;  // sorted by day, one entry per day
  int first_year = 0;
  int last_year = 0;
};

namespace {

using namespace std::chrono;

bool monday_to_friday(local_day d) {
  date::weekday wd{d};
  return wd != date::Saturday && wd != date::Sunday;
}

int year_of(local_day d) { return static_cast<int>(date::year_month_day{d}.year()); }

// See the file comment for how gaps and overlaps are resolved.
instant to_instant(const date::time_zone* zone, date::local_time<duration> local) {
  auto info = zone->get_info(floor<seconds>(local));
  return instant{local.time_since_epoch() - duration_cast<duration>(info.first.offset)};
}

error bad_definition(std::string field, std::string message) {
  return error(errc::invalid_definition, std::move(message), std::move(field));
}

// Checks the coverage, the office hours and that every day is inside the coverage (by original index).
std::optional<error> check_inputs(const calendar_options& o, const std::vector<calendar_day>& days, int first,
                                  int last) {
  if (first > last) {
    return bad_definition(
        "coverage", "first year " + std::to_string(first) + " is after last year " + std::to_string(last));
  }
  if (o.office_open < time_of_day{0} || o.office_open >= o.office_close || o.office_close > hours{24}) {
    return bad_definition("office_open", "office hours " + format_time_of_day(o.office_open) + "-" +
                                             format_time_of_day(o.office_close) + " are out of order");
  }
  for (std::size_t i = 0; i < days.size(); ++i) {
    int y = year_of(days[i].day);
    if (y < first || y > last) {
      return bad_definition("days[" + std::to_string(i) + "]",
                            format_day(days[i].day) + " is outside the coverage " + std::to_string(first) +
                                ".." + std::to_string(last));
    }
  }
  return std::nullopt;
}

}  // namespace

expected<business_calendar> business_calendar::make(calendar_options options, std::vector<calendar_day> days,
                                                    int first_year, int last_year) {
  if (auto err = check_inputs(options, days, first_year, last_year)) return std::move(*err);
  auto b = std::make_shared<base>();
  try {
    b->zone = date::locate_zone(options.zone);
  } catch (const std::exception&) {
    return bad_definition("zone", "unknown time zone \"" + options.zone + "\"");
  }
  std::stable_sort(days.begin(), days.end(), [](const auto& x, const auto& y) { return x.day < y.day; });
  auto dup = std::adjacent_find(days.begin(), days.end(),
                                [](const auto& x, const auto& y) { return x.day == y.day; });
  if (dup != days.end()) return bad_definition("days", format_day(dup->day) + " is listed twice");
  b->options = std::move(options);
  b->days = std::move(days);
  b->first_year = first_year;
  b->last_year = last_year;
  return business_calendar(std::move(b), {});
}

business_calendar::business_calendar(std::shared_ptr<const base> b, std::vector<closure> closures)
    : base_(std::move(b)), closures_(std::move(closures)) {}

expected<business_calendar> business_calendar::with_closure(closure c) const {
  const char* scope = c.scope == closure_scope::city_wide ? "city-wide" : "partial";
  for (const auto& existing : closures_) {
    if (existing.day == c.day && existing.scope == c.scope) {
      return error(errc::already_exists,
                   format_day(c.day) + " already has a " + scope + " closure (" + existing.reason + ")",
                   "closure.day");
    }
  }
  if (c.scope == closure_scope::city_wide && !is_working_day(c.day)) {
    return error(errc::invalid_argument,
                 format_day(c.day) + " is not a working day: a city-wide closure would change nothing",
                 "closure.day", "R5.5");
  }
  c.version = version() + 1;
  auto closures = closures_;
  closures.push_back(std::move(c));
  return business_calendar(base_, std::move(closures));
}

const calendar_options& business_calendar::options() const { return base_->options; }
std::uint64_t business_calendar::version() const { return closures_.size(); }  // one closure per version
const std::vector<closure>& business_calendar::closures() const { return closures_; }
int business_calendar::first_year() const { return base_->first_year; }
int business_calendar::last_year() const { return base_->last_year; }

bool business_calendar::covers(local_day d) const {
  int y = year_of(d);
  return y >= base_->first_year && y <= base_->last_year;
}

bool business_calendar::is_working_day(local_day d) const {
  if (closure_on(d) != nullptr) return false;
  if (const calendar_day* p = published(d)) return p->working;
  return monday_to_friday(d);  // an unlisted day inside the coverage, or any day outside it
}

const calendar_day* business_calendar::published(local_day d) const {
  const auto& days = base_->days;
  auto it =
      std::lower_bound(days.begin(), days.end(), d, [](const auto& x, local_day v) { return x.day < v; });
  return it != days.end() && it->day == d ? &*it : nullptr;
}

const closure* business_calendar::closure_on(local_day d) const {
  for (const auto& c : closures_) {
    if (c.day == d && c.scope == closure_scope::city_wide) return &c;
  }
  return nullptr;
}

local_day business_calendar::day_of(instant t) const { return floor<date::days>(base_->zone->to_local(t)); }

time_of_day business_calendar::time_of(instant t) const {
  auto local = base_->zone->to_local(t);
  return floor<minutes>(local - floor<date::days>(local));
}

instant business_calendar::at(local_day d, time_of_day t) const {
  return to_instant(base_->zone, date::local_time<duration>{d.time_since_epoch() + t});
}

std::string business_calendar::format_local(instant t) const {
  auto offset = duration_cast<minutes>(base_->zone->get_info(floor<seconds>(t)).offset);
  std::string text = format_utc(t + offset);  // the local wall time, then the offset instead of "Z"
  text.pop_back();
  auto abs = (offset < minutes{0} ? -offset : offset).count();
  auto hours = abs / 60 % 100, mins = abs % 60;   // (a zone's offset is under 24 hours)
  const char sign_hh_mm[] = {offset < minutes{0} ? '-' : '+',
                             static_cast<char>('0' + hours / 10), static_cast<char>('0' + hours % 10), ':',
                             static_cast<char>('0' + mins / 10), static_cast<char>('0' + mins % 10)};
  text.append(sign_hh_mm, sizeof sign_hh_mm);
  return text;
}

instant business_calendar::add(instant t, const iso_duration& d) const {
  const int sign = d.negative ? -1 : 1;
  if (d.days != 0) {
    auto local = base_->zone->to_local(t);  // same local time, `days` civil days later (or earlier)
    t = to_instant(base_->zone, local + date::days{sign * d.days});
  }
  return t + sign * d.clock;
}

// n < 1 returns `d` itself (there is no 0th working day after d).
local_day business_calendar::nth_working_day_after(local_day d, int n) const {
  for (int found = 0; found < n;) {
    d += date::days{1};
    if (is_working_day(d)) ++found;
  }
  return d;
}

instant business_calendar::working_days_end(instant t, int n) const {
  return end_of_day(nth_working_day_after(day_of(t), n));
}

// Terminates: outside the coverage every Monday-Friday is a working day. Empty `times` returns t.
instant business_calendar::next_time_of_day(instant t, const std::vector<time_of_day>& times,
                                            bool working_days_only) const {
  if (times.empty()) return t;
  auto sorted = times;
  std::sort(sorted.begin(), sorted.end());
  for (local_day day = day_of(t);; day += date::days{1}) {
    if (working_days_only && !is_working_day(day)) continue;
    for (auto tod : sorted) {
      if (instant candidate = at(day, tod); candidate >= t) return candidate;
    }
  }
}

instant business_calendar::next_daily(instant t, time_of_day tod) const {
  for (local_day day = day_of(t);; day += date::days{1}) {
    if (instant candidate = at(day, tod); candidate > t) return candidate;
  }
}

// `day_of_month` is clamped to 1..31; a day past the month's end means the month's last day.
instant business_calendar::next_day_of_month_end(instant t, int day_of_month) const {
  const date::day wanted{static_cast<unsigned>(std::clamp(day_of_month, 1, 31))};
  auto in_month = [&](date::year_month ym) {
    return ym /
           std::min(wanted, date::year_month_day_last{ym.year(), date::month_day_last{ym.month()}}.day());
  };
  date::year_month_day today{day_of(t)};
  date::year_month ym = today.year() / today.month();
  if (today.day() > in_month(ym).day()) ym += date::months{1};
  return end_of_day(local_day{in_month(ym)});
}

}  // namespace casework
