// The petition workflow (RULES.md section R5) through the interpreter, with exact instants (Asia/Taipei).
#include <gtest/gtest.h>

#include "rules_harness.hpp"

namespace casework {
namespace {

using testing::deadline_utc;
using testing::notifications;

constexpr const char* kPetition = R"({"agency": "pwd", "subject": "broken pavement",
  "description": "the pavement outside the school is broken", "reporter": {"name": "Citizen P", "phone": "0922000000"}})";

class PetitionRules : public ::testing::Test {
 protected:
  // Registered on Friday 2026-03-06 at 15:00, after that day's last intake.
  case_state friday_petition(const char* input = kPetition) {
    return h.create("petition", input, h.local("2026-03-06 15:00"));
  }
  case_state delivered_petition() {
    auto s = friday_petition();
    h.advance(s, h.local("2026-03-09 09:00"));
    return s;
  }
  case_state assigned_petition() {
    auto s = delivered_petition();
    h.ok(s, "assign", "intake_clerk", R"({"handler": "pwd-h-1"})", h.local("2026-03-09 09:30"));
    return s;
  }
  testing::harness h;
};

TEST_F(PetitionRules, R5_1_PetitionsAreNumberedWithUN) {
  auto s = friday_petition();
  EXPECT_EQ(s.id.substr(0, 2), "UN");
  EXPECT_EQ(s.id.size(), 15u);
  EXPECT_EQ(s.state, "registered");
}

TEST_F(PetitionRules, R5_2_DeliveredAtTheNextWorkingDayIntake) {
  auto s = friday_petition();
  EXPECT_EQ(deadline_utc(s, "intake"), "2026-03-09T01:00:00Z");  // Monday 09:00
  EXPECT_TRUE(h.advance(s, h.local("2026-03-09 08:59")).empty());
  auto fired = h.advance(s, h.local("2026-03-09 09:00"));
  EXPECT_EQ(s.state, "delivered");
  EXPECT_EQ(notifications(fired), std::vector<std::string>{"petition-delivered@2026-03-09T01:00:00Z"});
}

TEST_F(PetitionRules, R5_2_MorningRegistrationIsDeliveredAt1400) {
  auto s = h.create("petition", kPetition, h.local("2026-03-09 09:01"));
  EXPECT_EQ(deadline_utc(s, "intake"), "2026-03-09T06:00:00Z");
  auto at_nine = h.create("petition", kPetition, h.local("2026-03-09 09:00"));
  EXPECT_EQ(deadline_utc(at_nine, "intake"), "2026-03-09T01:00:00Z") << "an intake takes what is there at 09:00";
}

TEST_F(PetitionRules, R5_2_AssignWithinOneHourOfIntakeOrTheClerksAreReminded) {
  auto s = delivered_petition();
  EXPECT_EQ(deadline_utc(s, "assign"), "2026-03-09T02:00:00Z");
  EXPECT_TRUE(h.advance(s, h.local("2026-03-09 09:59")).empty());
  auto fired = h.advance(s, h.local("2026-03-09 10:00"));
  EXPECT_EQ(notifications(fired), std::vector<std::string>{"assign-overdue@2026-03-09T02:00:00Z"});
  h.ok(s, "assign", "intake_clerk", R"({"handler": "pwd-h-1"})", h.local("2026-03-09 10:30"));
  EXPECT_EQ(compliance(h.def("petition"), s, h.local("2026-03-09 10:30")).at("assign"), "missed");
}

TEST_F(PetitionRules, R5_2_ForwardToASubordinateAgencyDeliversItAnew) {
  auto s = delivered_petition();
  auto events = h.ok(s, "forward", "intake_clerk", R"({"to_agency": "pwd-parks-lights"})", h.local("2026-03-09 09:20"));
  EXPECT_EQ(s.agency, "pwd-parks-lights");
  EXPECT_EQ(s.state, "delivered");
  EXPECT_EQ(deadline_utc(s, "assign"), "2026-03-09T02:20:00Z");
  const event* n = testing::find_event(events, event_type::notification);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(testing::str(n->data.at("recipients").as_array().at(0).at("agency")), R"("pwd-parks-lights")");
}

TEST_F(PetitionRules, R5_3_ReassignWithinOneWorkingDayOfReceipt) {
  // Received at Monday 09:00 intake: one working day runs to the end of Tuesday.
  auto late = delivered_petition();
  auto r = h.exec(late, "reassign", "intake_clerk", R"({"to_agency": "dot", "approved_by": "pwd-sup-1"})",
                  h.local("2026-03-11 00:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(),
            "rule_violation: reassignment is allowed within 1 working day of receipt (2 with a site visit) (R5.3)");
  auto s = delivered_petition();
  h.ok(s, "reassign", "intake_clerk", R"({"to_agency": "dot", "approved_by": "pwd-sup-1"})",
       h.local("2026-03-10 23:59"));
  EXPECT_EQ(s.agency, "dot");
  EXPECT_EQ(s.state, "delivered");
}

TEST_F(PetitionRules, R5_3_SiteVisitAllowsTwoWorkingDays) {
  auto s = delivered_petition();
  h.ok(s, "reassign", "intake_clerk", R"({"to_agency": "dot", "approved_by": "pwd-sup-1", "site_visit": true})",
       h.local("2026-03-11 17:00"));
  EXPECT_EQ(s.agency, "dot");
  auto late = delivered_petition();
  EXPECT_FALSE(h.exec(late, "reassign", "intake_clerk",
                      R"({"to_agency": "dot", "approved_by": "pwd-sup-1", "site_visit": true})",
                      h.local("2026-03-12 00:00")));
}

TEST_F(PetitionRules, R5_3_ReassignNeedsApproval) {
  auto s = delivered_petition();
  auto r = h.exec(s, "reassign", "intake_clerk", R"({"to_agency": "dot"})", h.local("2026-03-09 10:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "invalid_argument: approved_by: required (R5.3)");
}

TEST_F(PetitionRules, R5_3_AddAnAgencyOpensALinkedPetition) {
  auto s = assigned_petition();
  auto events = h.ok(s, "add-agency", "intake_clerk", R"({"add_agency": "dot", "approved_by": "pwd-sup-1"})",
                     h.local("2026-03-10 10:00"));
  EXPECT_EQ(s.agency, "pwd");
  const event* link = testing::find_event(events, event_type::link_requested);
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(testing::str(link->data.at("relation")), R"("added-agency")");
  EXPECT_EQ(testing::str(link->data.at("agency")), R"("dot")");
}

TEST_F(PetitionRules, R5_5_ReplyDueSixWorkingDaysFromTheWorkingDayAfterRegistration) {
  // Friday 03-06 -> Mon 9, Tue 10, Wed 11, Thu 12, Fri 13, Mon 16: end of Monday 2026-03-16.
  auto s = friday_petition();
  EXPECT_EQ(deadline_utc(s, "reply"), "2026-03-16T16:00:00Z");
}

TEST_F(PetitionRules, R5_5_LunarNewYearIsNotCounted) {
  // Friday 2026-02-13: 02-14..02-22 off; 23, 24, 25, 26 count; 02-27 and 02-28 are holidays; 03-02, 03-03.
  auto s = h.create("petition", kPetition, h.local("2026-02-13 10:00"));
  EXPECT_EQ(deadline_utc(s, "reply"), "2026-03-03T16:00:00Z");
}

TEST_F(PetitionRules, R5_5_CityWideTyphoonClosureExtendsTheReplyDeadline) {
  auto s = friday_petition();
  auto cal = h.rules().calendar.with_closure(closure{*parse_day("2026-03-11"), closure_scope::city_wide,
                                                     "Typhoon Kong-rey", "", h.local("2026-03-10 20:00")});
  ASSERT_TRUE(cal);
  context ctx{*cal, h.rules().items, h.rules().people};
  auto moved = recompute_deadlines(h.def("petition"), ctx, s, h.local("2026-03-10 20:00"));
  ASSERT_TRUE(moved);
  ASSERT_EQ(moved->size(), 1u);
  const auto& e = moved->front();
  EXPECT_EQ(e.rule, "R5.5");
  EXPECT_EQ(testing::str(e.data.at("at")), R"("2026-03-17T16:00:00Z")");
  EXPECT_EQ(testing::str(e.data.at("previous")), R"("2026-03-16T16:00:00Z")");
  EXPECT_EQ(testing::str(e.data.at("reason")),
            R"x("calendar version 0 -> 1: city-wide closure on 2026-03-11 (Typhoon Kong-rey)")x");
  testing::harness::fold_into(s, *moved);
  EXPECT_EQ(s.deadlines.at("reply").calendar_version, 1u);
}

TEST_F(PetitionRules, R5_5_PartialClosureDoesNotExtend) {
  auto s = friday_petition();
  auto cal = h.rules().calendar.with_closure(closure{*parse_day("2026-03-11"), closure_scope::partial,
                                                     "Flooding", "Beitou", h.local("2026-03-10 20:00")});
  ASSERT_TRUE(cal);
  context ctx{*cal, h.rules().items, h.rules().people};
  auto moved = recompute_deadlines(h.def("petition"), ctx, s, h.local("2026-03-10 20:00"));
  ASSERT_TRUE(moved);
  EXPECT_TRUE(moved->empty());
}

TEST_F(PetitionRules, R5_5_UnansweredPetitionBecomesOverdueAtItsDeadline) {
  auto s = assigned_petition();
  auto fired = h.advance(s, h.local("2026-03-16 23:59"));
  EXPECT_EQ(notifications(fired), std::vector<std::string>{"reply-due-today@2026-03-16T01:00:00Z"});
  EXPECT_EQ(s.state, "assigned");
  fired = h.advance(s, h.local("2026-03-17 00:00"));
  EXPECT_EQ(s.state, "overdue");
  EXPECT_EQ(notifications(fired), std::vector<std::string>{"petition-overdue@2026-03-16T16:00:00Z"});
}

TEST_F(PetitionRules, R5_6_ReplyRecordsDocumentNumberDateGradeAndText) {
  auto s = assigned_petition();
  auto r = h.exec(s, "reply", "handler", R"({"document_number": "1150309001", "grade": "A", "text": "fixed",
                                             "approved_by": "pwd-sup-1"})", h.local("2026-03-10 10:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "invalid_argument: reply_date: required (R5.6)");
  h.ok(s, "reply", "handler", R"({"document_number": "1150309001", "reply_date": "2026-03-10", "grade": "A",
                                  "text": "the pavement was repaired", "approved_by": "pwd-sup-1"})",
       h.local("2026-03-10 10:00"));
  EXPECT_EQ(s.state, "replied");
  EXPECT_EQ(testing::str(*find_path(s.fields, "document_number")), R"("1150309001")");
  EXPECT_EQ(compliance(h.def("petition"), s, h.local("2026-03-10 10:00")).at("reply"), "met");
}

TEST_F(PetitionRules, R5_9_GradeBWithinTheDeadlineSetsAScheduleOfAtMost30Days) {
  auto s = assigned_petition();
  auto r = h.exec(s, "grade-b", "handler", R"({"schedule_days": 31, "findings": "f", "plan": "p"})",
                  h.local("2026-03-12 10:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "invalid_argument: schedule_days: must be at most 30 (R5.9)");
  h.ok(s, "grade-b", "handler", R"({"schedule_days": 20, "findings": "needs a contractor", "plan": "repair in April"})",
       h.local("2026-03-12 10:00"));
  EXPECT_EQ(s.state, "graded-b");
  EXPECT_EQ(deadline_utc(s, "final-reply"), "2026-04-01T02:00:00Z");
  EXPECT_EQ(compliance(h.def("petition"), s, h.local("2026-03-12 10:00")).at("reply"), "met");
  h.advance(s, h.local("2026-04-01 10:00"));
  EXPECT_EQ(s.state, "overdue");
}

TEST_F(PetitionRules, R5_9_GradeBAfterTheOriginalDeadlineIsRefused) {
  auto s = assigned_petition();
  auto r = h.exec(s, "grade-b", "handler", R"({"schedule_days": 10, "findings": "f", "plan": "p"})",
                  h.local("2026-03-17 00:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "rule_violation: grade B must be recorded within the original reply deadline (R5.9)");
}

TEST_F(PetitionRules, R5_10_ShortenedAnswerOnlyForARepeatPetition) {
  const char* reply = R"({"document_number": "1", "reply_date": "2026-03-10", "grade": "A", "text": "see earlier reply",
                          "approved_by": "pwd-sup-1", "short_answer": true})";
  auto s = assigned_petition();
  auto r = h.exec(s, "reply", "handler", reply, h.local("2026-03-10 10:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(),
            "rule_violation: short_answer: a shortened answer is allowed only for a repeat petition (R5.10)");
  std::string repeat = kPetition;
  repeat.insert(1, R"("repeat_of": "UN202603020001", )");
  auto bad = h.try_create("petition", repeat, h.local("2026-03-06 15:00"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().to_string(), "invalid_argument: repeat_of: must be a case id (R5.10)");
  repeat = kPetition;
  repeat.insert(1, R"("repeat_of": "UN2026030200001", )");
  auto p = h.create("petition", repeat, h.local("2026-03-06 15:00"));
  h.advance(p, h.local("2026-03-09 09:00"));
  h.ok(p, "assign", "intake_clerk", R"({"handler": "pwd-h-1"})", h.local("2026-03-09 09:30"));
  h.ok(p, "reply", "handler", reply, h.local("2026-03-10 10:00"));
  EXPECT_EQ(p.state, "replied");
}

}  // namespace
}  // namespace casework
