// The whole streetlight case through caseworkd over real sockets (issue 5, "Must show"): create, sign,
// assign, the virtual clock past the stage-one limit (R6.4 overdue, R6.5 escalation), report both stages, the
// citizen's result SMS (R6.8), and the full hash-chained history.
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace casework::testing {
namespace json = boost::json;

namespace {
std::vector<std::string> kinds_with_rule(const json::value& page, const std::string& rule) {
  std::vector<std::string> kinds;
  for (const auto& n : page.at("notifications").as_array())
    if (n.at("rule").as_string() == rule) kinds.emplace_back(n.at("kind").as_string());
  return kinds;
}
}  // namespace

TEST(ServerEndToEnd, StreetlightCaseFromReportToCitizenSmsWithOverdueAndR6_5Escalation) {
  running_server s;
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(created.json().at("id").as_string());
  EXPECT_EQ(created.header("location"), "/v1/cases/" + id);
  EXPECT_EQ(created.json().at("state"), "created");
  EXPECT_EQ(created.json().at("agency"), "pwd-parks-lights");
  EXPECT_EQ(created.json().at("deadlines").at("stage-one"), "2026-03-03T01:00:00Z");  // PT24H (R6.4)

  // A repeat report at the same place joins the open case (R6.12).
  auto again = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.json().at("id").as_string(), id);
  EXPECT_EQ(again.json().at("merged"), true);

  const std::string at = "/v1/cases/" + id;
  auto sign = s.call("POST", at + "/sign", "duty-officer@pwd-parks-lights");
  ASSERT_EQ(sign.status, 200u) << sign.body;
  EXPECT_EQ(sign.json().at("state"), "signed");
  auto assign = s.call_json("POST", at + "/assign", "duty-officer@pwd-parks-lights",
                            {{"handler", "pwd-parks-lights-h-1"}});
  ASSERT_EQ(assign.status, 200u) << assign.body;
  EXPECT_EQ(assign.json().at("state"), "stage-one");

  // 26 hours later: past the limit (overdue, R6.4) and the escalation an hour after it (R6.5).
  auto advance = s.call_json("POST", "/v1/clock/advance", "admin", {{"by", "PT26H"}});
  ASSERT_EQ(advance.status, 200u) << advance.body;
  EXPECT_EQ(advance.json().at("now"), "2026-03-03T03:00:00Z");
  auto overdue = s.call("GET", at, "supervisor@pwd-parks-lights");
  ASSERT_EQ(overdue.status, 200u);
  EXPECT_EQ(overdue.json().at("state"), "overdue");
  auto listed = s.call("GET", "/v1/cases?overdue=true", "supervisor@pwd-parks-lights");
  ASSERT_EQ(listed.status, 200u);
  ASSERT_EQ(listed.json().at("cases").as_array().size(), 1u);
  auto notes = s.call("GET", "/v1/notifications?case=" + id, "supervisor@pwd-parks-lights");
  ASSERT_EQ(notes.status, 200u) << notes.body;
  EXPECT_EQ(kinds_with_rule(notes.json(), "R6.5"), std::vector<std::string>{"stage-one-escalation"});

  // Stage one done (the item has a stage two), then stage two: closed, and the citizen chose an SMS (R6.8).
  json::object done{{"result", "lamp replaced"}, {"finding", "fixed"}};
  auto one = s.call_json("POST", at + "/report", "handler@pwd-parks-lights", done);
  ASSERT_EQ(one.status, 200u) << one.body;
  EXPECT_EQ(one.json().at("state"), "stage-two");
  auto two = s.call_json("POST", at + "/report", "handler@pwd-parks-lights", done);
  ASSERT_EQ(two.status, 200u) << two.body;
  EXPECT_EQ(two.json().at("state"), "closed");
  notes = s.call("GET", "/v1/notifications?case=" + id, "supervisor@pwd-parks-lights");
  EXPECT_EQ(kinds_with_rule(notes.json(), "R6.8"), std::vector<std::string>{"result-sms"});

  // The full history: every event, in order, each hash chained to the one before.
  auto history = s.call("GET", at + "/history", "auditor");
  ASSERT_EQ(history.status, 200u) << history.body;
  const auto history_doc = history.json();
  const auto& events = history_doc.at("events").as_array();
  ASSERT_GE(events.size(), 10u);
  std::string previous(64, '0');
  std::set<std::string> types;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i].as_object();
    EXPECT_EQ(e.at("seq").to_number<std::uint64_t>(), i + 1);
    if (i > 0) {
      EXPECT_EQ(e.at("previous_hash").as_string(), previous);
    }
    previous = std::string(e.at("hash").as_string());
    types.insert(std::string(e.at("type").as_string()));
  }
  for (const char* t : {"created", "command", "state_changed", "deadline_set", "timer_fired", "notification"})
    EXPECT_TRUE(types.count(t)) << t;
  // The auditor sees no personal data (R9.2); the case's handler does, and that read is recorded.
  EXPECT_EQ(history.body.find("0912345678"), std::string::npos);
  EXPECT_NE(history.body.find("[redacted]"), std::string::npos);
  auto as_handler = s.call("GET", at, "handler@pwd-parks-lights");
  EXPECT_EQ(as_handler.json().at("fields").at("reporter").at("phone"), "0912345678");
  std::ifstream access(s.dir().str("store/personal-data-access.jsonl"));
  std::string line, all;
  while (std::getline(access, line)) all += line + "\n";
  EXPECT_NE(all.find("\"who\":\"handler.pwd-parks-lights\""), std::string::npos) << all;
  EXPECT_EQ(all.find("0912345678"), std::string::npos);

  s.shutdown();
  const std::string log = s.log_text();
  EXPECT_NE(log.find("\"msg\":\"case created\""), std::string::npos);
  for (const char* personal : {"0912345678", "Chen Mei-Ling", "Xinyi"})
    EXPECT_EQ(log.find(personal), std::string::npos) << personal;
}

TEST(ServerEndToEnd, R6_10_ReleaseMoreThan2DaysIntoStageTwoIsAConflictNamingTheRule) {
  running_server s;
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  const std::string at = "/v1/cases/" + std::string(created.json().at("id").as_string());
  ASSERT_EQ(s.call("POST", at + "/sign", "duty-officer@pwd-parks-lights").status, 200u);
  ASSERT_EQ(s.call_json("POST", at + "/assign", "duty-officer@pwd-parks-lights",
                        {{"handler", "pwd-parks-lights-h-1"}})
                .status,
            200u);
  auto one = s.call_json("POST", at + "/report", "handler@pwd-parks-lights",
                         {{"result", "done"}, {"finding", "fixed"}});
  ASSERT_EQ(one.json().at("state"), "stage-two");
  ASSERT_EQ(s.call_json("POST", "/v1/clock/advance", "admin", {{"by", "P3D"}}).status, 200u);
  auto release = s.call_json("POST", at + "/release", "supervisor@pwd-parks-lights",
                             {{"reason", "not_agency_business"}});
  EXPECT_EQ(release.status, 409u) << release.body;
  EXPECT_EQ(release.header("content-type"), "application/problem+json");
  EXPECT_EQ(release.json().at("code"), "rule_violation");
  EXPECT_EQ(release.json().at("rule"), "R6.10");
  EXPECT_EQ(s.call("GET", at, "supervisor@pwd-parks-lights").json().at("state"),
            "stage-two");  // nothing recorded
}

TEST(ServerEndToEnd, ACommandTheStateForbidsIsAConflictNamingTheState) {
  running_server s;
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  const std::string at = "/v1/cases/" + std::string(created.json().at("id").as_string());
  auto report = s.call_json("POST", at + "/report", "handler@pwd-parks-lights",
                            {{"result", "x"}, {"finding", "fixed"}});
  EXPECT_EQ(report.status, 409u) << report.body;
  EXPECT_EQ(report.json().at("code"), "failed_precondition");
  EXPECT_EQ(report.json().at("field"), "state");
}

TEST(ServerEndToEnd, R6_10_ReleaseBeforeTheLimitIsRecorded) {
  running_server s;
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  const std::string at = "/v1/cases/" + std::string(created.json().at("id").as_string());
  auto release = s.call_json("POST", at + "/release", "supervisor@pwd-parks-lights",
                             {{"reason", "not_agency_business"}});
  ASSERT_EQ(release.status, 200u) << release.body;
  EXPECT_EQ(release.json().at("state"), "released");
}

}  // namespace casework::testing

namespace casework::testing {

TEST(ServerEndToEnd, R5_5_ATyphoonClosureMovesAWorkingDayDeadlineAndCannotBeAddedTwice) {
  running_server s;
  auto report = streetlight_report();
  report["item"] = "bulky-waste-pickup";  // stage one: 1 working day (dep)
  auto c = s.call_json("POST", "/v1/cases", "call-taker@call-centre", report);
  ASSERT_EQ(c.status, 201u) << c.body;
  const std::string at = "/v1/cases/" + std::string(c.json().at("id").as_string());
  const std::string before(c.json().at("deadlines").at("stage-one").as_string());
  auto closure = s.call_json("POST", "/v1/calendar/closures", "admin",
                             {{"day", "2026-03-03"}, {"reason", "Typhoon Test"}});
  ASSERT_EQ(closure.status, 201u) << closure.body;
  EXPECT_EQ(closure.json().at("calendar_version"), 1);
  const auto after = s.call("GET", at, "supervisor@dep");
  ASSERT_EQ(after.status, 200u);
  EXPECT_NE(after.json().at("deadlines").at("stage-one").as_string(), before);
  EXPECT_EQ(after.json().at("deadlines").at("stage-one"),
            "2026-03-04T16:00:00Z");  // end of Wednesday, Taipei
  auto twice =
      s.call_json("POST", "/v1/calendar/closures", "admin", {{"day", "2026-03-03"}, {"reason", "again"}});
  EXPECT_EQ(twice.status, 409u) << twice.body;
  EXPECT_EQ(twice.json().at("code"), "already_exists");
}

// A request held in the engine holds no HTTP thread: the engine answers through a callback. On a server with
// one I/O thread, the request runs while a subscription on the engine waits (on the case's actor, at the
// first event recorded after it was added) until the test has its /healthz answer; then the request is
// answered. Were the one thread waiting on the engine's answer, /healthz would wait for the subscription's
// 20-second limit. Returns the held request's answer; `waited_out` says whether the limit was reached.
static http_answer held_in_engine(running_server& s, const std::function<http_answer()>& send, bool& waited_out,
                                  http_answer& health) {
  std::mutex mu;
  std::condition_variable cv;
  bool holding = false, healthz_answered = false;
  waited_out = false;
  const auto sub = s.srv().core().subscribe([&](const std::string&, const event&) {
    std::unique_lock<std::mutex> lock(mu);
    if (holding) return;   // the batch's first event holds it
    holding = true;
    cv.notify_all();
    waited_out = !cv.wait_for(lock, std::chrono::seconds(20), [&] { return healthz_answered; });
  });
  http_answer answer;
  std::thread requester([&] { answer = send(); });
  {
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return holding; })) << "nothing was recorded";
  }
  health = s.call("GET", "/healthz", "");   // the request is held in the engine meanwhile
  {
    std::lock_guard<std::mutex> lock(mu);
    healthz_answered = true;
  }
  cv.notify_all();
  requester.join();
  s.srv().core().unsubscribe(sub);
  return answer;
}

// A create (a valid report, R6.2: name and contact) held in the engine.
TEST(ServerEndToEnd, R6_2_ACreateInFlightHoldsNoHttpThread) {
  running_server s([](server_options& o) { o.io_threads = 1; });
  bool waited_out = true;
  http_answer health;
  auto created = held_in_engine(
      s, [&] { return s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report()); },
      waited_out, health);
  EXPECT_EQ(health.status, 200u) << health.body;
  EXPECT_FALSE(waited_out) << "/healthz was answered only after the create";
  EXPECT_EQ(created.status, 201u) << created.body;
  EXPECT_FALSE(created.json().at("id").as_string().empty());
}

// A command (the duty officer's signature, R6.3) held in the engine; the case is read through the engine first,
// by callback too. A read of the case after it is answered the same way.
TEST(ServerEndToEnd, R6_3_ACommandInFlightHoldsNoHttpThread) {
  running_server s([](server_options& o) { o.io_threads = 1; });
  auto created = s.call_json("POST", "/v1/cases", "call-taker@call-centre", streetlight_report());
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string at = "/v1/cases/" + std::string(created.json().at("id").as_string());
  bool waited_out = true;
  http_answer health;
  auto signed_ = held_in_engine(
      s, [&] { return s.call("POST", at + "/sign", "duty-officer@pwd-parks-lights"); }, waited_out, health);
  EXPECT_EQ(health.status, 200u) << health.body;
  EXPECT_FALSE(waited_out) << "/healthz was answered only after the command";
  ASSERT_EQ(signed_.status, 200u) << signed_.body;
  EXPECT_EQ(signed_.json().at("state"), "signed");
  EXPECT_FALSE(signed_.json().at("recorded").as_array().empty());
  auto read = s.call("GET", at, "duty-officer@pwd-parks-lights");
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.json().at("state"), "signed");
  EXPECT_EQ(s.call("GET", at + "x", "duty-officer@pwd-parks-lights").status, 404u);
  EXPECT_EQ(s.call("POST", at + "/no-such-command", "duty-officer@pwd-parks-lights").status, 404u);
}

}  // namespace casework::testing
