// Transfer callbacks (R4) and agency obligations (R3, R6.9, R6.11) with exact instants (Asia/Taipei).
#include <gtest/gtest.h>

#include "rules_harness.hpp"

namespace casework {
namespace {

using testing::deadline_utc;
using testing::notifications;

class CallbackRules : public ::testing::Test {
 protected:
  std::vector<event> register_call(const char* route, case_state& s) {
    std::string input = std::string(R"({"agency": "dot", "subject": "bus stop relocation", "route": ")") + route +
                        R"(", "reporter": {"name": "Citizen Q", "phone": "0933000000"}})";
    auto r = h.try_create("callback", input, h.local("2026-03-02 10:00"));
    EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
    if (r) testing::harness::fold_into(s, *r);
    return r ? *r : std::vector<event>{};
  }
  testing::harness h;
};

TEST_F(CallbackRules, R4_1_CitizenIsCalledBackWithinFourHours) {
  case_state s;
  register_call("direct", s);
  EXPECT_EQ(deadline_utc(s, "callback"), "2026-03-02T06:00:00Z");
  h.ok(s, "assign", "liaison", R"({"handler": "dot-h-1"})", h.local("2026-03-02 10:05"));
  auto fired = h.advance(s, h.local("2026-03-02 13:59"));
  EXPECT_EQ(notifications(fired), std::vector<std::string>{"callback-due-soon@2026-03-02T05:30:00Z"});
  EXPECT_EQ(s.state, "assigned");
  fired = h.advance(s, h.local("2026-03-02 14:00"));
  EXPECT_EQ(s.state, "overdue");
  EXPECT_EQ(notifications(fired), std::vector<std::string>{"callback-overdue@2026-03-02T06:00:00Z"});
  h.ok(s, "call-back", "handler", R"({"outcome": "reached"})", h.local("2026-03-02 14:10"));
  EXPECT_EQ(s.state, "closed");
  EXPECT_EQ(compliance(h.def("callback"), s, h.local("2026-03-02 14:10")).at("callback"), "missed");
}

TEST_F(CallbackRules, R4_1_CallbackNeedsThePhoneToCall) {
  auto r = h.try_create("callback", R"({"agency": "dot", "subject": "s", "route": "direct"})", h.local("2026-03-02 10:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "invalid_argument: reporter.phone: required (R4.1)");
}

TEST_F(CallbackRules, R4_2_RefusedTransferGoesToTheLiaisonSupervisor) {
  case_state s;
  auto events = register_call("refused", s);
  EXPECT_EQ(notifications(events), std::vector<std::string>{"refused-transfer@2026-03-02T02:00:00Z"});
  const event* n = testing::find_event(events, event_type::notification);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->rule, "R4.2");
  EXPECT_EQ(testing::str(n->data.at("recipients").as_array().at(0).at("role")), R"("supervisor")");
  EXPECT_EQ(deadline_utc(s, "callback"), "2026-03-02T06:00:00Z");
}

TEST_F(CallbackRules, R4_3_BusyLineIsRegisteredAndTheSupervisorChecksTheLine) {
  case_state s;
  auto events = register_call("busy", s);
  EXPECT_EQ(notifications(events), std::vector<std::string>{"busy-line@2026-03-02T02:00:00Z"});
  h.ok(s, "check-line", "supervisor", R"({"line_status": "normal"})", h.local("2026-03-02 10:30"));
  EXPECT_EQ(s.state, "registered");
  EXPECT_EQ(testing::str(*find_path(s.fields, "line_status")), R"("normal")");
  EXPECT_EQ(deadline_utc(s, "callback"), "2026-03-02T06:00:00Z");
}

class ObligationRules : public ::testing::Test {
 protected:
  case_state obligation(const std::string& fields, const char* at) {
    return h.create("obligation", R"({"agency": "dep", )" + fields + "}", h.local(at), {}, "supervisor");
  }
  testing::harness h;
};

TEST_F(ObligationRules, R3_1_FaqUpdateWithinSixWorkingDays) {
  // Monday 03-02: Tue 3, Wed 4, Thu 5, Fri 6, Mon 9, Tue 10 -> end of Tuesday 2026-03-10.
  auto s = obligation(R"("kind": "faq_update")", "2026-03-02 11:00");
  EXPECT_EQ(deadline_utc(s, "faq-update"), "2026-03-10T16:00:00Z");
  auto fired = h.advance(s, h.local("2026-03-11 00:00"));
  EXPECT_EQ(notifications(fired), (std::vector<std::string>{"obligation-due-tomorrow@2026-03-09T16:00:00Z",
                                                            "obligation-overdue@2026-03-10T16:00:00Z"}));
  EXPECT_EQ(s.state, "overdue");
}

TEST_F(ObligationRules, R3_2_PressReleaseBeforeTheActivityDay) {
  auto s = obligation(R"("kind": "press_release", "activity_date": "2026-03-20")", "2026-03-02 11:00");
  EXPECT_EQ(deadline_utc(s, "press-release"), "2026-03-19T16:00:00Z");
  auto r = h.try_create("obligation", R"({"agency": "dep", "kind": "press_release"})", h.local("2026-03-02 11:00"),
                        {}, "supervisor");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "rule_violation: activity_date: required for a press_release obligation (R3.2)");
}

TEST_F(ObligationRules, R3_3_NewspaperResponseBy1000) {
  auto s = obligation(R"("kind": "newspaper_response")", "2026-03-02 07:30");
  EXPECT_EQ(deadline_utc(s, "newspaper-response"), "2026-03-02T02:00:00Z");
  h.ok(s, "done", "liaison", R"({"reference": "response 12"})", h.local("2026-03-02 09:45"));
  EXPECT_EQ(compliance(h.def("obligation"), s, h.local("2026-03-02 09:45")).at("newspaper-response"), "met");
}

TEST_F(ObligationRules, R3_4_EmergencyReportedWithinOneHour) {
  auto s = obligation(R"("kind": "emergency_notice")", "2026-03-02 23:20");
  EXPECT_EQ(deadline_utc(s, "emergency-notice"), "2026-03-02T16:20:00Z");
  h.advance(s, h.local("2026-03-03 00:20"));
  EXPECT_EQ(s.state, "overdue");
}

TEST_F(ObligationRules, R3_5_NextMonthsPlanByThe26th) {
  auto early = obligation(R"("kind": "monthly_plan")", "2026-03-10 09:00");
  EXPECT_EQ(deadline_utc(early, "monthly-plan"), "2026-03-26T16:00:00Z");
  auto late = obligation(R"("kind": "monthly_plan")", "2026-03-27 09:00");
  EXPECT_EQ(deadline_utc(late, "monthly-plan"), "2026-04-26T16:00:00Z");
}

TEST_F(ObligationRules, R3_6_OverdueObligationsAreRemindedDailyUntilDone) {
  auto s = obligation(R"("kind": "emergency_notice")", "2026-03-02 10:00");
  auto fired = h.advance(s, h.local("2026-03-03 18:00"));
  EXPECT_EQ(notifications(fired), (std::vector<std::string>{"obligation-overdue@2026-03-02T03:00:00Z",
                                                            "obligation-overdue-daily@2026-03-02T10:00:00Z",
                                                            "obligation-overdue-daily@2026-03-03T10:00:00Z"}));
  h.ok(s, "done", "supervisor", "{}", h.local("2026-03-03 19:00"));
  EXPECT_EQ(compliance(h.def("obligation"), s, h.local("2026-03-03 19:00")).at("emergency-notice"), "missed");
  EXPECT_TRUE(h.advance(s, h.local("2026-03-10 18:00")).empty());
}

TEST_F(ObligationRules, R6_9_DispatchWindowChangeToldTwoDaysAhead) {
  auto s = obligation(R"("kind": "window_change", "change_date": "2026-03-20")", "2026-03-02 11:00");
  EXPECT_EQ(deadline_utc(s, "window-change"), "2026-03-17T16:00:00Z");
}

TEST_F(ObligationRules, R6_11_ForwardOutsideWithinTwoWorkingDays) {
  // Friday 03-06 -> Mon 9, Tue 10: end of Tuesday.
  auto s = obligation(R"("kind": "forward_outside", "authority": "Freeway Bureau")", "2026-03-06 16:00");
  EXPECT_EQ(deadline_utc(s, "forward-outside"), "2026-03-10T16:00:00Z");
}

}  // namespace
}  // namespace casework
