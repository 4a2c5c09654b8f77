// Instants, days, times of day and ISO 8601 durations as text (casework/time.hpp).
#include "casework/time.hpp"

#include <gtest/gtest.h>

namespace casework {
namespace {

using namespace std::chrono;

instant utc(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  return instant{date::sys_days{date::year{y} / m / d}} + hours{h} + minutes{mi} + seconds{s} +
         milliseconds{ms};
}

// The full "code: message" text of a failed parse, or "ok" when it did not fail.
template <class T>
std::string error_of(const expected<T>& r) {
  return r ? "ok" : r.error().to_string();
}

TEST(Time, FormatUtcAddsMillisecondsOnlyWhenNotZero) {
  EXPECT_EQ(format_utc(utc(2026, 3, 2, 1, 10)), "2026-03-02T01:10:00Z");
  EXPECT_EQ(format_utc(utc(2026, 3, 2, 1, 10, 0, 123)), "2026-03-02T01:10:00.123Z");
  EXPECT_EQ(format_utc(utc(2026, 3, 2, 1, 10, 5, 7)), "2026-03-02T01:10:05.007Z");
  EXPECT_EQ(format_utc(utc(1969, 12, 31, 23, 59, 59, 999)), "1969-12-31T23:59:59.999Z");
}

TEST(Time, ParseInstantWithZuluOrOffset) {
  EXPECT_EQ(format_utc(*parse_instant("2026-03-02T01:10:00Z")), "2026-03-02T01:10:00Z");
  EXPECT_EQ(format_utc(*parse_instant("2026-03-02T09:10:00+08:00")), "2026-03-02T01:10:00Z");
  EXPECT_EQ(format_utc(*parse_instant("2026-03-01T20:10:00-05:00")), "2026-03-02T01:10:00Z");
  EXPECT_EQ(format_utc(*parse_instant("2026-03-02T00:30:00+08:00")), "2026-03-01T16:30:00Z");
}

TEST(Time, ParseInstantFractionsUpToMilliseconds) {
  EXPECT_EQ(format_utc(*parse_instant("2026-03-02T01:10:00.1Z")), "2026-03-02T01:10:00.100Z");
  EXPECT_EQ(format_utc(*parse_instant("2026-03-02T01:10:00.12Z")), "2026-03-02T01:10:00.120Z");
  EXPECT_EQ(format_utc(*parse_instant("2026-03-02T09:10:00.123+08:00")), "2026-03-02T01:10:00.123Z");
}

TEST(Time, ParseInstantRoundTripsFormatUtc) {
  instant t = utc(2027, 12, 31, 23, 59, 59, 42);
  EXPECT_EQ(*parse_instant(format_utc(t)), t);
}

TEST(Time, ParseInstantErrorsNameTheText) {
  const std::string shape = "not an RFC 3339 instant (expected YYYY-MM-DDTHH:MM:SS[.mmm] and Z or +HH:MM)";
  EXPECT_EQ(error_of(parse_instant("2026-03-02 09:10")), "invalid_argument: \"2026-03-02 09:10\": " + shape);
  EXPECT_EQ(error_of(parse_instant("2026-03-02T09:10:00")),
            "invalid_argument: \"2026-03-02T09:10:00\": " + shape);
  EXPECT_EQ(error_of(parse_instant("2026-03-02T09:10:00+8:00")),
            "invalid_argument: \"2026-03-02T09:10:00+8:00\": " + shape);
  EXPECT_EQ(error_of(parse_instant("")), "invalid_argument: \"\": " + shape);
  EXPECT_EQ(error_of(parse_instant("2026-02-29T00:00:00Z")),
            "invalid_argument: \"2026-02-29T00:00:00Z\": no such date");
  EXPECT_EQ(error_of(parse_instant("2026-03-02T24:00:00Z")),
            "invalid_argument: \"2026-03-02T24:00:00Z\": time of day out of range");
  EXPECT_EQ(
      error_of(parse_instant("2026-03-02T01:10:00.1234Z")),
      "invalid_argument: \"2026-03-02T01:10:00.1234Z\": fractions of a second: 1 to 3 digits (milliseconds)");
  EXPECT_EQ(parse_instant("x").error().code(), errc::invalid_argument);
}

TEST(Time, DaysInBothForms) {
  local_day d = date::local_days{date::year{2026} / 3 / 2};
  EXPECT_EQ(format_day(d), "2026-03-02");
  EXPECT_EQ(*parse_day("2026-03-02"), d);
  EXPECT_EQ(*parse_day("20260302"), d);
  EXPECT_EQ(*parse_day("2024-02-29"), date::local_days{date::year{2024} / 2 / 29});
}

TEST(Time, ParseDayErrors) {
  const std::string shape = "not a day (expected YYYY-MM-DD or YYYYMMDD)";
  EXPECT_EQ(error_of(parse_day("2026-3-2")), "invalid_argument: \"2026-3-2\": " + shape);
  EXPECT_EQ(error_of(parse_day("2026030")), "invalid_argument: \"2026030\": " + shape);
  EXPECT_EQ(error_of(parse_day("2026/03/02")), "invalid_argument: \"2026/03/02\": " + shape);
  EXPECT_EQ(error_of(parse_day("20260230")), "invalid_argument: \"20260230\": no such date");
  EXPECT_EQ(error_of(parse_day("2026-13-01")), "invalid_argument: \"2026-13-01\": no such date");
}

TEST(Time, TimesOfDayIncludingEndOfDay) {
  EXPECT_EQ(*parse_time_of_day("09:00"), minutes{540});
  EXPECT_EQ(*parse_time_of_day("00:00"), minutes{0});
  EXPECT_EQ(*parse_time_of_day("23:59"), minutes{1439});
  EXPECT_EQ(*parse_time_of_day("24:00"), minutes{1440});
  EXPECT_EQ(format_time_of_day(minutes{840}), "14:00");
  EXPECT_EQ(format_time_of_day(minutes{1440}), "24:00");
  EXPECT_EQ(format_time_of_day(minutes{5}), "00:05");
}

TEST(Time, ParseTimeOfDayErrors) {
  const std::string shape = "not a time of day (expected HH:MM from 00:00 to 24:00)";
  for (const char* text : {"24:01", "9:00", "12:60", "25:00", "0900", "09:00:00", ""}) {
    EXPECT_EQ(error_of(parse_time_of_day(text)), "invalid_argument: \"" + std::string(text) + "\": " + shape);
  }
}

TEST(Time, ParseIsoDurations) {
  EXPECT_EQ(*parse_iso_duration("PT10M"), (iso_duration{false, 0, minutes{10}}));
  EXPECT_EQ(*parse_iso_duration("PT4H"), (iso_duration{false, 0, hours{4}}));
  EXPECT_EQ(*parse_iso_duration("P30D"), (iso_duration{false, 30, duration{0}}));
  EXPECT_EQ(*parse_iso_duration("P1DT2H"), (iso_duration{false, 1, hours{2}}));
  EXPECT_EQ(*parse_iso_duration("P2W"), (iso_duration{false, 14, duration{0}}));
  EXPECT_EQ(*parse_iso_duration("P1W2D"), (iso_duration{false, 9, duration{0}}));
  EXPECT_EQ(*parse_iso_duration("-P1D"), (iso_duration{true, 1, duration{0}}));
  EXPECT_EQ(*parse_iso_duration("PT1H30M15S"), (iso_duration{false, 0, seconds{5415}}));
  EXPECT_EQ(*parse_iso_duration("PT1.5S"), (iso_duration{false, 0, milliseconds{1500}}));
  EXPECT_EQ(*parse_iso_duration("PT0.025S"), (iso_duration{false, 0, milliseconds{25}}));
  EXPECT_EQ(*parse_iso_duration("-PT0S"), (iso_duration{false, 0, duration{0}}));
}

TEST(Time, IsoDurationCanonicalText) {
  for (const char* text : {"PT10M", "PT4H", "P30D", "P1DT2H", "-P1D", "PT1H30M15S", "PT1.5S", "PT0.025S"}) {
    EXPECT_EQ(to_string(*parse_iso_duration(text)), text);
  }
  EXPECT_EQ(to_string(*parse_iso_duration("P2W")), "P14D");
  EXPECT_EQ(to_string(*parse_iso_duration("PT90M")), "PT1H30M");
  EXPECT_EQ(to_string(*parse_iso_duration("PT0S")), "PT0S");
  EXPECT_EQ(to_string(iso_duration{}), "PT0S");
}

TEST(Time, IsoDurationRejectsYearsAndMonths) {
  const std::string why =
      "years and months are not allowed in a duration (their length varies; use weeks or days)";
  EXPECT_EQ(error_of(parse_iso_duration("P1Y")), "invalid_argument: \"P1Y\": " + why);
  EXPECT_EQ(error_of(parse_iso_duration("P1M")), "invalid_argument: \"P1M\": " + why);
  EXPECT_EQ(error_of(parse_iso_duration("P1Y2M3D")), "invalid_argument: \"P1Y2M3D\": " + why);
  EXPECT_EQ(error_of(parse_iso_duration("-P6M")), "invalid_argument: \"-P6M\": " + why);
}

TEST(Time, IsoDurationRejectsEmptyAndMalformed) {
  const std::string empty = "empty duration (give weeks, days, hours, minutes or seconds)";
  const std::string shape = "not an ISO 8601 duration (expected e.g. PT4H, P30D, P1DT2H, P2W, -P1D)";
  EXPECT_EQ(error_of(parse_iso_duration("P")), "invalid_argument: \"P\": " + empty);
  EXPECT_EQ(error_of(parse_iso_duration("PT")), "invalid_argument: \"PT\": " + empty);
  EXPECT_EQ(error_of(parse_iso_duration("-P")), "invalid_argument: \"-P\": " + empty);
  EXPECT_EQ(error_of(parse_iso_duration("P1DT")),
            "invalid_argument: \"P1DT\": T must be followed by hours, minutes or seconds");
  EXPECT_EQ(error_of(parse_iso_duration("PT1.5M")),
            "invalid_argument: \"PT1.5M\": only seconds may have a fraction");
  EXPECT_EQ(error_of(parse_iso_duration("P99999999D")),
            "invalid_argument: \"P99999999D\": too many days (at most 100000)");
  for (const char* text : {"", "1D", "P1H", "PT1D", "P1D1W", "PT1M1H", "PT1H1H", "P1DT1HT1M", "PT1.2345S",
                           "pt4h", "P-1D", "PT4"}) {
    EXPECT_EQ(error_of(parse_iso_duration(text)),
              "invalid_argument: \"" + std::string(text) + "\": " + shape);
  }
}

}  // namespace
}  // namespace casework
