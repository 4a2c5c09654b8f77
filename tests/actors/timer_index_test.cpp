// The timer service's index of pending timers (actors/src/timer_index.hpp): order, ties, replacement,
// cancellation, limits, accounting, a randomized comparison with a std::set model, and a 1M-timer run.
#include "timer_index.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <tuple>

namespace casework::detail {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const instant t0 = instant{std::chrono::hours{24 * 20514}};  // 2026-03-02T00:00:00Z

pending_timer timer(std::string name, instant due) {
  return {std::move(name), due, "R6.3"};
}

std::vector<std::string> names(const std::vector<due_timer>& fired) {
  std::vector<std::string> out;
  for (const auto& f : fired) out.push_back(f.case_id + "/" + f.timer);
  return out;
}

TEST(TimerIndex, TakesDueTimersInDueOrderAcrossCases) {
  timer_index index;
  index.set("b", {timer("remind", t0 + minutes{10}), timer("escalate", t0 + minutes{30})});
  index.set("a", {timer("ack", t0 + minutes{20})});
  EXPECT_EQ(index.next_due(), t0 + minutes{10});
  EXPECT_EQ(names(index.take_due(t0 + minutes{25})), (std::vector<std::string>{"b/remind", "a/ack"}));
  EXPECT_EQ(index.next_due(), t0 + minutes{30});
  EXPECT_TRUE(index.take_due(t0 + minutes{29}).empty());
  const auto last = index.take_due(t0 + minutes{30});  // due exactly now is due
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0], (due_timer{"b", "escalate", t0 + minutes{30}}));
  EXPECT_EQ(index.next_due(), std::nullopt);
}

TEST(TimerIndex, TiesComeOutByCaseIdThenTimerName) {
  timer_index index;  // handles are given in the order c, a, b: the order must come from the names
  index.set("c", {timer("zeta", t0), timer("alpha", t0)});
  index.set("a", {timer("remind", t0), timer("ack", t0)});
  index.set("b", {timer("ack", t0 - minutes{1}), timer("ack", t0)});
  EXPECT_EQ(names(index.take_due(t0)),
            (std::vector<std::string>{"b/ack", "a/ack", "a/remind", "b/ack", "c/alpha", "c/zeta"}));
}

TEST(TimerIndex, SetReplacesEveryTimerOfTheCase) {
  timer_index index;
  index.set("a", {timer("remind", t0 + minutes{10}), timer("escalate", t0 + minutes{20})});
  index.set("a", {{"close", t0 + minutes{15}, "R6.9"}});
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.next_due(), t0 + minutes{15});
  const auto pending = index.timers_of("a");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].name, "close");
  EXPECT_EQ(pending[0].rule, "R6.9");
  EXPECT_EQ(names(index.take_due(t0 + minutes{60})), (std::vector<std::string>{"a/close"}));
}

TEST(TimerIndex, SetWithTheSameTimersIsIdempotent) {
  timer_index index;
  const std::vector<pending_timer> timers{timer("remind", t0), timer("ack", t0), timer("remind", t0)};
  index.set("a", timers);
  index.set("a", timers);
  index.set("a", {timer("other", t0)});
  index.set("a", timers);       // back to the first set: its old heap entries must not fire twice
  EXPECT_EQ(index.size(), 2u);  // (case, timer, due) is kept once
  EXPECT_EQ(names(index.take_due(t0)), (std::vector<std::string>{"a/ack", "a/remind"}));
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.next_due(), std::nullopt);
}

TEST(TimerIndex, CancelRemovesEveryTimerOfTheCase) {
  timer_index index;
  index.set("a", {timer("remind", t0), timer("escalate", t0 + minutes{5})});
  index.set("b", {timer("remind", t0 + minutes{1})});
  index.cancel("a");
  index.cancel("unknown");
  EXPECT_TRUE(index.timers_of("a").empty());
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.cases(), 1u);
  index.set("b", {});  // an empty set cancels too
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(index.take_due(t0 + minutes{60}).empty());
}

TEST(TimerIndex, TakeDueWithLimitLeavesTheRest) {
  timer_index index;
  index.set("a", {timer("ack", t0), timer("remind", t0 + minutes{1})});
  index.set("b", {timer("ack", t0), timer("remind", t0 + minutes{2})});
  EXPECT_EQ(names(index.take_due(t0 + minutes{5}, 1)), (std::vector<std::string>{"a/ack"}));
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.next_due(), t0);
  EXPECT_EQ(names(index.take_due(t0 + minutes{5}, 2)), (std::vector<std::string>{"b/ack", "a/remind"}));
  EXPECT_TRUE(index.take_due(t0 + minutes{5}, 0).empty());
  EXPECT_EQ(names(index.take_due(t0 + minutes{5})), (std::vector<std::string>{"b/remind"}));
}

TEST(TimerIndex, NextDueSkipsStaleEntries) {
  timer_index index;
  index.set("a", {timer("remind", t0)});
  index.set("b", {timer("remind", t0 + minutes{3})});
  index.set("a", {timer("remind", t0 + minutes{5})});  // a's entry at t0 is now stale
  EXPECT_EQ(index.next_due(), t0 + minutes{3});
  index.cancel("b");
  EXPECT_EQ(index.next_due(), t0 + minutes{5});
  index.cancel("a");
  EXPECT_EQ(index.next_due(), std::nullopt);
  EXPECT_EQ(index.heap_entries(), 0u);
}

TEST(TimerIndex, CaseReSetAfterItsTimersWereTaken) {
  timer_index index;
  index.set("a", {timer("remind", t0)});
  ASSERT_EQ(index.take_due(t0).size(), 1u);
  EXPECT_EQ(index.cases(), 0u);
  index.set("a", {timer("remind", t0)});  // the same (timer, due) again: pending once more
  index.set("a", {timer("remind", t0), timer("escalate", t0 + minutes{1})});
  EXPECT_EQ(names(index.take_due(t0 + minutes{1})), (std::vector<std::string>{"a/remind", "a/escalate"}));
  EXPECT_EQ(index.size(), 0u);
}

TEST(TimerIndex, SizeAndCasesCountLiveTimersOnly) {
  timer_index index;
  index.set("a", {timer("ack", t0), timer("remind", t0 + minutes{1})});
  index.set("b", {timer("ack", t0 + minutes{2})});
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.cases(), 2u);
  index.take_due(t0);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.cases(), 2u);
  index.take_due(t0 + minutes{1});
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.cases(), 1u);
  index.set("b", {timer("ack", t0 + minutes{2}), timer("remind", t0 + minutes{3})});
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.cases(), 1u);
  index.cancel("b");
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.cases(), 0u);
}

TEST(TimerIndex, MemoryStaysProportionalToLiveTimers) {
  timer_index index(16);
  index.set("b", {timer("remind", t0 + minutes{1})});
  for (int i = 0; i < 10000; ++i) {  // every set supersedes the last: stale entries far in the future
    index.set("a", {timer("remind", t0 + minutes{100 + i}), timer("close", t0 + minutes{200 + i})});
    ASSERT_LE(index.heap_entries(), 2 * index.size() + 16);
  }
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(names(index.take_due(t0 + minutes{20000})),
            (std::vector<std::string>{"b/remind", "a/remind", "a/close"}));
  EXPECT_EQ(index.heap_entries(), 0u);
}

// The model: one std::set of (due, case, timer), which is exactly the take order.
TEST(TimerIndex, MatchesASetModelOver20000RandomOperations) {
  using key = std::tuple<std::int64_t, std::string, std::string>;
  const std::size_t slack = 2;  // small, so compaction and handle reuse happen often
  timer_index index(slack);
  std::set<key> model;
  std::mt19937 rng(20260302);
  const std::vector<std::string> timer_names{"ack", "remind", "escalate", "close", "notify", "r"};
  instant now = t0;
  auto case_id = [&] { return "case-" + std::to_string(rng() % 40); };
  auto erase_case = [&](const std::string& c) {
    for (auto it = model.begin(); it != model.end();) it = std::get<1>(*it) == c ? model.erase(it) : ++it;
  };
  for (int op = 0; op < 20000; ++op) {
    const unsigned kind = rng() % 20;
    if (kind < 9) {
      const std::string c = case_id();
      std::vector<pending_timer> timers;
      for (unsigned n = rng() % 5; n > 0; --n) {
        const minutes ahead{rng() % 2 ? int(rng() % 60) - 10 : int(rng() % 3000)};  // some far ahead
        timers.push_back(timer(timer_names[rng() % timer_names.size()], now + ahead));
      }
      index.set(c, timers);
      erase_case(c);
      for (const auto& t : timers) model.insert({t.due.time_since_epoch().count(), c, t.name});
    } else if (kind < 11) {
      const std::string c = case_id();
      index.cancel(c);
      erase_case(c);
    } else if (kind < 13) {
      const std::string c = case_id();
      index.set(c, index.timers_of(c));  // same content: nothing changes
    } else {
      now += minutes{rng() % 10};
      const std::size_t limit = rng() % 4 == 0 ? std::numeric_limits<std::size_t>::max() : rng() % 5;
      std::vector<due_timer> expected;
      while (!model.empty() && expected.size() < limit &&
             std::get<0>(*model.begin()) <= now.time_since_epoch().count()) {
        const auto& [due, c, name] = *model.begin();
        expected.push_back({c, name, instant{duration{due}}});
        model.erase(model.begin());
      }
      ASSERT_EQ(index.take_due(now, limit), expected) << "op " << op;
    }
    ASSERT_EQ(index.size(), model.size()) << "op " << op;
    std::set<std::string> live_cases;
    for (const auto& k : model) live_cases.insert(std::get<1>(k));
    ASSERT_EQ(index.cases(), live_cases.size()) << "op " << op;
    const auto next =
        model.empty() ? std::nullopt : std::optional<instant>{duration{std::get<0>(*model.begin())}};
    ASSERT_EQ(index.next_due(), next) << "op " << op;
    ASSERT_LE(index.heap_entries(), 2 * index.size() + slack) << "op " << op;
    if (op % 100 == 0) {
      for (int i = 0; i < 40; ++i) {
        const std::string c = "case-" + std::to_string(i);
        std::vector<pending_timer> want;
        for (const auto& [due, kc, name] : model) {
          if (kc == c) want.push_back(timer(name, instant{duration{due}}));
        }
        ASSERT_EQ(index.timers_of(c), want) << "op " << op << " " << c;
      }
    }
  }
}

TEST(TimerIndex, TakesAMillionTimersAcross250000CasesInOrder) {
  constexpr std::size_t case_count = 250000;
  const std::vector<std::string> timer_names{"ack", "remind", "escalate", "close"};
  timer_index index;
  std::mt19937 rng(7);
  for (std::size_t i = 0; i < case_count; ++i) {
    std::vector<pending_timer> timers;
    for (const auto& n : timer_names) timers.push_back(timer(n, t0 + seconds{rng() % 86400}));  // many ties
    index.set("TPE-" + std::to_string(1000000 + i), timers);
  }
  ASSERT_EQ(index.size(), 4 * case_count);
  ASSERT_EQ(index.cases(), case_count);

  std::size_t taken = 0;
  due_timer previous;
  for (;;) {
    const auto batch = index.take_due(t0 + seconds{86400}, 65536);
    if (batch.empty()) break;
    for (const auto& d : batch) {
      if (taken > 0) {
        ASSERT_LT(std::tie(previous.due, previous.case_id, previous.timer),
                  std::tie(d.due, d.case_id, d.timer));
      }
      previous = d;
      ++taken;
    }
  }
  EXPECT_EQ(taken, 4 * case_count);
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.cases(), 0u);
  EXPECT_EQ(index.next_due(), std::nullopt);
  EXPECT_EQ(index.heap_entries(), 0u);
}

}  // namespace
}  // namespace casework::detail
