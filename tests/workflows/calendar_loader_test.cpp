// Loading the shipped Taipei office calendar (workflows/calendars/tw/) and the loader's errors.
// Every expected day below was checked by hand against the YEAR.json files and the real weekdays.
#include "casework/calendar_loader.hpp"

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

namespace casework {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;

const std::string tw_dir = std::string(CASEWORK_WORKFLOWS_DIR) + "/calendars/tw";

local_day day(int y, unsigned m, unsigned d) { return date::local_days{date::year{y} / m / d}; }

instant at(std::string_view text) {
  auto t = parse_instant(text);
  EXPECT_TRUE(t) << text;
  return t ? *t : instant{};
}

business_calendar tw() {
  auto cal = load_calendar(tw_dir);
  EXPECT_TRUE(cal) << (cal ? "" : cal.error().to_string());
  return *cal;
}

// A scratch calendar directory, removed at the end of the test.
class CalendarDir : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("casework-calendar-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  std::string load_error() {
    auto cal = load_calendar(dir_.string());
    return cal ? "loaded" : cal.error().to_string();
  }

  fs::path dir_;
};

TEST(CalendarLoader, LoadsTheShippedTaipeiCalendar) {
  auto cal = tw();
  EXPECT_EQ(cal.options().name, "tw");
  EXPECT_EQ(cal.first_year(), 2013);
  EXPECT_EQ(cal.last_year(), 2027);
  EXPECT_EQ(cal.version(), 0u);
  EXPECT_EQ(cal.published(day(2026, 1, 1))->name, "中華民國開國紀念日");
  EXPECT_EQ(cal.published(day(2026, 2, 20))->name, "補假");  // unnamed entry: its holidayCategory
}

TEST(CalendarLoader, R5_5_LunarNewYear2026FromThePublishedData) {
  // 2026.json: 02-14/15 weekend, 02-16 農曆除夕, 02-17..19 春節, 02-20 補假, 02-21/22 weekend, 02-27 補假.
  auto cal = tw();
  for (unsigned d = 14; d <= 22; ++d) EXPECT_FALSE(cal.is_working_day(day(2026, 2, d))) << "2026-02-" << d;
  EXPECT_TRUE(cal.is_working_day(day(2026, 2, 13)));
  EXPECT_TRUE(cal.is_working_day(day(2026, 2, 23)));
  EXPECT_FALSE(cal.is_working_day(day(2026, 2, 27)));
  EXPECT_EQ(format_utc(cal.working_days_end(at("2026-02-11T15:00:00+08:00"), 6)), "2026-02-26T16:00:00Z");
  EXPECT_EQ(format_utc(cal.working_days_end(at("2026-02-13T11:00:00+08:00"), 6)), "2026-03-03T16:00:00Z");
}

TEST(CalendarLoader, R5_5_MakeUpWorkingSaturday2025Counts) {
  // 2025.json: 02-08 (Saturday) is 補行上班日 with holiday false.
  auto cal = tw();
  EXPECT_TRUE(cal.is_working_day(day(2025, 2, 8)));
  EXPECT_EQ(cal.published(day(2025, 2, 8))->name, "補行上班日");
  EXPECT_EQ(format_utc(cal.working_days_end(at("2025-02-05T16:00:00+08:00"), 6)), "2025-02-12T16:00:00Z");
}

TEST(CalendarLoader, ObservancesThatAreNotDaysOffFollowTheWeek) {
  auto cal = tw();
  EXPECT_FALSE(cal.is_working_day(day(2016, 9, 3)));  // 軍人節 on a Saturday, holiday false: still a Saturday
  EXPECT_TRUE(cal.is_working_day(day(2026, 6, 15)));  // 警察節 on a Monday, holiday false
  EXPECT_EQ(cal.published(day(2026, 6, 15))->name, "警察節");
}

TEST(CalendarLoader, Override2024LabourDayIsAWorkingDay) {
  // Mon 2024-04-29: Tue 04-30 (1), Wed 05-01 (2, by overrides.json), Thu 05-02 (3).
  auto cal = tw();
  EXPECT_TRUE(cal.is_working_day(day(2024, 5, 1)));
  EXPECT_EQ(cal.published(day(2024, 5, 1))->name, "勞動節（機關照常上班）");
  EXPECT_EQ(format_utc(cal.working_days_end(at("2024-04-29T10:00:00+08:00"), 3)), "2024-05-02T16:00:00Z");
}

TEST_F(CalendarDir, WithoutTheOverride2024LabourDayIsOff) {
  fs::copy_file(fs::path(tw_dir) / "2024.json", dir_ / "2024.json");
  auto cal = load_calendar(dir_.string());
  ASSERT_TRUE(cal);
  EXPECT_FALSE(cal->is_working_day(day(2024, 5, 1)));
  EXPECT_EQ(format_utc(cal->working_days_end(at("2024-04-29T10:00:00+08:00"), 3)), "2024-05-03T16:00:00Z");
}

TEST(CalendarLoader, DaysOutsideTheCoverageAreMondayToFriday) {
  auto cal = tw();
  EXPECT_FALSE(cal.covers(day(2030, 1, 1)));
  EXPECT_TRUE(cal.is_working_day(day(2030, 1, 1)));   // Tuesday
  EXPECT_FALSE(cal.is_working_day(day(2030, 1, 5)));  // Saturday
  EXPECT_EQ(format_utc(cal.working_days_end(at("2030-01-03T10:00:00+08:00"), 2)), "2030-01-07T16:00:00Z");
}

TEST(CalendarLoader, OptionsArePassedThrough) {
  calendar_options o;
  o.zone = "Nowhere/Special";
  auto cal = load_calendar(tw_dir, o);
  ASSERT_FALSE(cal);
  EXPECT_EQ(cal.error().to_string(), "invalid_definition: zone: unknown time zone \"Nowhere/Special\"");
}

TEST(CalendarLoader, MissingDirectory) {
  auto cal = load_calendar("/nonexistent/casework/calendar");
  ASSERT_FALSE(cal);
  EXPECT_EQ(cal.error().to_string(), "not_found: /nonexistent/casework/calendar: no such directory");
}

TEST_F(CalendarDir, EmptyDirectory) {
  write("README.md", "no data");
  EXPECT_EQ(load_error(), "not_found: " + dir_.string() + ": holds no YEAR.json file");
}

TEST_F(CalendarDir, EntryErrorsNameTheFileAndIndex) {
  write("2026.json", R"([{"date": "20260101", "holiday": true}, {"date": "2026011", "holiday": true}])");
  EXPECT_EQ(load_error(),
            "invalid_definition: 2026.json: [1].date: \"2026011\": not a day "
            "(expected YYYY-MM-DD or YYYYMMDD)");
  write("2026.json", R"([{"date": "20250101", "holiday": true}])");
  EXPECT_EQ(load_error(), "invalid_definition: 2026.json: [0].date: 2025-01-01 is not in 2026");
  write("2026.json", R"([{"date": "20260101", "holiday": "yes"}])");
  EXPECT_EQ(load_error(), "invalid_definition: 2026.json: [0].holiday: must be true or false");
  write("2026.json", R"([{"date": "20260101", "holiday": true, "name": 7}])");
  EXPECT_EQ(load_error(), "invalid_definition: 2026.json: [0].name: must be a string");
  write("2026.json", R"([{"date": "20260101", "holiday": true}, {"date": "20260101", "holiday": false}])");
  EXPECT_EQ(load_error(),
            "invalid_definition: 2026.json: [1].date: 2026-01-01 is listed twice (first at [0])");
  write("2026.json", R"([17])");
  EXPECT_EQ(load_error(), "invalid_definition: 2026.json: [0]: must be an object");
}

TEST_F(CalendarDir, FileErrors) {
  write("2026.json", R"({"date": "20260101"})");
  EXPECT_EQ(load_error(), "invalid_definition: 2026.json: must be an array");
  write("2026.json", "[{");
  EXPECT_EQ(load_error().rfind("invalid_definition: 2026.json: not valid JSON: ", 0), 0u) << load_error();
}

TEST_F(CalendarDir, CoverageMustHaveNoGaps) {
  write("2024.json", "[]");
  write("2026.json", "[]");
  EXPECT_EQ(load_error(),
            "invalid_definition: 2025.json: missing: the coverage 2024..2026 needs one file per year");
}

TEST_F(CalendarDir, OverrideErrors) {
  write("2026.json", "[]");
  write("overrides.json", R"([{"date": "20260501", "working": true}])");
  EXPECT_EQ(load_error(),
            "invalid_definition: overrides.json: [0].note: required: say why the published day is wrong");
  write("overrides.json", R"([{"date": "20300101", "working": true, "note": "x"}])");
  EXPECT_EQ(load_error(), "invalid_definition: overrides.json: [0].date: 2030-01-01 is not in 2026");
  write("overrides.json", R"([{"date": "20260101", "note": "x"}])");
  EXPECT_EQ(load_error(), "invalid_definition: overrides.json: [0].working: must be true or false");
}

TEST_F(CalendarDir, OverridesAddOrReplaceDays) {
  write("2026.json", R"([{"date": "20260501", "holiday": true, "name": "勞動節"}])");
  write("overrides.json", R"([{"date": "20260501", "working": true, "note": "test"},
                              {"date": "20260502", "working": true, "name": "make-up", "note": "test"}])");
  auto cal = load_calendar(dir_.string());
  ASSERT_TRUE(cal) << cal.error().to_string();
  EXPECT_TRUE(cal->is_working_day(day(2026, 5, 1)));
  EXPECT_EQ(cal->published(day(2026, 5, 1))->name, "勞動節");  // no "name" in the override: kept
  EXPECT_TRUE(cal->is_working_day(day(2026, 5, 2)));           // a Saturday made a working day
  EXPECT_EQ(cal->published(day(2026, 5, 2))->name, "make-up");
}

}  // namespace
}  // namespace casework
