// Instants, days, times of day and ISO 8601 durations as text. Parsers are strict (fixed field widths, digits
// only) and every error is invalid_argument with a message that quotes the offending text.
#include "casework/time.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>

namespace casework {
namespace {

using namespace std::chrono;

error bad(std::string_view text, const char* what) {
  std::string msg = "\"";
  msg.append(text.data(), text.size());
  msg += "\": ";
  msg += what;
  return error(errc::invalid_argument, std::move(msg));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `width` digits at `pos` as a number, or nothing if any of them is not a digit.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (!is_digit(s[i])) return std::nullopt;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

std::optional<local_day> make_day(int y, int m, int d) {
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return local_day{ymd};
}

// Reads ".d", ".dd" or ".ddd" at `pos` (if present) as milliseconds; advances `pos`. Returns false when the
// fraction has no digits or more than three.
bool read_millis(std::string_view s, std::size_t& pos, int& ms) {
  ms = 0;
  if (pos >= s.size() || s[pos] != '.') return true;
  std::size_t n = 0;
  for (++pos; pos < s.size() && is_digit(s[pos]); ++pos, ++n) {
    if (n < 3) ms = ms * 10 + (s[pos] - '0');
  }
  if (n == 0 || n > 3) return false;
  for (; n < 3; ++n) ms *= 10;
  return true;
}

const char* const instant_shape =
    "not an RFC 3339 instant (expected YYYY-MM-DDTHH:MM:SS[.mmm] and Z or +HH:MM)";

// Parses the "Z" / "+HH:MM" / "-HH:MM" suffix starting at `pos` into an offset east of UTC.
std::optional<minutes> parse_offset(std::string_view s, std::size_t pos) {
  if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) return minutes{0};
  if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-') || s[pos + 3] != ':') return std::nullopt;
  auto h = digits(s, pos + 1, 2), m = digits(s, pos + 4, 2);
  if (!h || !m || *h > 23 || *m > 59) return std::nullopt;
  minutes off{*h * 60 + *m};
  return s[pos] == '-' ? -off : off;
}

// ISO 8601 durations: one "<number><unit>" component at a time.
const char* const duration_shape = "not an ISO 8601 duration (expected e.g. PT4H, P30D, P1DT2H, P2W, -P1D)";

constexpr std::int64_t max_days = 100000;  // about 270 years: far beyond any deadline

struct component {
  std::int64_t value = 0;
  int millis = 0;  // the fraction, seconds only
  bool has_fraction = false;
  char unit = 0;
};

// Reads up to 9 digits, an optional fraction and the unit letter at `pos`; nullopt if the shape is wrong.
std::optional<component> read_component(std::string_view s, std::size_t& pos) {
  component c;
  std::size_t start = pos;
  for (; pos < s.size() && is_digit(s[pos]) && pos - start < 9; ++pos) {
    c.value = c.value * 10 + (s[pos] - '0');
  }
  if (pos == start) return std::nullopt;
  c.has_fraction = pos < s.size() && s[pos] == '.';
  if (c.has_fraction && !read_millis(s, pos, c.millis)) return std::nullopt;
  if (pos >= s.size()) return std::nullopt;
  c.unit = s[pos++];
  return c;
}

// Adds one component to `out`. `units` lists the units allowed in this part in order; `next` is the index of
// the first unit still allowed (units must not repeat or go backwards).
const char* add_component(const component& c, std::string_view units, std::size_t& next, iso_duration& out) {
  auto at = units.find(c.unit);
  if (at == std::string_view::npos || at < next) return duration_shape;
  if (c.has_fraction && c.unit != 'S') return "only seconds may have a fraction";
  next = at + 1;
  std::int64_t days = c.unit == 'W' ? c.value * 7 : c.unit == 'D' ? c.value : 0;
  if (out.days + days > max_days) return "too many days (at most 100000)";
  switch (c.unit) {
    case 'W':
    case 'D': out.days += static_cast<int>(days); break;
    case 'H': out.clock += hours{c.value}; break;
    case 'M': out.clock += minutes{c.value}; break;
    default: out.clock += seconds{c.value} + milliseconds{c.millis}; break;
  }
  return nullptr;
}

// Parses the components of one part (date part: units "WD"; time part: "HMS") up to the next 'T' or the end.
const char* parse_part(std::string_view s, std::size_t& pos, std::string_view units, iso_duration& out) {
  std::size_t next = 0;
  while (pos < s.size() && s[pos] != 'T') {
    auto c = read_component(s, pos);
    if (!c) return duration_shape;
    if (units == "WD" && (c->unit == 'Y' || c->unit == 'M')) {
      return "years and months are not allowed in a duration (their length varies; use weeks or days)";
    }
    if (const char* what = add_component(*c, units, next, out)) return what;
  }
  return nullptr;
}

}  // namespace

namespace {
char* put_digits(char* p, unsigned v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}
}  // namespace

// Written by hand: snapshots and events format several instants each, and snprintf was ~4% of a command.
std::string format_utc(instant t) {
  auto day = floor<date::days>(t);
  date::year_month_day ymd{day};
  date::hh_mm_ss<duration> hms{t - day};
  int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {   // outside RFC 3339's four digits: the general path
    char buf[48];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", year, static_cast<unsigned>(ymd.month()),
                          static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                          static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
    if (hms.subseconds().count() != 0)
      std::snprintf(buf + n, sizeof buf - n, ".%03d", static_cast<int>(hms.subseconds().count()));
    return std::string(buf) + "Z";
  }
  char buf[32];
  char* p = put_digits(buf, static_cast<unsigned>(year), 4);
  *p++ = '-';
  p = put_digits(p, static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  p = put_digits(p, static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  p = put_digits(p, static_cast<unsigned>(hms.hours().count()), 2);
  *p++ = ':';
  p = put_digits(p, static_cast<unsigned>(hms.minutes().count()), 2);
  *p++ = ':';
  p = put_digits(p, static_cast<unsigned>(hms.seconds().count()), 2);
  if (hms.subseconds().count() != 0) {
    *p++ = '.';
    p = put_digits(p, static_cast<unsigned>(hms.subseconds().count()), 3);
  }
  *p++ = 'Z';
  return std::string(buf, p);
}

expected<instant> parse_instant(std::string_view text) {
  auto y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  auto h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return bad(text, instant_shape);
  }
  auto day = make_day(*y, *mo, *d);
  if (!day) return bad(text, "no such date");
  if (*h > 23 || *mi > 59 || *s > 59) return bad(text, "time of day out of range");
  std::size_t pos = 19;
  int ms = 0;
  if (!read_millis(text, pos, ms)) return bad(text, "fractions of a second: 1 to 3 digits (milliseconds)");
  auto offset = parse_offset(text, pos);
  if (!offset) return bad(text, instant_shape);
  auto local = day->time_since_epoch() + hours{*h} + minutes{*mi} + seconds{*s} + milliseconds{ms};
  return instant{duration_cast<duration>(local - *offset)};
}

std::string format_day(local_day d) {
  date::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

expected<local_day> parse_day(std::string_view text) {
  bool dashed = text.size() == 10 && text[4] == '-' && text[7] == '-';
  if (!dashed && text.size() != 8) return bad(text, "not a day (expected YYYY-MM-DD or YYYYMMDD)");
  std::size_t step = dashed ? 1 : 0;
  auto y = digits(text, 0, 4), m = digits(text, 4 + step, 2), d = digits(text, 6 + 2 * step, 2);
  if (!y || !m || !d) return bad(text, "not a day (expected YYYY-MM-DD or YYYYMMDD)");
  auto day = make_day(*y, *m, *d);
  if (!day) return bad(text, "no such date");
  return *day;
}

expected<time_of_day> parse_time_of_day(std::string_view text) {
  auto h = digits(text, 0, 2), m = digits(text, 3, 2);
  if (text.size() != 5 || text[2] != ':' || !h || !m || *m > 59 || *h > 24 || (*h == 24 && *m != 0)) {
    return bad(text, "not a time of day (expected HH:MM from 00:00 to 24:00)");
  }
  return time_of_day{*h * 60 + *m};
}

std::string format_time_of_day(time_of_day t) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(t.count() / 60),
                static_cast<int>(t.count() % 60));
  return buf;
}

expected<iso_duration> parse_iso_duration(std::string_view text) {
  iso_duration out;
  out.negative = !text.empty() && text[0] == '-';
  std::size_t pos = out.negative ? 1 : 0;
  if (pos >= text.size() || text[pos] != 'P') return bad(text, duration_shape);
  std::size_t date_start = ++pos;
  if (const char* what = parse_part(text, pos, "WD", out)) return bad(text, what);
  bool has_date = pos > date_start;
  bool has_time = false;
  if (pos < text.size()) {  // at the 'T'
    std::size_t time_start = ++pos;
    if (const char* what = parse_part(text, pos, "HMS", out)) return bad(text, what);
    if (pos < text.size()) return bad(text, duration_shape);
    has_time = pos > time_start;
    if (has_date && !has_time) return bad(text, "T must be followed by hours, minutes or seconds");
  }
  if (!has_date && !has_time)
    return bad(text, "empty duration (give weeks, days, hours, minutes or seconds)");
  if (out.days == 0 && out.clock == duration::zero()) out.negative = false;  // "-PT0S" is just zero
  return out;
}

std::string to_string(const iso_duration& d) {
  std::string out = d.negative ? "-P" : "P";
  if (d.days != 0) out += std::to_string(d.days) + "D";
  auto rest = d.clock;
  if (rest == duration::zero()) return d.days == 0 ? "PT0S" : out;
  out += "T";
  auto h = duration_cast<hours>(rest);
  rest -= h;
  auto m = duration_cast<minutes>(rest);
  rest -= m;
  if (h.count() != 0) out += std::to_string(h.count()) + "H";
  if (m.count() != 0) out += std::to_string(m.count()) + "M";
  if (rest == duration::zero()) return out;
  out += std::to_string(rest.count() / 1000);
  if (int ms = static_cast<int>(rest.count() % 1000)) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03d", ms);
    std::string frac = buf;
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  return out + "S";
}

}  // namespace casework
