// Timer rules observed through the actor runtime on CAF's test coordinator: each reminder is recorded at its
// exact instant, and not before (RULES.md R6.3, R6.5-R6.7, R5.2, R4.1).
#include "runtime_support.hpp"

namespace casework {
namespace {

using testing::kStreetlight;

class RuntimeTimers : public testing::runtime_test {
 protected:
  std::string working_streetlight() {
    auto c = create("dispatch", kStreetlight);
    ok(c.state->id, "sign", "duty_officer");
    ok(c.state->id, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})");
    return c.state->id;
  }
};

TEST_F(RuntimeTimers, R6_3_RenotifiesAt10MinutesAndNotBefore) {
  auto c = create("dispatch", kStreetlight);
  EXPECT_EQ(c.state->state, "created");
  EXPECT_EQ(notes(), std::vector<std::string>{"established@2026-03-02T01:00:00Z recorded@2026-03-02T01:00:00Z"});
  eng->advance_time(std::chrono::minutes(10) - std::chrono::milliseconds(1));
  EXPECT_TRUE(notes("sign-reminder").empty()) << "not before 10 minutes";
  eng->advance_time(std::chrono::milliseconds(1));
  EXPECT_EQ(notes("sign-reminder"),
            std::vector<std::string>{"sign-reminder@2026-03-02T01:10:00Z recorded@2026-03-02T01:10:00Z"});
  advance_to("2026-03-02 12:00");
  EXPECT_EQ(notes("sign-reminder").size(), 1u) << "once only";
}

// The delivery function (engine::on_notification) is handed each record once, at its instant, and the record is
// marked sent; records raised while no function is set stay unsent in the outbox for pull readers (the case
// actors then build no records for the notifier at all).
TEST_F(RuntimeTimers, R6_3_RecordsArePushedOnceToTheDeliveryFunctionAndStayUnsentWithoutOne) {
  std::vector<std::string> pushed;
  eng->on_notification([&](const notification_record& r) {
    pushed.push_back(r.kind + "@" + format_utc(r.due) + " at " + format_utc(eng->now()));
  });
  auto c = create("dispatch", kStreetlight);
  advance_to("2026-03-02 12:00");
  const std::vector<std::string> expected{"established@2026-03-02T01:00:00Z at 2026-03-02T01:00:00Z",
                                          "sign-reminder@2026-03-02T01:10:00Z at 2026-03-02T01:10:00Z"};
  EXPECT_EQ(pushed, expected);
  eng->on_notification(nullptr);
  ok(c.state->id, "sign", "duty_officer");
  ok(c.state->id, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})");
  advance_to("2026-03-03 12:00");   // past the stage-one limit: overdue, escalated (R6.4, R6.5)
  EXPECT_EQ(pushed, expected) << "nothing pushed without a delivery function";
  auto outbox = eng->notifications(0, 1000);
  ASSERT_GT(outbox.size(), 2u) << "records raised after the function was cleared";
  for (const auto& r : outbox) EXPECT_EQ(r.sent_at.has_value(), r.position < 2) << r.kind << " at " << r.position;
}

TEST_F(RuntimeTimers, R6_5_EscalatesAtTheStageOneLimitPlusOneHour) {
  auto id = working_streetlight();
  advance_to("2026-03-03 09:59");
  EXPECT_EQ(state(id).state, "overdue");
  EXPECT_TRUE(notes("stage-one-escalation").empty());
  advance_to("2026-03-03 10:00");
  EXPECT_EQ(notes("stage-one-escalation"),
            std::vector<std::string>{"stage-one-escalation@2026-03-03T02:00:00Z recorded@2026-03-03T02:00:00Z"});
}

TEST_F(RuntimeTimers, R6_6_StageTwoRemindersOnDayThreeAndTheEveOfTheLimit) {
  auto id = working_streetlight();
  advance_to("2026-03-03 08:00");
  ok(id, "report", "handler", R"({"result": "stage one done", "finding": "fixed"})");
  advance_to("2026-03-09 08:59");
  EXPECT_EQ(notes("stage-two"),
            (std::vector<std::string>{"stage-two-day-3@2026-03-06T00:00:00Z recorded@2026-03-06T00:00:00Z",
                                      "stage-two-eve@2026-03-08T01:00:00Z recorded@2026-03-08T01:00:00Z"}));
  EXPECT_EQ(state(id).state, "stage-two");
  advance_to("2026-03-09 09:00");
  EXPECT_EQ(state(id).state, "overdue");
}

TEST_F(RuntimeTimers, R6_7_OverdueRemindsAt1800EveryDayAndNeverAfterClosing) {
  auto id = working_streetlight();
  advance_to("2026-03-05 18:30");
  EXPECT_EQ(notes("overdue-daily"),
            (std::vector<std::string>{"overdue-daily@2026-03-03T10:00:00Z recorded@2026-03-03T10:00:00Z",
                                      "overdue-daily@2026-03-04T10:00:00Z recorded@2026-03-04T10:00:00Z",
                                      "overdue-daily@2026-03-05T10:00:00Z recorded@2026-03-05T10:00:00Z"}));
  ok(id, "report", "handler", R"({"result": "one", "finding": "fixed"})");
  ok(id, "report", "handler", R"({"result": "two", "finding": "fixed"})");
  EXPECT_EQ(state(id).state, "closed");
  advance_to("2026-03-12 18:30");
  EXPECT_EQ(notes("overdue-daily").size(), 3u);
}

TEST_F(RuntimeTimers, R5_2_PetitionDeliveredAtTheNextWorkingDayIntake) {
  start("2026-03-06 15:00");   // a Friday, after the 14:00 intake
  auto p = create("petition", R"({"agency": "pwd", "description": "broken pavement",
                                  "reporter": {"name": "Citizen P", "phone": "0922000000"}})");
  EXPECT_EQ(p.state->id.substr(0, 2), "UN");
  advance_to("2026-03-09 08:59");
  EXPECT_EQ(state(p.state->id).state, "registered");
  advance_to("2026-03-09 09:00");
  auto s = state(p.state->id);
  EXPECT_EQ(s.state, "delivered");
  EXPECT_EQ(format_utc(s.entered.at("delivered")), "2026-03-09T01:00:00Z");
  EXPECT_EQ(notes("petition-delivered"),
            std::vector<std::string>{"petition-delivered@2026-03-09T01:00:00Z recorded@2026-03-09T01:00:00Z"});
}

TEST_F(RuntimeTimers, R4_1_CallbackOverdueAtFourHours) {
  auto c = create("callback", R"({"agency": "dot", "subject": "bus stop", "route": "direct",
                                  "reporter": {"phone": "0933000000"}})");
  eng->advance_time(std::chrono::hours(4) - std::chrono::milliseconds(1));
  EXPECT_EQ(state(c.state->id).state, "registered");
  eng->advance_time(std::chrono::milliseconds(1));
  auto s = state(c.state->id);
  EXPECT_EQ(s.state, "overdue");
  EXPECT_EQ(format_utc(s.entered.at("overdue")), "2026-03-02T05:00:00Z");
}

}  // namespace
}  // namespace casework
