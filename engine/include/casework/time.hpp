// casework/time.hpp: instants, durations and ISO 8601 text.
//
// All instants are UTC time points with millisecond resolution; rules are evaluated in the deployment's
// zone by business_calendar (calendar.hpp). Nothing in casework reads the system clock except real_clock
// (clock.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <date/date.h>

#include "casework/error.hpp"

namespace casework {

using duration = std::chrono::milliseconds;
using instant = std::chrono::time_point<std::chrono::system_clock, duration>;
using local_day = date::local_days;            // a civil date in the deployment's zone
using time_of_day = std::chrono::minutes;      // minutes after local midnight, 0..1440

// Milliseconds since the Unix epoch, and back (storage keys).
inline std::int64_t to_unix_ms(instant t) { return t.time_since_epoch().count(); }
inline instant from_unix_ms(std::int64_t ms) { return instant{duration{ms}}; }

// RFC 3339 in UTC: "2026-03-02T01:10:00Z" (".123" added when the milliseconds are not zero).
std::string format_utc(instant t);

// Parses RFC 3339 with "Z" or a numeric offset ("2026-03-02T09:10:00+08:00"); fractions up to milliseconds.
expected<instant> parse_instant(std::string_view text);

// "2026-03-02".
std::string format_day(local_day d);
expected<local_day> parse_day(std::string_view text);   // "2026-03-02" or "20260302"

// "09:00" -> 540 minutes; "24:00" is accepted as end of day.
expected<time_of_day> parse_time_of_day(std::string_view text);
std::string format_time_of_day(time_of_day t);

// An ISO 8601 duration restricted to what is unambiguous for deadlines: weeks, days (nominal days in the
// deployment's zone), hours, minutes, seconds; optionally negative ("-P1D"). Years and months are rejected.
struct iso_duration {
  bool negative = false;
  int days = 0;          // weeks are folded into days
  duration clock{0};     // the T part: hours, minutes, seconds

  bool operator==(const iso_duration& o) const {
    return negative == o.negative && days == o.days && clock == o.clock;
  }
};

// Parses "PT10M", "PT4H", "P30D", "P1DT2H", "P2W", "-P1D". The error names the text and what is wrong.
expected<iso_duration> parse_iso_duration(std::string_view text);
std::string to_string(const iso_duration& d);   // canonical form, e.g. "P1DT2H"

}  // namespace casework
