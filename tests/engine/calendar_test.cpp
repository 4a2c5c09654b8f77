// The business calendar (casework/calendar.hpp) on a small calendar built in code. Its days are transcribed
// from workflows/calendars/tw/2025.json and 2026.json (weekends left out: unlisted weekends are off anyway);
// tests/workflows/calendar_loader_test.cpp checks the same facts against the real files.
#include "casework/calendar.hpp"

#include <gtest/gtest.h>

namespace casework {
namespace {

using namespace std::chrono;

local_day day(int y, unsigned m, unsigned d) { return date::local_days{date::year{y} / m / d}; }

instant at(std::string_view text) {
  auto t = parse_instant(text);
  EXPECT_TRUE(t) << text;
  return t ? *t : instant{};
}

time_of_day hm(int h, int m = 0) { return hours{h} + minutes{m}; }

std::vector<calendar_day> tw_2025_2026() {
  return {
      {day(2025, 1, 1), false, "中華民國開國紀念日"},
      {day(2025, 1, 27), false, "調整放假日"},
      {day(2025, 1, 28), false, "農曆除夕"},
      {day(2025, 1, 29), false, "春節"},
      {day(2025, 1, 30), false, "春節"},
      {day(2025, 1, 31), false, "春節"},
      {day(2025, 2, 8), true, "補行上班日"},
      {day(2025, 2, 28), false, "和平紀念日"},
      {day(2026, 1, 1), false, "中華民國開國紀念日"},
      {day(2026, 2, 16), false, "農曆除夕"},
      {day(2026, 2, 17), false, "春節"},
      {day(2026, 2, 18), false, "春節"},
      {day(2026, 2, 19), false, "春節"},
      {day(2026, 2, 20), false, "補假"},
      {day(2026, 2, 27), false, "補假"},
      {day(2026, 9, 25), false, "中秋節"},
      {day(2026, 9, 28), false, "孔子誕辰紀念日/教師節"},
  };
}

business_calendar taipei() {
  auto cal = business_calendar::make({}, tw_2025_2026(), 2025, 2026);
  EXPECT_TRUE(cal) << (cal ? "" : cal.error().to_string());
  return *cal;
}

business_calendar new_york() {
  calendar_options o;
  o.name = "nyc";
  o.zone = "America/New_York";
  return *business_calendar::make(o, {}, 2026, 2026);
}

closure typhoon(local_day d, closure_scope scope = closure_scope::city_wide) {
  closure c;
  c.day = d;
  c.scope = scope;
  c.reason = "Typhoon (test)";
  c.areas = scope == closure_scope::partial ? "Beitou, Shilin" : "";
  c.announced_at = at("2026-09-15T12:00:00Z");
  return c;
}

TEST(Calendar, DescribesItself) {
  auto cal = taipei();
  EXPECT_EQ(cal.options().name, "tw");
  EXPECT_EQ(cal.options().zone, "Asia/Taipei");
  EXPECT_EQ(cal.first_year(), 2025);
  EXPECT_EQ(cal.last_year(), 2026);
  EXPECT_EQ(cal.version(), 0u);
  EXPECT_TRUE(cal.closures().empty());
  EXPECT_TRUE(cal.covers(day(2025, 1, 1)));
  EXPECT_TRUE(cal.covers(day(2026, 12, 31)));
  EXPECT_FALSE(cal.covers(day(2024, 12, 31)));
  EXPECT_EQ(cal.published(day(2026, 2, 17))->name, "春節");
  EXPECT_EQ(cal.published(day(2026, 3, 2)), nullptr);
}

TEST(Calendar, WorkingDays) {
  auto cal = taipei();
  EXPECT_TRUE(cal.is_working_day(day(2026, 3, 2)));    // Monday
  EXPECT_FALSE(cal.is_working_day(day(2026, 3, 7)));   // Saturday, unlisted
  EXPECT_FALSE(cal.is_working_day(day(2026, 2, 16)));  // 農曆除夕, Monday
  EXPECT_TRUE(cal.is_working_day(day(2025, 2, 8)));    // 補行上班日, Saturday
}

TEST(Calendar, R5_5_SixWorkingDaysAcrossAWeekend) {
  // Registered Thu 2026-03-05: Fri 6 (1), Mon 9 .. Fri 13 (2..6); ends at 24:00 local on Fri 13.
  auto cal = taipei();
  EXPECT_EQ(format_day(cal.nth_working_day_after(day(2026, 3, 5), 6)), "2026-03-13");
  EXPECT_EQ(format_utc(cal.working_days_end(at("2026-03-05T10:00:00+08:00"), 6)), "2026-03-13T16:00:00Z");
}

TEST(Calendar, R5_5_LunarNewYear2026IsSkipped) {
  // 2026-02-14 (Sat) .. 02-22 (Sun) are all off; 02-27 (Fri) is 補假 for 228.
  auto cal = taipei();
  // Wed 02-11: Thu 12 (1), Fri 13 (2), Mon 23 (3), Tue 24 (4), Wed 25 (5), Thu 26 (6).
  EXPECT_EQ(format_utc(cal.working_days_end(at("2026-02-11T15:00:00+08:00"), 6)), "2026-02-26T16:00:00Z");
  // Fri 02-13: Mon 23 .. Thu 26 (1..4), [27 補假, weekend], Mon 03-02 (5), Tue 03-03 (6).
  EXPECT_EQ(format_utc(cal.working_days_end(at("2026-02-13T11:00:00+08:00"), 6)), "2026-03-03T16:00:00Z");
}

TEST(Calendar, R5_5_MakeUpWorkingSaturdayCounts) {
  // Wed 2025-02-05: Thu 6 (1), Fri 7 (2), Sat 8 補行上班日 (3), Mon 10 (4), Tue 11 (5), Wed 12 (6).
  auto cal = taipei();
  EXPECT_EQ(format_utc(cal.working_days_end(at("2025-02-05T16:00:00+08:00"), 6)), "2025-02-12T16:00:00Z");
  // Lunar New Year 2025: Thu 01-23 (1), Fri 01-24 (2), [01-25 .. 02-02 off], Mon 02-03 (3).
  EXPECT_EQ(format_utc(cal.working_days_end(at("2025-01-22T09:00:00+08:00"), 3)), "2025-02-03T16:00:00Z");
}

TEST(Calendar, R5_5_TyphoonClosureMovesTheDeadlineByOneWorkingDay) {
  // Registered Mon 2026-09-14: Tue 15 .. Fri 18 (1..4), Mon 21 (5), Tue 22 (6).
  auto v0 = taipei();
  instant registered = at("2026-09-14T10:30:00+08:00");
  EXPECT_EQ(format_utc(v0.working_days_end(registered, 6)), "2026-09-22T16:00:00Z");
  // The city closes on Wed 2026-09-16: one working day fewer in the span, so the end moves to Wed 23.
  auto v1 = v0.with_closure(typhoon(day(2026, 9, 16)));
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->version(), 1u);
  EXPECT_EQ(format_utc(v1->working_days_end(registered, 6)), "2026-09-23T16:00:00Z");
  const closure* why = v1->closure_on(day(2026, 9, 16));
  ASSERT_NE(why, nullptr);
  EXPECT_EQ(why->reason, "Typhoon (test)");
  EXPECT_EQ(why->version, 1u);
  EXPECT_EQ(format_utc(why->announced_at), "2026-09-15T12:00:00Z");
  EXPECT_FALSE(v1->is_working_day(day(2026, 9, 16)));
  // The calendar that computed the first deadline is a value: it still says what it said.
  EXPECT_EQ(v0.version(), 0u);
  EXPECT_EQ(format_utc(v0.working_days_end(registered, 6)), "2026-09-22T16:00:00Z");
}

TEST(Calendar, R5_5_OnlyCityWideClosuresExtend) {
  auto v0 = taipei();
  instant registered = at("2026-09-14T10:30:00+08:00");
  auto v1 = v0.with_closure(typhoon(day(2026, 9, 17), closure_scope::partial));
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->version(), 1u);
  ASSERT_EQ(v1->closures().size(), 1u);
  EXPECT_EQ(v1->closures()[0].areas, "Beitou, Shilin");
  EXPECT_EQ(v1->closure_on(day(2026, 9, 17)), nullptr);
  EXPECT_TRUE(v1->is_working_day(day(2026, 9, 17)));
  EXPECT_EQ(format_utc(v1->working_days_end(registered, 6)), "2026-09-22T16:00:00Z");
}

TEST(Calendar, ClosuresAccumulateInOrder) {
  auto v1 = taipei().with_closure(typhoon(day(2026, 9, 16), closure_scope::partial));
  auto v2 = v1->with_closure(typhoon(day(2026, 9, 16)));  // the same day, now city-wide: allowed
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->version(), 2u);
  ASSERT_EQ(v2->closures().size(), 2u);
  EXPECT_EQ(v2->closures()[0].version, 1u);
  EXPECT_EQ(v2->closures()[1].version, 2u);
  EXPECT_EQ(v2->closure_on(day(2026, 9, 16)), &v2->closures()[1]);
}

TEST(Calendar, WithClosureRejectsTheSameDayAndScopeTwice) {
  auto v1 = taipei().with_closure(typhoon(day(2026, 9, 16)));
  auto again = v1->with_closure(typhoon(day(2026, 9, 16)));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), errc::already_exists);
  EXPECT_EQ(again.error().to_string(),
            "already_exists: closure.day: 2026-09-16 already has a city-wide closure (Typhoon (test))");
}

TEST(Calendar, R5_5_CityWideClosureOnADayOffIsAMistake) {
  auto sat = taipei().with_closure(typhoon(day(2026, 9, 19)));
  ASSERT_FALSE(sat);
  EXPECT_EQ(sat.error().to_string(),
            "invalid_argument: closure.day: 2026-09-19 is not a working day: "
            "a city-wide closure would change nothing (R5.5)");
  EXPECT_FALSE(taipei().with_closure(typhoon(day(2026, 9, 25))));                         // 中秋節
  EXPECT_TRUE(taipei().with_closure(typhoon(day(2026, 9, 19), closure_scope::partial)));  // recorded only
}

TEST(Calendar, R5_2_IntakeOnFridayAfternoonIsNextMonday0900) {
  auto cal = taipei();
  const std::vector<time_of_day> intake{hm(14), hm(9)};
  EXPECT_EQ(format_utc(cal.next_time_of_day(at("2026-03-06T15:00:00+08:00"), intake, true)),
            "2026-03-09T01:00:00Z");
}

TEST(Calendar, R5_2_IntakeOnAHolidayEveWaitsForTheNextWorkingDay) {
  auto cal = taipei();
  const std::vector<time_of_day> intake{hm(9), hm(14)};
  // Fri 2026-02-13 afternoon, before the Lunar New Year break: Mon 02-23 09:00.
  EXPECT_EQ(format_utc(cal.next_time_of_day(at("2026-02-13T14:00:00.001+08:00"), intake, true)),
            "2026-02-23T01:00:00Z");
  // Thu 2026-02-26 evening, before 補假 Fri 02-27: Mon 03-02 09:00.
  EXPECT_EQ(format_utc(cal.next_time_of_day(at("2026-02-26T18:00:00+08:00"), intake, true)),
            "2026-03-02T01:00:00Z");
}

TEST(Calendar, R5_2_IntakeAtExactly0900IsThatInstant) {
  auto cal = taipei();
  const std::vector<time_of_day> intake{hm(9), hm(14)};
  EXPECT_EQ(format_utc(cal.next_time_of_day(at("2026-03-02T09:00:00+08:00"), intake, true)),
            "2026-03-02T01:00:00Z");
  EXPECT_EQ(format_utc(cal.next_time_of_day(at("2026-03-02T09:00:00.001+08:00"), intake, true)),
            "2026-03-02T06:00:00Z");
  EXPECT_EQ(format_utc(cal.next_time_of_day(at("2026-03-02T07:45:00+08:00"), intake, true)),
            "2026-03-02T01:00:00Z");
}

TEST(Calendar, NextTimeOfDayOnAnyDay) {
  auto cal = taipei();
  EXPECT_EQ(format_utc(cal.next_time_of_day(at("2026-03-07T10:00:00+08:00"), {hm(9), hm(14)}, false)),
            "2026-03-07T06:00:00Z");
  EXPECT_EQ(format_utc(cal.next_time_of_day(at("2026-03-07T10:00:00+08:00"), {}, false)),
            "2026-03-07T02:00:00Z");
}

TEST(Calendar, R6_7_Daily1800IsStrictlyAfter) {
  auto cal = taipei();
  EXPECT_EQ(format_utc(cal.next_daily(at("2026-03-02T17:59:59+08:00"), hm(18))), "2026-03-02T10:00:00Z");
  EXPECT_EQ(format_utc(cal.next_daily(at("2026-03-02T18:00:00+08:00"), hm(18))), "2026-03-03T10:00:00Z");
  EXPECT_EQ(format_utc(cal.next_daily(at("2026-03-07T20:00:00+08:00"), hm(18))), "2026-03-08T10:00:00Z");
}

TEST(Calendar, R3_5_ByThe26th) {
  auto cal = taipei();
  EXPECT_EQ(format_utc(cal.next_day_of_month_end(at("2026-03-10T10:00:00+08:00"), 26)),
            "2026-03-26T16:00:00Z");
  EXPECT_EQ(format_utc(cal.next_day_of_month_end(at("2026-03-26T23:59:00+08:00"), 26)),
            "2026-03-26T16:00:00Z");
  EXPECT_EQ(format_utc(cal.next_day_of_month_end(at("2026-03-27T00:00:00+08:00"), 26)),
            "2026-04-26T16:00:00Z");
  EXPECT_EQ(format_utc(cal.next_day_of_month_end(at("2026-12-27T09:00:00+08:00"), 26)),
            "2027-01-26T16:00:00Z");
}

TEST(Calendar, R3_5_DayOfMonthIsClampedToTheMonthEnd) {
  auto cal = taipei();
  EXPECT_EQ(format_utc(cal.next_day_of_month_end(at("2026-02-10T09:00:00+08:00"), 31)),
            "2026-02-28T16:00:00Z");
  EXPECT_EQ(format_utc(cal.next_day_of_month_end(at("2028-02-10T09:00:00+08:00"), 31)),
            "2028-02-29T16:00:00Z");
  EXPECT_EQ(format_utc(cal.next_day_of_month_end(at("2026-04-30T09:00:00+08:00"), 31)),
            "2026-04-30T16:00:00Z");
  EXPECT_EQ(format_utc(cal.next_day_of_month_end(at("2026-01-31T23:00:00+08:00"), 30)),
            "2026-02-28T16:00:00Z");
}

TEST(Calendar, AddIsoDurations) {
  auto cal = taipei();
  instant t = at("2026-03-02T09:10:00+08:00");
  EXPECT_EQ(format_utc(cal.add(t, *parse_iso_duration("P30D"))), "2026-04-01T01:10:00Z");
  EXPECT_EQ(format_utc(cal.add(t, *parse_iso_duration("-P1D"))), "2026-03-01T01:10:00Z");
  EXPECT_EQ(format_utc(cal.add(t, *parse_iso_duration("PT4H"))), "2026-03-02T05:10:00Z");
  EXPECT_EQ(format_utc(cal.add(t, *parse_iso_duration("-P1DT2H"))), "2026-02-28T23:10:00Z");
}

TEST(Calendar, AddCountsNominalDaysAcrossADaylightSavingChange) {
  auto cal = new_york();  // 2026-03-08 02:00 EST -> 03:00 EDT
  instant t = at("2026-03-07T12:00:00-05:00");
  EXPECT_EQ(format_utc(cal.add(t, *parse_iso_duration("P1D"))), "2026-03-08T16:00:00Z");    // 12:00 EDT
  EXPECT_EQ(format_utc(cal.add(t, *parse_iso_duration("PT24H"))), "2026-03-08T17:00:00Z");  // 13:00 EDT
}

TEST(Calendar, ZoneConversions) {
  auto cal = taipei();
  instant t = at("2026-03-01T16:30:00Z");  // 2026-03-02 00:30 in Taipei
  EXPECT_EQ(format_day(cal.day_of(t)), "2026-03-02");
  EXPECT_EQ(cal.time_of(t), minutes{30});
  EXPECT_EQ(cal.format_local(t), "2026-03-02T00:30:00+08:00");
  EXPECT_EQ(cal.format_local(at("2026-03-02T01:10:00.250Z")), "2026-03-02T09:10:00.250+08:00");
  EXPECT_EQ(format_utc(cal.at(day(2026, 3, 2), hm(9, 10))), "2026-03-02T01:10:00Z");
  EXPECT_EQ(format_utc(cal.start_of_day(day(2026, 3, 2))), "2026-03-01T16:00:00Z");
}

TEST(Calendar, EndOfDayIs2400WhichIsTheNextMidnight) {
  auto cal = taipei();
  EXPECT_EQ(cal.at(day(2026, 2, 28), hm(24)), cal.at(day(2026, 3, 1), hm(0)));
  EXPECT_EQ(format_utc(cal.end_of_day(day(2026, 12, 31))), "2026-12-31T16:00:00Z");
  EXPECT_EQ(format_day(cal.day_of(cal.end_of_day(day(2026, 12, 31)))), "2027-01-01");
}

TEST(Calendar, DaylightSavingGapsShiftForwardAndOverlapsTakeTheEarliest) {
  auto cal = new_york();
  // 02:30 does not exist on 2026-03-08: shifted forward by the 1-hour gap to 03:30 EDT.
  EXPECT_EQ(format_utc(cal.at(day(2026, 3, 8), hm(2, 30))), "2026-03-08T07:30:00Z");
  // 01:30 happens twice on 2026-11-01: the earlier one (EDT).
  EXPECT_EQ(format_utc(cal.at(day(2026, 11, 1), hm(1, 30))), "2026-11-01T05:30:00Z");
  EXPECT_EQ(cal.format_local(at("2026-11-01T06:30:00Z")), "2026-11-01T01:30:00-05:00");
}

TEST(Calendar, DaysOutsideTheCoverageAreMondayToFriday) {
  auto cal = taipei();
  EXPECT_FALSE(cal.covers(day(2030, 1, 1)));
  EXPECT_TRUE(cal.is_working_day(day(2030, 1, 1)));   // Tuesday (a holiday in reality, but not published)
  EXPECT_FALSE(cal.is_working_day(day(2030, 1, 5)));  // Saturday
  // Thu 2030-01-03: Fri 4 (1), Mon 7 (2).
  EXPECT_EQ(format_utc(cal.working_days_end(at("2030-01-03T10:00:00+08:00"), 2)), "2030-01-07T16:00:00Z");
}

TEST(Calendar, NthWorkingDayAfter) {
  auto cal = taipei();
  EXPECT_EQ(format_day(cal.nth_working_day_after(day(2026, 2, 13), 1)), "2026-02-23");
  EXPECT_EQ(format_day(cal.nth_working_day_after(day(2026, 2, 15), 1)), "2026-02-23");
  EXPECT_EQ(format_day(cal.nth_working_day_after(day(2026, 3, 2), 1)), "2026-03-03");
  EXPECT_EQ(format_day(cal.nth_working_day_after(day(2026, 3, 2), 0)), "2026-03-02");
}

TEST(Calendar, MakeRejectsAnUnknownZone) {
  calendar_options o;
  o.zone = "Mars/Olympus_Mons";
  auto cal = business_calendar::make(o, {}, 2026, 2026);
  ASSERT_FALSE(cal);
  EXPECT_EQ(cal.error().to_string(), "invalid_definition: zone: unknown time zone \"Mars/Olympus_Mons\"");
}

TEST(Calendar, MakeRejectsDaysOutsideTheCoverage) {
  auto cal =
      business_calendar::make({}, {{day(2026, 1, 1), false, ""}, {day(2027, 1, 1), false, ""}}, 2026, 2026);
  ASSERT_FALSE(cal);
  EXPECT_EQ(cal.error().to_string(),
            "invalid_definition: days[1]: 2027-01-01 is outside the coverage 2026..2026");
  auto reversed = business_calendar::make({}, {}, 2027, 2026);
  ASSERT_FALSE(reversed);
  EXPECT_EQ(reversed.error().to_string(),
            "invalid_definition: coverage: first year 2027 is after last year 2026");
}

TEST(Calendar, MakeRejectsOfficeHoursOutOfOrderAndDuplicateDays) {
  calendar_options o;
  o.office_open = hm(17, 30);
  o.office_close = hm(8, 30);
  auto hours_wrong = business_calendar::make(o, {}, 2026, 2026);
  ASSERT_FALSE(hours_wrong);
  EXPECT_EQ(hours_wrong.error().to_string(),
            "invalid_definition: office_open: office hours 17:30-08:30 are out of order");
  auto twice =
      business_calendar::make({}, {{day(2026, 1, 1), false, ""}, {day(2026, 1, 1), true, ""}}, 2026, 2026);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().to_string(), "invalid_definition: days: 2026-01-01 is listed twice");
}

}  // namespace
}  // namespace casework
