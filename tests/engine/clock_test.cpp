// The injected engine clocks (casework/clock.hpp).
#include "casework/clock.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace casework {
namespace {

using namespace std::chrono;

instant at(std::string_view text) {
  auto t = parse_instant(text);
  EXPECT_TRUE(t) << text;
  return t ? *t : instant{};
}

TEST(Clock, ManualClockStartsWhereItIsTold) {
  manual_clock c(at("2026-03-02T01:10:00Z"));
  EXPECT_EQ(format_utc(c.now()), "2026-03-02T01:10:00Z");
}

TEST(Clock, ManualClockAdvances) {
  manual_clock c(at("2026-03-02T01:10:00Z"));
  ASSERT_TRUE(c.advance(minutes{10}));
  EXPECT_EQ(format_utc(c.now()), "2026-03-02T01:20:00Z");
  ASSERT_TRUE(c.advance(duration{0}));
  ASSERT_TRUE(c.advance(milliseconds{5}));
  EXPECT_EQ(format_utc(c.now()), "2026-03-02T01:20:00.005Z");
}

TEST(Clock, ManualClockSetsForwardAndToTheSameInstant) {
  manual_clock c(at("2026-03-02T01:10:00Z"));
  ASSERT_TRUE(c.set(at("2026-03-09T01:00:00Z")));
  EXPECT_EQ(format_utc(c.now()), "2026-03-09T01:00:00Z");
  ASSERT_TRUE(c.set(at("2026-03-09T01:00:00Z")));
  EXPECT_EQ(format_utc(c.now()), "2026-03-09T01:00:00Z");
}

TEST(Clock, ManualClockNeverRunsBackwards) {
  manual_clock c(at("2026-03-02T01:10:00Z"));
  status s = c.set(at("2026-03-02T01:09:59.999Z"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().to_string(),
            "invalid_argument: manual_clock.set: 2026-03-02T01:09:59.999Z is before the current time "
            "2026-03-02T01:10:00Z (time never runs backwards)");
  EXPECT_EQ(format_utc(c.now()), "2026-03-02T01:10:00Z");
}

TEST(Clock, ManualClockRefusesNegativeAdvance) {
  manual_clock c(at("2026-03-02T01:10:00Z"));
  status s = c.advance(milliseconds{-1});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().to_string(),
            "invalid_argument: manual_clock.advance: negative duration -1ms (time never runs backwards)");
  EXPECT_EQ(format_utc(c.now()), "2026-03-02T01:10:00Z");
}

TEST(Clock, ManualClockIsSafeToShareBetweenThreads) {
  manual_clock c(at("2026-03-02T00:00:00Z"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&c] {
      for (int k = 0; k < 1000; ++k) EXPECT_TRUE(c.advance(milliseconds{1}));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(format_utc(c.now()), "2026-03-02T00:00:04Z");
}

TEST(Clock, UsableThroughTheInterface) {
  manual_clock m(at("2026-03-02T01:10:00Z"));
  const clock& c = m;
  EXPECT_EQ(format_utc(c.now()), "2026-03-02T01:10:00Z");
}

// The real clock reads the system clock, so only its resolution and direction can be checked exactly.
TEST(Clock, RealClockHasMillisecondResolutionAndDoesNotRunBackwards) {
  real_clock c;
  instant a = c.now();
  instant b = c.now();
  EXPECT_LE(a, b);
  EXPECT_GT(a, at("2025-01-01T00:00:00Z"));  // the system clock is set (this code was written in 2025+)
}

}  // namespace
}  // namespace casework
