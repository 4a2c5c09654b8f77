// casework/calendar.hpp: the business calendar (working days, office hours, closures) in the deployment's zone.
//
// A calendar is an immutable value: the base days come from a published office calendar (for Taipei the
// Taiwan government office calendar, workflows/calendars/tw/), closures announced at run time (a typhoon day)
// are added with with_closure(), which returns a new calendar whose version() is one higher. A deadline
// records the version that computed it, so when a closure moves it the change can be explained.
//
// Only city-wide closures make a day a non-working day (R5.5: only days on which the whole city stopped work
// are deducted); partial closures (some districts) are recorded but move no deadline.
//
// Days outside the base data's coverage fall back to Monday-Friday working, Saturday-Sunday off.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "casework/time.hpp"

namespace date { class time_zone; }

namespace casework {

// One exception to the weekly pattern, as published: a day off (holiday, weekend) or a working day
// (make-up working Saturday). Days not listed inside the covered years are working days on Mon-Fri.
struct calendar_day {
  local_day day;
  bool working = false;
  std::string name;   // e.g. "春節", "補行上班日"; may be empty
};

enum class closure_scope { city_wide, partial };

struct closure {
  local_day day;
  closure_scope scope = closure_scope::city_wide;
  std::string reason;          // e.g. "Typhoon Krathon"
  std::string areas;           // for partial closures: which districts/areas (free text)
  instant announced_at{};      // when it was added
  std::uint64_t version = 0;   // calendar version this closure created (set by with_closure)
};

struct calendar_options {
  std::string name = "tw";                  // identifies the calendar in deadline explanations
  std::string zone = "Asia/Taipei";         // IANA zone name the rules are evaluated in
  time_of_day office_open{8 * 60 + 30};     // 08:30
  time_of_day office_close{17 * 60 + 30};   // 17:30
};

class business_calendar {
 public:
  // Builds a calendar from published days. `first_year`..`last_year` is the coverage of `days`; the zone is
  // looked up in the system tz database. Errors: unknown zone, a day outside the coverage, office hours
  // out of order.
  static expected<business_calendar> make(calendar_options options, std::vector<calendar_day> days,
                                          int first_year, int last_year);

  // Returns a calendar with `c` added and version() + 1. Errors: already_exists when the same day already
  // has a closure of the same scope; invalid_argument when a city-wide closure falls on a day that is
  // not a working day anyway (it would change nothing, which is almost always a mistake).
  expected<business_calendar> with_closure(closure c) const;

  const calendar_options& options() const;
  std::uint64_t version() const;                 // 0 for the published calendar, +1 per closure
  const std::vector<closure>& closures() const;  // in the order added
  int first_year() const;
  int last_year() const;
  bool covers(local_day d) const;

  // A working day: in the published calendar (or Mon-Fri outside its coverage) and not closed city-wide.
  bool is_working_day(local_day d) const;
  // The published entry for `d`, if any (nullptr otherwise).
  const calendar_day* published(local_day d) const;
  // The city-wide closure on `d`, if any (nullptr otherwise).
  const closure* closure_on(local_day d) const;

  // Zone conversions.
  local_day day_of(instant t) const;                 // local civil date of t
  time_of_day time_of(instant t) const;              // local minutes after midnight of t
  instant at(local_day d, time_of_day t) const;      // the instant of local d + t (t may be 24:00)
  instant start_of_day(local_day d) const { return at(d, time_of_day{0}); }
  instant end_of_day(local_day d) const { return at(d, time_of_day{24 * 60}); }  // = next day's 00:00
  std::string format_local(instant t) const;         // "2026-03-02T09:10:00+08:00"

  // Adds an ISO duration: days are nominal days in the zone (same local time), the rest is exact.
  instant add(instant t, const iso_duration& d) const;

  // The n-th working day strictly after `d` (n >= 1). n = 1 is the next working day.
  local_day nth_working_day_after(local_day d, int n) const;
  // End (24:00 local) of the n-th working day after t's local date: "n working days counted from the
  // working day after t, ending at the end of that day" (R5.5, R5.3, R3.1, R6.11).
  instant working_days_end(instant t, int n) const;
  // Earliest instant >= t whose local time is one of `times` and, if `working_days_only`, on a working day
  // (R5.2 intake at 09:00 and 14:00).
  instant next_time_of_day(instant t, const std::vector<time_of_day>& times, bool working_days_only) const;
  // Earliest instant > t at local time `tod` (every day, R6.7 reminders at 18:00).
  instant next_daily(instant t, time_of_day tod) const;
  // End (24:00 local) of the first day on or after t's local date whose day of the month is `day_of_month`
  // (clamped to the month's last day, so 31 means "month end") (R3.5: by the 26th).
  instant next_day_of_month_end(instant t, int day_of_month) const;

 private:
  struct base;
  business_calendar(std::shared_ptr<const base> b, std::vector<closure> closures);
  std::shared_ptr<const base> base_;
  std::vector<closure> closures_;
};

// The closures' JSON form, as the engine stores them so that they survive restarts:
// [{"day": "2026-09-29", "scope": "city_wide" | "partial", "reason", "areas", "announced_at"}].
boost::json::array closures_to_json(const std::vector<closure>& closures);
// Parses that form; invalid_argument naming the entry and field.
expected<std::vector<closure>> closures_from_json(const boost::json::value& v);

}  // namespace casework
