// The shipped bundles load whole (definitions, items, directory, calendar), the NYC example runs the same
// definitions in America/New_York, and malformed command input is refused before it touches a case.
#include <limits>

#include <gtest/gtest.h>

#include "rules_harness.hpp"

namespace casework {
namespace {
namespace json = boost::json;
using testing::deadline_utc;
using testing::notifications;

std::shared_ptr<bundle> nyc_bundle() {
  auto b = load_bundle(bundle_paths::nyc(CASEWORK_WORKFLOWS_DIR));
  EXPECT_TRUE(b) << b.error().to_string();
  return b ? *b : nullptr;
}

instant utc(const char* text) {
  auto t = parse_instant(text);
  EXPECT_TRUE(t) << text;
  return t ? *t : instant{};
}

TEST(Bundle, R6_1_TaipeiLoadsFourWorkflowsAndEveryItemsAgencyExists) {
  auto b = testing::taipei_bundle();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->definitions.names(), (std::vector<std::string>{"callback", "dispatch", "obligation", "petition"}));
  for (const auto& name : b->definitions.names()) EXPECT_EQ(b->definitions.latest(name)->version, 1) << name;
  EXPECT_EQ(b->items.name(), "taipei");
  EXPECT_EQ(b->items.items().size(), 24u);
  for (const auto& it : b->items.items()) {
    EXPECT_NE(b->people.find(it.agency), nullptr) << it.code << ": agency " << it.agency;
    EXPECT_NE(b->definitions.latest(it.workflow), nullptr) << it.code << ": workflow " << it.workflow;
  }
  EXPECT_EQ(b->calendar.options().zone, "Asia/Taipei");
}

TEST(Bundle, R6_1_NycLoadsTheSameDefinitionsWithItsOwnItemsAndDirectory) {
  auto b = nyc_bundle();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->definitions.names(), (std::vector<std::string>{"callback", "dispatch", "obligation", "petition"}));
  EXPECT_EQ(b->items.name(), "nyc");
  EXPECT_EQ(b->items.items().size(), 8u);
  for (const auto& it : b->items.items()) {
    EXPECT_NE(b->people.find(it.agency), nullptr) << it.code << ": agency " << it.agency;
    EXPECT_FALSE(it.stage_two) << it.code << ": NYC 311 has no second stage";
  }
  EXPECT_EQ(b->calendar.options().zone, "America/New_York");
}

// street-condition: stage one P10D, agency dot. Created Monday 2026-03-02 09:00 EST (UTC-5); daylight saving
// starts Sunday 2026-03-08, so ten nominal days later is 09:00 EDT (UTC-4): 13:00Z, not 14:00Z.
TEST(Bundle, R6_4_NycDeadlinesAreNominalDaysInNewYork) {
  testing::harness h(nyc_bundle());
  EXPECT_EQ(h.local("2026-03-02 09:00"), utc("2026-03-02T14:00:00Z"));
  auto s = h.create("dispatch", R"({"item": "street-condition", "district": "manhattan",
                                     "reporter": {"name": "Citizen N", "phone": "212-555-0199"}})",
                    utc("2026-03-02T14:00:00Z"), "street-condition");
  EXPECT_EQ(s.agency, "dot");
  EXPECT_EQ(deadline_utc(s, "sign"), "2026-03-02T14:10:00Z");
  EXPECT_EQ(deadline_utc(s, "stage-one"), "2026-03-12T13:00:00Z");
  EXPECT_EQ(deadline_utc(s, "stage-two"), "(none)");
  EXPECT_EQ(s.deadlines.at("stage-one").basis,
            "created 2026-03-02T09:00:00-05:00 + P10D (item street-condition stage_one)");

  h.ok(s, "sign", "duty_officer", "{}", utc("2026-03-02T14:05:00Z"));
  h.ok(s, "assign", "duty_officer", R"({"handler": "dot-h-1"})", utc("2026-03-02T14:06:00Z"));
  h.advance(s, utc("2026-03-12T12:59:59Z"));
  EXPECT_EQ(s.state, "stage-one");
  auto fired = h.advance(s, utc("2026-03-13T00:00:00Z"));
  EXPECT_EQ(s.state, "overdue");
  // Escalation one hour after the limit (R6.5), the daily reminder at 18:00 EDT = 22:00Z (R6.7).
  EXPECT_EQ(notifications(fired), (std::vector<std::string>{"stage-one-escalation@2026-03-12T14:00:00Z",
                                                            "overdue-daily@2026-03-12T22:00:00Z"}));
}

// noise-residential: stage one PT8H, agency nypd. Created Saturday 2026-03-07 22:00 EST = 03:00Z; the eight
// hours are exact, so the limit is 11:00Z, which is 07:00 EDT on the local clock after the 02:00 change.
TEST(Bundle, R6_4_NycHourLimitsAreExactAcrossTheClockChange) {
  testing::harness h(nyc_bundle());
  auto r = h.try_create("dispatch", R"({"item": "noise-residential", "district": "queens",
                                        "reporter": {"name": "Citizen Q", "email": "q@example.invalid"}})",
                        utc("2026-03-08T03:00:00Z"), "noise-residential");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(notifications(*r), std::vector<std::string>{"established@2026-03-08T03:00:00Z"});
  const event* n = testing::find_event(*r, event_type::notification);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(testing::str(n->data.at("recipients")),
            R"([{"role":"duty_officer","agency":"nypd","person":"nypd-do-1"},)"
            R"({"role":"duty_officer","agency":"nypd","person":"nypd-do-2"}])");
  case_state s;
  testing::harness::fold_into(s, *r);
  EXPECT_EQ(deadline_utc(s, "sign"), "2026-03-08T03:10:00Z");
  EXPECT_EQ(deadline_utc(s, "stage-one"), "2026-03-08T11:00:00Z");
  EXPECT_EQ(h.rules().calendar.format_local(s.deadlines.at("stage-one").at), "2026-03-08T07:00:00-04:00");
}

// --- Malformed command input -----------------------------------------------------------------------------

struct bad_input {
  const char* command;
  const char* role;
  const char* input;
  const char* error;
};

class BundleBadInput : public ::testing::Test {
 protected:
  // A streetlight case in stage one, assigned to pwd-parks-lights-h-1.
  case_state working_dispatch() {
    auto s = h.create("dispatch", R"({"item": "streetlight-out", "district": "daan",
                                       "reporter": {"name": "Citizen A", "phone": "0912000000"}})",
                      h.local("2026-03-02 09:00"), "streetlight-out");
    h.ok(s, "sign", "duty_officer", "{}", h.local("2026-03-02 09:05"));
    h.ok(s, "assign", "duty_officer", R"({"handler": "pwd-parks-lights-h-1"})", h.local("2026-03-02 09:06"));
    return s;
  }
  // A petition delivered at the 14:00 intake and assigned at 14:30.
  case_state assigned_petition() {
    auto s = h.create("petition", R"({"agency": "dep", "description": "noise at night",
                                       "reporter": {"name": "Citizen B", "phone": "0912000001"}})",
                      h.local("2026-03-02 10:00"));
    h.advance(s, h.local("2026-03-02 14:00"));
    h.ok(s, "assign", "intake_clerk", R"({"handler": "dep-h-1"})", h.local("2026-03-02 14:30"));
    return s;
  }
  // Runs a command that must be refused as invalid_argument naming a field, and returns the error.
  std::string refusal(case_state& s, const char* name, const char* role, const json::object& input) {
    const case_state before = s;
    auto r = decide(h.def(s.workflow), h.ctx(), s, command{name, role, "t1", input}, h.local("2026-03-02 15:00"));
    EXPECT_FALSE(r) << json::serialize(input);
    if (r) return "(accepted)";
    EXPECT_EQ(r.error().code(), errc::invalid_argument) << json::serialize(input);
    EXPECT_FALSE(r.error().field().empty()) << json::serialize(input);
    EXPECT_TRUE(s == before) << json::serialize(input) << ": a refused command changed the case";
    return r.error().to_string();
  }
  void expect_refused(case_state& s, const std::vector<bad_input>& cases) {
    for (const auto& c : cases)
      EXPECT_EQ(refusal(s, c.command, c.role, json::parse(c.input).as_object()), c.error) << c.input;
  }
  testing::harness h;
};

TEST_F(BundleBadInput, R6_2_UnknownAndMisplacedFieldsAreNamed) {
  auto s = working_dispatch();
  expect_refused(s, {
      {"add-report", "call_taker", R"({"reporter": {"name": "C", "phone": "1", "nickname": "x"}})",
       "invalid_argument: reporter.nickname: unknown field for command 'add-report'"},
      {"report", "handler", R"({"result": "done", "finding": "fixed", "colour": "red"})",
       "invalid_argument: colour: unknown field for command 'report'"},
      {"add-report", "call_taker", R"({"reporter": "Citizen C"})",
       "invalid_argument: reporter: unknown field for command 'add-report'"},
      {"add-report", "call_taker", R"({"reporter": {"name": "C", "phone": "1"}, "location": {"address": "x"}})",
       "invalid_argument: location: unknown field for command 'add-report'"},
  });
}

TEST_F(BundleBadInput, R6_4_WrongTypesAreNamed) {
  auto s = working_dispatch();
  expect_refused(s, {
      {"report", "handler", R"({"result": 5, "finding": "fixed"})", "invalid_argument: result: must be a string"},
      {"report", "handler", R"({"result": "done", "finding": ["fixed"]})",
       "invalid_argument: finding: must be a string"},
      {"report", "handler", R"({"result": "done", "finding": "broken"})",
       "invalid_argument: finding: must be one of: fixed, no_violation, referred, other"},
      {"report", "handler", R"({"result": null, "finding": "fixed"})", "invalid_argument: result: required"},
      {"report", "handler", R"({"result": "   ", "finding": "fixed"})", "invalid_argument: result: required"},
      {"add-report", "call_taker", R"({"reporter": {"name": {"first": "C"}, "phone": "1"}})",
       "invalid_argument: reporter.name: must be a string (R6.2)"},
      {"add-report", "call_taker", R"({"reporter": {"name": "C", "phone": 912000000}})",
       "invalid_argument: reporter.phone: must be a string (R6.2)"},
  });
}

TEST_F(BundleBadInput, R5_9_WrongTypesAndRangesInPetitionCommands) {
  auto s = assigned_petition();
  ASSERT_EQ(s.state, "assigned");
  expect_refused(s, {
      {"grade-b", "handler", R"({"schedule_days": 2.5, "findings": "f", "plan": "p"})",
       "invalid_argument: schedule_days: must be an integer (R5.9)"},
      {"grade-b", "handler", R"({"schedule_days": "10", "findings": "f", "plan": "p"})",
       "invalid_argument: schedule_days: must be an integer (R5.9)"},
      {"grade-b", "handler", R"({"schedule_days": 31, "findings": "f", "plan": "p"})",
       "invalid_argument: schedule_days: must be at most 30 (R5.9)"},
      {"grade-b", "handler", R"({"schedule_days": 0, "findings": "f", "plan": "p"})",
       "invalid_argument: schedule_days: must be at least 1 (R5.9)"},
      {"reply", "handler", R"({"document_number": "D-1", "reply_date": "2026-02-30", "grade": "A", "text": "t",
                               "approved_by": "chief"})",
       "invalid_argument: reply_date: must be a date (YYYY-MM-DD) (R5.6)"},
      {"reply", "handler", R"({"document_number": "D-1", "reply_date": "2026-03-02", "grade": "A", "text": "t",
                               "approved_by": "chief", "short_answer": "yes"})",
       "invalid_argument: short_answer: must be true or false (R5.10)"},
  });
}

TEST_F(BundleBadInput, R6_2_TooLongStringsAreMeasuredInBytes) {
  auto s = working_dispatch();
  std::string name_101(101, 'n');
  std::string name_34_chinese;  // 34 characters, 102 bytes of UTF-8
  for (int i = 0; i < 34; ++i) name_34_chinese += "陳";
  std::string result_4001(4001, 'r');
  std::string ok_100(100, 'n');
  auto report = [](const std::string& name) {
    return json::serialize(json::object{{"reporter", json::object{{"name", name}, {"phone", "1"}}}});
  };
  std::string long_result = json::serialize(json::object{{"result", result_4001}, {"finding", "fixed"}});
  std::vector<std::string> inputs = {report(name_101), report(name_34_chinese), long_result};
  expect_refused(s, {
      {"add-report", "call_taker", inputs[0].c_str(), "invalid_argument: reporter.name: longer than 100 bytes (R6.2)"},
      {"add-report", "call_taker", inputs[1].c_str(), "invalid_argument: reporter.name: longer than 100 bytes (R6.2)"},
      {"report", "handler", inputs[2].c_str(), "invalid_argument: result: longer than 4000 bytes"},
  });
  EXPECT_TRUE(h.exec(s, "add-report", "call_taker", report(ok_100), h.local("2026-03-02 15:00"))) << "100 bytes fit";
}

// The shipped definitions nest fields two deep (reporter.name), so deeper input stops at the first level
// that is not a field: a value where a string belongs, or an unknown key.
TEST_F(BundleBadInput, R6_2_NestedTooDeepIsRefusedAtTheFirstWrongLevel) {
  auto s = working_dispatch();
  json::value deep = "bottom";  // 200 levels: deeper than any JSON text parser would accept
  for (int i = 0; i < 200; ++i) deep = json::object{{"d", deep}};
  EXPECT_EQ(refusal(s, "add-report", "call_taker", {{"reporter", {{"name", deep}, {"phone", "1"}}}}),
            "invalid_argument: reporter.name: must be a string (R6.2)");
  EXPECT_EQ(refusal(s, "add-report", "call_taker", {{"reporter", {{"name", "C"}, {"phone", "1"}, {"extra", deep}}}}),
            "invalid_argument: reporter.extra: unknown field for command 'add-report'");
  EXPECT_EQ(refusal(s, "add-report", "call_taker", {{"reporter", {{"name", "C"}, {"phone", "1"}}}, {"d", deep}}),
            "invalid_argument: d: unknown field for command 'add-report'");
  auto r = h.try_create("dispatch", R"({"item": "streetlight-out", "district": "daan",
                                         "location": {"geo": {"a": {"b": {"c": {}}}}},
                                         "reporter": {"name": "C", "phone": "1"}})",
                        h.local("2026-03-02 09:00"), "streetlight-out");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "invalid_argument: location.geo: unknown field for command 'create'");
}

TEST_F(BundleBadInput, R6_2_NumbersOutOfRangeOrNotFiniteAreRefusedAtCreate) {
  auto lat = [&](json::value v) {
    json::object in = json::parse(R"({"item": "streetlight-out", "district": "daan",
                                      "reporter": {"name": "C", "phone": "1"}})").as_object();
    in["location"] = json::object{{"lat", v}};
    create_request req;
    req.id = "202601019999999";
    req.item = "streetlight-out";
    req.cmd = command{"create", "call_taker", "t1", in};
    auto r = decide_create(h.def("dispatch"), h.ctx(), req, h.local("2026-03-02 09:00"));
    return r ? std::string("(created)") : r.error().to_string();
  };
  EXPECT_EQ(lat(91), "invalid_argument: location.lat: must be at most 90");
  EXPECT_EQ(lat(-90.5), "invalid_argument: location.lat: must be at least -90");
  EXPECT_EQ(lat(std::numeric_limits<double>::infinity()), "invalid_argument: location.lat: must be a finite number");
  EXPECT_EQ(lat("25.0"), "invalid_argument: location.lat: must be a number");
  EXPECT_EQ(lat(25.03), "(created)");
}

}  // namespace
}  // namespace casework
