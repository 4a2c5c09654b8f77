// The dispatch workflow (RULES.md section R6) through the interpreter, with exact instants.
// Streetlight-out (example table): stage one PT24H, stage two P7D, agency pwd-parks-lights.
// Times are Asia/Taipei (UTC+8): 2026-03-02 is a Monday and a working day.
#include <gtest/gtest.h>

#include "rules_harness.hpp"

namespace casework {
namespace {

using testing::deadline_utc;
using testing::notifications;

constexpr const char* kReport = R"({"item": "streetlight-out", "district": "daan",
  "location": {"address": "No. 1, Section 4, Roosevelt Rd", "lat": 25.0173, "lng": 121.5397},
  "description": "lamp out", "reporter": {"name": "Citizen A", "phone": "0912000000"}, "reply": "sms"})";

class DispatchRules : public ::testing::Test {
 protected:
  case_state open_streetlight(const char* at = "2026-03-02 09:00", const char* input = kReport) {
    return h.create("dispatch", input, h.local(at), "streetlight-out");
  }
  // Signed at 09:05 and assigned at 09:06 to pwd-parks-lights' handler.
  case_state working_streetlight() {
    auto s = open_streetlight();
    h.ok(s, "sign", "duty_officer", "{}", h.local("2026-03-02 09:05"));
    h.ok(s, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})", h.local("2026-03-02 09:06"));
    return s;
  }
  testing::harness h;
};

TEST_F(DispatchRules, R6_2_ReporterNameIsRequired) {
  auto r = h.try_create("dispatch", R"({"item": "streetlight-out", "district": "daan",
                                         "reporter": {"phone": "0912000000"}})",
                        h.local("2026-03-02 09:00"), "streetlight-out");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "invalid_argument: reporter.name: required (R6.2)");
}

TEST_F(DispatchRules, R6_2_ReporterNeedsAContact) {
  auto r = h.try_create("dispatch", R"({"item": "streetlight-out", "district": "daan",
                                         "reporter": {"name": "Citizen A"}})",
                        h.local("2026-03-02 09:00"), "streetlight-out");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(),
            "invalid_argument: reporter.phone: one of reporter.phone, reporter.email, reporter.address is required "
            "(R6.2)");
}

TEST_F(DispatchRules, R6_2_BlankNameIsRefusedAndNoValueIsEchoed) {
  auto r = h.try_create("dispatch", R"({"item": "streetlight-out", "district": "daan",
                                         "reporter": {"name": "   ", "email": "a@example.org"}})",
                        h.local("2026-03-02 09:00"), "streetlight-out");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field(), "reporter.name");
  EXPECT_EQ(r.error().to_string().find("example.org"), std::string::npos);
}

TEST_F(DispatchRules, R6_1_UnknownItemIsRefused) {
  auto r = h.try_create("dispatch", kReport, h.local("2026-03-02 09:00"), "no-such-item");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "invalid_argument: item: 'no-such-item' is not an item of the item table (R6.1)");
}

TEST_F(DispatchRules, R6_3_EstablishedNotifiesDutyOfficersByEmessageAndEmail) {
  auto r = h.try_create("dispatch", kReport, h.local("2026-03-02 09:00"), "streetlight-out");
  ASSERT_TRUE(r);
  EXPECT_EQ(notifications(*r), std::vector<std::string>{"established@2026-03-02T01:00:00Z"});
  const event* n = testing::find_event(*r, event_type::notification);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(testing::str(n->data.at("channels")), R"(["emessage","email"])");
  EXPECT_EQ(testing::str(n->data.at("recipients")),
            R"([{"role":"duty_officer","agency":"pwd-parks-lights","person":"pwd-parks-lights-do-1"},)"
            R"({"role":"duty_officer","agency":"pwd-parks-lights","person":"pwd-parks-lights-do-2"}])");
  case_state s;
  testing::harness::fold_into(s, *r);
  EXPECT_EQ(s.state, "created");
  EXPECT_EQ(s.agency, "pwd-parks-lights");
  EXPECT_EQ(deadline_utc(s, "sign"), "2026-03-02T01:10:00Z");
}

TEST_F(DispatchRules, R6_3_RenotifiesAfter10MinutesUnsignedBySmsEmessageAndEmail) {
  auto s = open_streetlight();
  EXPECT_TRUE(h.advance(s, h.local("2026-03-02 09:09") + std::chrono::seconds(59)).empty());
  auto fired = h.advance(s, h.local("2026-03-02 09:10"));
  EXPECT_EQ(notifications(fired), std::vector<std::string>{"sign-reminder@2026-03-02T01:10:00Z"});
  const event* n = testing::find_event(fired, event_type::notification);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(testing::str(n->data.at("channels")), R"(["sms","emessage","email"])");
  EXPECT_EQ(n->rule, "R6.3");
  EXPECT_TRUE(h.advance(s, h.local("2026-03-02 09:30")).empty()) << "re-notified once only";
}

TEST_F(DispatchRules, R6_3_SignedInTimeIsNotRenotified) {
  auto s = open_streetlight();
  h.ok(s, "sign", "duty_officer", "{}", h.local("2026-03-02 09:09"));
  EXPECT_EQ(s.state, "signed");
  EXPECT_EQ(testing::str(*find_path(s.fields, "signed_by")), R"("duty_officer:t1")");
  EXPECT_TRUE(notifications(h.advance(s, h.local("2026-03-02 09:30"))).empty());
}

TEST_F(DispatchRules, R6_3_OnlyDutyOfficersSign) {
  auto s = open_streetlight();
  auto r = h.exec(s, "sign", "handler", "{}", h.local("2026-03-02 09:01"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "permission_denied: role: role 'handler' may not issue 'sign' (allowed: duty_officer) (R6.3)");
}

TEST_F(DispatchRules, R6_4_StageLimitsCountFromEstablishment) {
  auto s = open_streetlight();
  EXPECT_EQ(deadline_utc(s, "stage-one"), "2026-03-03T01:00:00Z");  // + PT24H
  EXPECT_EQ(deadline_utc(s, "stage-two"), "2026-03-09T01:00:00Z");  // + P7D, from establishment too
  EXPECT_EQ(s.deadlines.at("stage-one").basis,
            "created 2026-03-02T09:00:00+08:00 + PT24H (item streetlight-out stage_one)");
}

TEST_F(DispatchRules, R6_4_WorkingDayLimitsEndAtTheEndOfTheWorkingDay) {
  // traffic-sign-damaged: stage one 3 working days, stage two 14 working days. Created Friday 2026-02-13
  // 16:00, before Lunar New Year: working days after it are 02-23, 02-24, 02-25 (02-14..02-22 are off).
  auto s = h.create("dispatch", R"({"item": "traffic-sign-damaged", "district": "xinyi",
                                     "reporter": {"name": "Citizen B", "email": "b@example.org"}})",
                    h.local("2026-02-13 16:00"), "traffic-sign-damaged");
  EXPECT_EQ(deadline_utc(s, "stage-one"), "2026-02-25T16:00:00Z");
}

TEST_F(DispatchRules, R6_4_UnfinishedStageOneBecomesOverdueAtItsLimitRememberingTheStage) {
  auto s = working_streetlight();
  EXPECT_EQ(s.state, "stage-one");
  h.advance(s, h.local("2026-03-03 08:59"));
  EXPECT_EQ(s.state, "stage-one");
  h.advance(s, h.local("2026-03-03 09:00"));
  EXPECT_EQ(s.state, "overdue");
  EXPECT_EQ(s.stage, 1);
  EXPECT_EQ(format_utc(s.entered.at("overdue")), "2026-03-03T01:00:00Z");
}

TEST_F(DispatchRules, R6_4_ReportingStageOneEntersStageTwoAndTheLastStageCloses) {
  auto s = working_streetlight();
  h.ok(s, "report", "handler", R"({"result": "bulb replaced, pole needs repair", "finding": "fixed"})",
       h.local("2026-03-02 15:00"));
  EXPECT_EQ(s.state, "stage-two");
  EXPECT_EQ(s.stage, 2);
  h.ok(s, "report", "handler", R"({"result": "pole repaired", "finding": "fixed"})", h.local("2026-03-05 15:00"));
  EXPECT_EQ(s.state, "closed");
  EXPECT_TRUE(s.terminal);
  EXPECT_EQ((compliance(h.def("dispatch"), s, h.local("2026-03-05 15:00"))),
            (std::map<std::string, std::string>{{"sign", "met"}, {"stage-one", "met"}, {"stage-two", "met"}}));
}

TEST_F(DispatchRules, R6_5_EscalatesOneHourAfterAnUnfinishedStageOneLimit) {
  auto s = working_streetlight();
  auto fired = h.advance(s, h.local("2026-03-03 09:59"));
  EXPECT_EQ(notifications(fired), std::vector<std::string>{});
  fired = h.advance(s, h.local("2026-03-03 10:00"));
  ASSERT_EQ(notifications(fired), std::vector<std::string>{"stage-one-escalation@2026-03-03T02:00:00Z"});
  const event* n = testing::find_event(fired, event_type::notification);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(testing::str(n->data.at("channels")), R"(["email","sms"])");
  EXPECT_EQ(testing::str(n->data.at("recipients")),
            R"([{"role":"assigned_handler","agency":"pwd-parks-lights","person":"pwd-parks-lights-h-1"},)"
            R"({"role":"dispatch_manager","agency":"pwd-parks-lights","person":"pwd-parks-lights-dm-1"}])");
}

TEST_F(DispatchRules, R6_5_NoEscalationWhenStageOneWasReportedInTime) {
  auto s = working_streetlight();
  h.ok(s, "report", "handler", R"({"result": "done", "finding": "fixed"})", h.local("2026-03-03 08:00"));
  auto fired = h.advance(s, h.local("2026-03-03 12:00"));
  EXPECT_TRUE(notifications(fired).empty());
}

TEST_F(DispatchRules, R6_6_StageTwoRemindersOnDayThreeAndOneDayBeforeTheLimit) {
  auto s = working_streetlight();
  h.ok(s, "report", "handler", R"({"result": "stage one done", "finding": "fixed"})", h.local("2026-03-03 08:00"));
  auto fired = h.advance(s, h.local("2026-03-09 08:59"));
  EXPECT_EQ(notifications(fired), (std::vector<std::string>{"stage-two-day-3@2026-03-06T00:00:00Z",
                                                            "stage-two-eve@2026-03-08T01:00:00Z"}));
  EXPECT_EQ(s.state, "stage-two");
  h.advance(s, h.local("2026-03-09 09:00"));
  EXPECT_EQ(s.state, "overdue");
  EXPECT_EQ(s.stage, 2);
}

TEST_F(DispatchRules, R6_7_OverdueRemindsEveryDayAt1800UntilDone) {
  auto s = working_streetlight();
  auto fired = h.advance(s, h.local("2026-03-05 18:30"));
  std::vector<std::string> daily;
  for (const auto& n : notifications(fired))
    if (n.rfind("overdue-daily", 0) == 0) daily.push_back(n);
  EXPECT_EQ(daily, (std::vector<std::string>{"overdue-daily@2026-03-03T10:00:00Z", "overdue-daily@2026-03-04T10:00:00Z",
                                             "overdue-daily@2026-03-05T10:00:00Z"}));
  // Stage one done while overdue: stage two is still inside its limit.
  h.ok(s, "report", "handler", R"({"result": "stage one done late", "finding": "fixed"})", h.local("2026-03-05 19:00"));
  EXPECT_EQ(s.state, "stage-two");
  h.ok(s, "report", "handler", R"({"result": "all done", "finding": "fixed"})", h.local("2026-03-06 09:00"));
  EXPECT_EQ(s.state, "closed");
  EXPECT_TRUE(h.advance(s, h.local("2026-03-20 18:00")).empty()) << "never after closing";
  EXPECT_EQ(compliance(h.def("dispatch"), s, h.local("2026-03-20 18:00")).at("stage-one"), "missed");
}

// A case left overdue is reminded every day (R6.7) without its state growing by a (timer, due) pair a day: a
// recurring firing is recorded as such and only moves the timer's last firing, from which the next is counted.
// One-shot timers keep their pairs (they must not fire twice for the same instant, R6.3).
TEST_F(DispatchRules, R6_7_AMonthOfDailyRemindersLeavesTheStateAsSmallAsTheFirstDay) {
  auto s = working_streetlight();
  h.advance(s, h.local("2026-03-03 18:30"));
  const auto after_first = s.fired;
  ASSERT_EQ(s.last_fired.count("overdue-daily"), 1u);
  auto month = h.advance(s, h.local("2026-04-03 18:30"));
  std::size_t daily = 0;
  for (const auto& e : month)
    if (e.type == event_type::timer_fired && e.data.at("timer").as_string() == "overdue-daily") {
      ++daily;
      EXPECT_TRUE(e.data.at("recurring").as_bool());
    }
  EXPECT_GE(daily, 28u);
  EXPECT_EQ(s.fired, after_first) << "no pair per daily firing";
  EXPECT_EQ(s.last_fired.at("overdue-daily"), h.local("2026-04-03 18:00"));
  bool one_shot = false;
  for (const auto& [timer, due] : s.fired) one_shot = one_shot || timer == "stage-one-overdue";
  EXPECT_TRUE(one_shot) << "a one-shot timer keeps its (timer, due) pair";
  EXPECT_TRUE(h.advance(s, h.local("2026-04-03 18:45")).empty()) << "and the daily reminder is not due again";
}

// A history recorded before recurring firings were flagged folds as it did then: each daily firing's pair is
// in the state, so the snapshots stored with it still verify.
TEST_F(DispatchRules, R6_7_ADailyFiringRecordedWithoutTheFlagFoldsAsBefore) {
  auto created = h.try_create("dispatch", kReport, h.local("2026-03-02 09:00"), "streetlight-out");
  ASSERT_TRUE(created) << created.error().to_string();
  std::vector<event> history = *created;
  case_state s;
  testing::harness::fold_into(s, history);
  auto keep = [&](const std::vector<event>& events) { history.insert(history.end(), events.begin(), events.end()); };
  keep(h.ok(s, "sign", "duty_officer", "{}", h.local("2026-03-02 09:05")));
  keep(h.ok(s, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})", h.local("2026-03-02 09:06")));
  keep(h.advance(s, h.local("2026-03-05 18:30")));
  // The same history with the flag taken out, as an older casework recorded it.
  std::size_t daily = 0;
  for (auto& e : history)
    if (e.type == event_type::timer_fired && e.data.at("timer").as_string() == "overdue-daily") {
      ++daily;
      e.data.erase("recurring");
    }
  ASSERT_EQ(daily, 3u);
  auto folded = fold(history);
  ASSERT_TRUE(folded) << folded.error().to_string();
  EXPECT_EQ(folded->fired.size(), s.fired.size() + 3) << "a pair for each unflagged daily firing";
  EXPECT_EQ(folded->last_fired, s.last_fired);
  EXPECT_EQ(pending_timers(h.def("dispatch"), h.ctx(), *folded), h.timers(s)) << "and the same timers pending";
}

TEST_F(DispatchRules, R6_8_DoneSendsTheCitizenAnSmsWhenChosen) {
  auto s = working_streetlight();
  h.ok(s, "report", "handler", R"({"result": "one", "finding": "fixed"})", h.local("2026-03-02 12:00"));
  auto events = h.ok(s, "report", "handler", R"({"result": "two", "finding": "fixed"})", h.local("2026-03-02 13:00"));
  EXPECT_EQ(notifications(events), std::vector<std::string>{"result-sms@2026-03-02T05:00:00Z"});
  const event* n = testing::find_event(events, event_type::notification);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(testing::str(n->data.at("recipients")), R"([{"role":"citizen"}])");
}

TEST_F(DispatchRules, R6_8_DoneAsksTheCallCentreToPhoneBackWhenChosen) {
  std::string input = kReport;
  input.replace(input.find("\"sms\""), 5, "\"callback\"");
  auto s = h.create("dispatch", input, h.local("2026-03-02 09:00"), "streetlight-out");
  h.ok(s, "sign", "duty_officer", "{}", h.local("2026-03-02 09:01"));
  h.ok(s, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})", h.local("2026-03-02 09:02"));
  h.ok(s, "report", "handler", R"({"result": "one", "finding": "fixed"})", h.local("2026-03-02 12:00"));
  auto events = h.ok(s, "report", "handler", R"({"result": "two", "finding": "fixed"})", h.local("2026-03-02 13:00"));
  EXPECT_EQ(notifications(events), std::vector<std::string>{"callback-request@2026-03-02T05:00:00Z"});
  const event* n = testing::find_event(events, event_type::notification);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(std::string(n->data.at("recipients").as_array().at(0).at("agency").as_string()), "call-centre");
}

TEST_F(DispatchRules, R6_10_ReleaseBeforeTheStageOneLimitForAListedReason) {
  auto s = working_streetlight();
  h.ok(s, "release", "dispatch_operator", R"({"reason": "outside_jurisdiction"})", h.local("2026-03-03 08:59"));
  EXPECT_EQ(s.state, "released");
}

TEST_F(DispatchRules, R6_10_ReleaseAfterTheStageOneLimitIsRefused) {
  auto s = working_streetlight();  // timers not run: still stage-one, but the limit has passed
  auto r = h.exec(s, "release", "dispatch_operator", R"({"reason": "outside_jurisdiction"})",
                  h.local("2026-03-03 09:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(),
            "rule_violation: release is allowed only before the stage-one limit or within 2 days after entering "
            "stage two (R6.10)");
  EXPECT_EQ(s.state, "stage-one") << "a refused command changes nothing";
}

TEST_F(DispatchRules, R6_10_ReleaseWithinTwoDaysOfEnteringStageTwo) {
  auto s = working_streetlight();
  h.ok(s, "report", "handler", R"({"result": "one", "finding": "fixed"})", h.local("2026-03-03 08:00"));
  auto late = s;
  EXPECT_FALSE(h.exec(late, "release", "dispatch_manager", R"({"reason": "not_listed_item"})",
                      h.local("2026-03-05 08:00")));
  h.ok(s, "release", "dispatch_manager", R"({"reason": "not_listed_item"})", h.local("2026-03-05 07:59"));
  EXPECT_EQ(s.state, "released");
}

TEST_F(DispatchRules, R6_10_ReleaseNeedsAListedReason) {
  auto s = working_streetlight();
  auto r = h.exec(s, "release", "dispatch_operator", R"({"reason": "too_busy"})", h.local("2026-03-02 10:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(),
            "invalid_argument: reason: must be one of: not_agency_business, outside_jurisdiction, no_usable_place, "
            "not_listed_item, jurisdiction_dispute (R6.10)");
}

TEST_F(DispatchRules, R6_10_OverdueCasesCannotBeReleased) {
  auto s = working_streetlight();
  h.advance(s, h.local("2026-03-03 09:00"));
  auto r = h.exec(s, "release", "dispatch_operator", R"({"reason": "outside_jurisdiction"})",
                  h.local("2026-03-03 09:30"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::failed_precondition);
  EXPECT_EQ(r.error().rule(), "R6.10");
}

TEST_F(DispatchRules, R6_11_OtherCityAgencyOpensALinkedPetition) {
  auto s = working_streetlight();
  h.ok(s, "release", "dispatch_operator", R"({"reason": "not_agency_business"})", h.local("2026-03-02 10:00"));
  auto events = h.ok(s, "dispose", "dispatch_manager", R"({"disposition": "other_agency", "target_agency": "dot"})",
                     h.local("2026-03-02 10:30"));
  EXPECT_EQ(s.state, "closed");
  const event* link = testing::find_event(events, event_type::link_requested);
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->rule, "R6.11");
  EXPECT_EQ(testing::str(link->data.at("workflow")), R"("petition")");
  EXPECT_EQ(testing::str(link->data.at("agency")), R"("dot")");
  EXPECT_EQ(testing::str(link->data.at("fields").at("reporter").at("name")), R"("Citizen A")");
}

TEST_F(DispatchRules, R6_11_OtherAgencyNeedsATargetAgency) {
  auto s = working_streetlight();
  h.ok(s, "release", "dispatch_operator", R"({"reason": "not_agency_business"})", h.local("2026-03-02 10:00"));
  auto r = h.exec(s, "dispose", "dispatch_manager", R"({"disposition": "other_agency"})", h.local("2026-03-02 10:30"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "rule_violation: target_agency: required when the disposition is other_agency (R6.11)");
}

TEST_F(DispatchRules, R6_11_NoCityAgencyOpensAForwardingObligation) {
  auto s = working_streetlight();
  h.ok(s, "release", "dispatch_operator", R"({"reason": "outside_jurisdiction"})", h.local("2026-03-02 10:00"));
  auto events = h.ok(s, "dispose", "dispatch_manager",
                     R"({"disposition": "outside_authority", "authority": "Freeway Bureau"})", h.local("2026-03-02 10:30"));
  const event* link = testing::find_event(events, event_type::link_requested);
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(testing::str(link->data.at("workflow")), R"("obligation")");
  EXPECT_EQ(testing::str(link->data.at("fields")), R"({"authority":"Freeway Bureau","kind":"forward_outside"})");
}

TEST_F(DispatchRules, R6_11_PrivateDisputeIsRecordedAndClosed) {
  auto s = working_streetlight();
  h.ok(s, "release", "dispatch_operator", R"({"reason": "no_usable_place"})", h.local("2026-03-02 10:00"));
  auto events = h.ok(s, "dispose", "call_taker", R"({"disposition": "private_dispute"})", h.local("2026-03-02 10:30"));
  EXPECT_EQ(s.state, "closed");
  EXPECT_EQ(testing::find_event(events, event_type::link_requested), nullptr);
}

TEST_F(DispatchRules, R6_12_RepeatReportJoinsTheOpenCaseAsAnotherReporter) {
  auto s = working_streetlight();
  h.ok(s, "add-report", "call_taker", R"({"reporter": {"name": "Citizen C", "phone": "0912111111"}})",
       h.local("2026-03-02 11:00"));
  EXPECT_EQ(s.state, "stage-one");
  EXPECT_EQ(s.fields.at("additional_reports").as_array().size(), 1u);
  EXPECT_EQ(testing::str(*find_path(s.fields, "reporter.name")), R"("Citizen A")") << "first reporter kept";
}

TEST_F(DispatchRules, R6_12_RepeatReportNeedsItsOwnContact) {
  auto s = working_streetlight();
  auto r = h.exec(s, "add-report", "call_taker", R"({"reporter": {"name": "Citizen C"}})", h.local("2026-03-02 11:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule(), "R6.2");
}

TEST_F(DispatchRules, BadCommandsNameTheStateAndField) {
  auto s = open_streetlight();
  auto r = h.exec(s, "report", "handler", R"({"result": "x", "finding": "fixed"})", h.local("2026-03-02 09:01"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(),
            "failed_precondition: state: 'report' is not allowed in state 'created' (allowed in: stage-one, "
            "stage-two, overdue) (R6.4)");
  r = h.exec(s, "sign", "duty_officer", R"({"colour": "red"})", h.local("2026-03-02 09:01"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "invalid_argument: colour: unknown field for command 'sign'");
  r = h.exec(s, "fly", "duty_officer", "{}", h.local("2026-03-02 09:01"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "not_found: command: 'fly' is not a command of dispatch v1");
}

TEST_F(DispatchRules, R6_14_AuditResultIsRecordedOnTheClosedCaseWhichStaysClosed) {
  auto s = working_streetlight();
  h.ok(s, "report", "handler", R"({"result": "lamp replaced", "finding": "fixed"})", h.local("2026-03-02 15:00"));
  h.ok(s, "report", "handler", R"({"result": "checked", "finding": "fixed"})", h.local("2026-03-03 10:00"));
  ASSERT_EQ(s.state, "closed");
  auto closed_at = s.closed_at;
  auto r = h.exec(s, "audit", "handler", R"({"sample": "2026-03/seed-7", "result": "compliant"})",
                  h.local("2026-04-02 10:00"));
  ASSERT_FALSE(r) << "only supervisors and auditors record audit results";
  h.ok(s, "audit", "auditor", R"({"sample": "2026-03/seed-7", "result": "compliant"})", h.local("2026-04-02 10:00"));
  EXPECT_EQ(s.state, "closed");
  EXPECT_TRUE(s.terminal);
  EXPECT_EQ(s.closed_at, closed_at) << "an audit result does not reopen or re-close the case";
  auto* audits = find_path(s.fields, "audits");
  ASSERT_TRUE(audits && audits->is_array());
  EXPECT_EQ(audits->as_array().size(), 1u);
  r = h.exec(s, "audit", "auditor", R"({"sample": "2026-03/seed-7", "result": "fine"})", h.local("2026-04-02 10:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::invalid_argument);
  EXPECT_EQ(r.error().rule(), "R6.14");
  // Other commands still refuse the closed case.
  r = h.exec(s, "sign", "duty_officer", "{}", h.local("2026-04-02 10:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::failed_precondition);
}

TEST_F(DispatchRules, R6_14_AnOpenCaseIsNotAudited) {
  auto s = working_streetlight();
  auto r = h.exec(s, "audit", "auditor", R"({"sample": "2026-03/seed-7", "result": "compliant"})",
                  h.local("2026-03-02 10:00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::failed_precondition);
}

}  // namespace
}  // namespace casework
