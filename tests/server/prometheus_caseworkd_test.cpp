// End to end with a real Prometheus server scraping the real caseworkd binary (issue 6, "Must show"):
// caseworkd runs on the virtual clock with --metrics on an ephemeral port; Prometheus (Debian's prometheus
// 2.42, tests/metrics/prometheus_server.hpp) scrapes it every second as job `caseworkd` and loads the shipped
// alert rules. The test drives Public Works dispatch cases over the HTTP API through the virtual clock, the
// same day as tests/metrics/live_engine.hpp (Monday 2026-03-02, Taipei):
//   c1 road-debris-oil (stage one 4 h)  signed 09:05, assigned, reported 10:00: closed, every deadline met
//   c2 road-debris-oil                  signed 09:05, assigned; overdue at 13:00 (R6.4); reported 15:00:
//                                       closed with stage one missed
//   c3 road-debris-oil                  never signed: re-notified 09:10 (R6.3), overdue 13:00, still overdue
//   c4 road-pothole (stage one 24 h)    signed late at 09:20 (after its 09:10 re-notification, R6.3); open
// and asks Prometheus's HTTP API for the agency's overdue and compliance figures as they move, for the
// server's own request metrics by route template, and for `up`. No case id and no reporter's data may reach a
// series Prometheus stored or caseworkd's log (R9.2). caseworkd stops on SIGTERM with exit 0.
#include <cmath>  // INFINITY, used by metrics_support.hpp
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "../metrics/prometheus_server.hpp"
#include "server_fixture.hpp"
#include "temp_dir.hpp"

namespace casework::testing {
namespace {

namespace json = boost::json;

// The reporters' personal data: it goes into the cases and must never reach a metric or the log (R9.2).
struct reporter {
  const char* name;
  const char* phone;
  const char* address;
};
const reporter kReporters[] = {
    {"Lin Shu-fen", "0912-111-222", "No. 11, Lane 5, Xinyi Road"},
    {"Wang Chih-ming", "0912-333-444", "No. 22, Alley 8, Zhongxiao East Road"},
    {"Huang Ya-ting", "0912-555-666", "No. 33, Section 2, Minsheng Road"},
    {"Chang Wei-jie", "0912-777-888", "No. 44, Keelung Road"},
};

const std::string kOverdue = R"(sum(casework_overdue_cases{job="caseworkd",agency="pwd"}) or vector(0))";
const std::string kStageOneMet =
    R"(sum(casework_deadline_compliance_total{job="caseworkd",agency="pwd",deadline="stage-one",outcome="met"}))"
    R"( or vector(0))";
const std::string kStageOneMissed =
    R"(sum(casework_deadline_compliance_total{job="caseworkd",agency="pwd",deadline="stage-one",outcome="missed"}))"
    R"( or vector(0))";
const std::string kStageOneMetRatio =
    R"(sum(casework_deadline_compliance_total{job="caseworkd",agency="pwd",deadline="stage-one",outcome="met"}))"
    R"( / sum(casework_deadline_compliance_total{job="caseworkd",agency="pwd",deadline="stage-one"}))";

// caseworkd's API requests as Prometheus stored them, by route template, method and code.
std::string requests(const std::string& route, const std::string& method, const std::string& code) {
  return R"(sum(casework_http_requests_total{job="caseworkd",route=")" + route + R"(",method=")" + method +
         R"(",code=")" + code + R"("}) or vector(0))";
}

}  // namespace

TEST(PrometheusCaseworkd, R6_4_OverdueAndComplianceOfPwdCasesReachARealPrometheusScrapingTheBinary) {
  temp_dir d;
  const std::string tokens = d.str("tokens.json");
  const auto& people = taipei_rules()->people;
  auto admin = add_token(tokens, {"admin", "admin", "", ""}, people);
  auto ct = add_token(tokens, {"ct", "call-taker", "call-centre", "cc-ct-1"}, people);
  auto duty = add_token(tokens, {"do", "duty-officer", "pwd", "pwd-do-1"}, people);
  auto handler = add_token(tokens, {"h", "handler", "pwd", "pwd-h-1"}, people);
  auto supervisor = add_token(tokens, {"sup", "supervisor", "pwd", ""}, people);
  for (const auto* t : {&admin, &ct, &duty, &handler, &supervisor}) ASSERT_TRUE(*t) << t->error().to_string();

  child_process daemon(
      CASEWORKD,
      {"--data", d.str("store"), "--tokens", tokens, "--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0",
       "--clock", "virtual", "--start", "2026-03-02T09:00:00+08:00", "--definitions", CASEWORK_WORKFLOWS_DIR},
      d.str("caseworkd.out"), d.str("caseworkd.err"));
  ASSERT_TRUE(daemon.started());
  int port = 0, metrics_port = 0;
  ASSERT_TRUE(caseworkd_ports(daemon, port, metrics_port)) << daemon.err();
  ASSERT_NE(port, 0);
  ASSERT_NE(metrics_port, 0);
  const auto p = static_cast<std::uint16_t>(port);
  ASSERT_TRUE(poll_until(std::chrono::seconds(20), [&] {
    return http_call(p, "GET", "/readyz").status == 200;
  })) << daemon.err();

  std::string why;
  auto server = prometheus_server::start(d, metrics_port, why);
  ASSERT_TRUE(server) << why;
  auto& prom = *server;
  ASSERT_EQ(prom.await(R"(up{job="caseworkd"})", 1), 1) << "caseworkd is not scraped\n" << prom.log();

  // The API calls of the day; each one must succeed.
  auto advance_to = [&](const std::string& local, const std::string& utc) {
    auto a = http_call(p, "POST", "/v1/clock/advance", json::serialize(json::object{{"to", local}}), *admin);
    ASSERT_EQ(a.status, 200u) << local << ": " << a.body;
    EXPECT_EQ(json::serialize(a.json().at("now")), "\"" + utc + "\"");
  };
  auto command = [&](const std::string& id, const std::string& name, const std::string& token,
                     json::object in) -> std::string {
    auto r =
        http_call(p, "POST", "/v1/cases/" + id + "/" + name, in.empty() ? "" : json::serialize(in), token);
    EXPECT_EQ(r.status, 200u) << name << " " << id << ": " << r.body;
    const auto* state = r.json().is_object() ? r.json().as_object().if_contains("state") : nullptr;
    return state && state->is_string() ? std::string(state->as_string()) : std::string();
  };

  // 09:00: the four cases are established by the call centre; Public Works holds them.
  std::vector<std::string> ids;
  const char* items[] = {"road-debris-oil", "road-debris-oil", "road-debris-oil", "road-pothole"};
  for (int i = 0; i < 4; ++i) {
    json::object in{
        {"item", items[i]}, {"district", "daan"}, {"description", "on the road"}, {"reply", "sms"}};
    in["location"] =
        json::object{{"address", kReporters[i].address}, {"lat", 25.02 + 0.01 * i}, {"lng", 121.53}};
    in["reporter"] = json::object{{"name", kReporters[i].name}, {"phone", kReporters[i].phone}};
    auto c = http_call(p, "POST", "/v1/cases", json::serialize(in), *ct);
    ASSERT_EQ(c.status, 201u) << c.body;
    ASSERT_EQ(c.json().at("agency"), "pwd");
    ids.emplace_back(c.json().at("id").as_string());
  }

  // 09:05 c1 and c2 signed and assigned (c3 cannot be reported before it is: 409); 09:20 c4 signed, after its
  // R6.3 re-notification at 09:10; 10:00 c1 reported: closed in time.
  advance_to("2026-03-02T09:05:00+08:00", "2026-03-02T01:05:00Z");
  for (int i : {0, 1}) {
    EXPECT_EQ(command(ids[i], "sign", *duty, {}), "signed");
    EXPECT_EQ(command(ids[i], "assign", *duty, {{"handler", "pwd-h-1"}}), "stage-one");
  }
  auto refused = http_call(p, "POST", "/v1/cases/" + ids[2] + "/report",
                           json::serialize(json::object{{"result", "x"}, {"finding", "fixed"}}), *handler);
  EXPECT_EQ(refused.status, 409u) << refused.body;
  advance_to("2026-03-02T09:20:00+08:00", "2026-03-02T01:20:00Z");
  EXPECT_EQ(command(ids[3], "sign", *duty, {}), "signed");
  advance_to("2026-03-02T10:00:00+08:00", "2026-03-02T02:00:00Z");
  EXPECT_EQ(command(ids[0], "report", *handler, {{"result", "debris removed"}, {"finding", "fixed"}}),
            "closed");
  ASSERT_FALSE(HasFatalFailure());

  EXPECT_EQ(prom.await(R"(casework_cases_opened_total{job="caseworkd",agency="pwd",workflow="dispatch"})", 4),
            4);
  EXPECT_EQ(prom.await(R"(casework_cases_closed_total{job="caseworkd",agency="pwd",workflow="dispatch"})", 1),
            1);
  EXPECT_EQ(prom.await(kOverdue, 0), 0);
  EXPECT_EQ(prom.await(kStageOneMet, 1), 1);

  // To 15:00: c2 and c3 past their 4 h stage-one limit at 13:00 (R6.4). The API lists the same two.
  advance_to("2026-03-02T15:00:00+08:00", "2026-03-02T07:00:00Z");
  ASSERT_FALSE(HasFatalFailure());
  auto listed = http_call(p, "GET", "/v1/cases?agency=pwd&overdue=true", {}, *supervisor);
  ASSERT_EQ(listed.status, 200u) << listed.body;
  std::set<std::string> overdue_ids;
  for (const auto& c : listed.json().at("cases").as_array()) overdue_ids.emplace(c.at("id").as_string());
  EXPECT_EQ(overdue_ids, (std::set<std::string>{ids[1], ids[2]}));
  EXPECT_EQ(prom.await(kOverdue, 2), 2);
  EXPECT_EQ(prom.await(R"(casework_overdue_cases{job="caseworkd",agency="pwd",stage="1"})", 2), 2);
  EXPECT_EQ(
      prom.await(R"(casework_open_cases{job="caseworkd",agency="pwd",workflow="dispatch",state="overdue"})",
                 2),
      2);

  // c2 reported late: closed with stage one missed; one case (c3) left overdue.
  EXPECT_EQ(command(ids[1], "report", *handler, {{"result", "oil cleaned up late"}, {"finding", "fixed"}}),
            "closed");
  EXPECT_EQ(prom.await(kOverdue, 1), 1);
  EXPECT_EQ(
      prom.await(R"(casework_open_cases{job="caseworkd",agency="pwd",workflow="dispatch",state="overdue"})",
                 1),
      1);
  EXPECT_EQ(prom.await(kStageOneMissed, 1), 1);
  EXPECT_EQ(prom.await(kStageOneMet, 1), 1);
  EXPECT_EQ(prom.await(kStageOneMetRatio, 0.5), 0.5);
  // The oldest open case (c3, 09:00) is 6 h old by the virtual clock.
  EXPECT_EQ(prom.await(R"(casework_oldest_open_case_age_seconds{job="caseworkd",agency="pwd"})", 6 * 3600),
            6 * 3600);
  // R6.3: c3 and c4 were re-notified (once each, by SMS among others).
  EXPECT_EQ(
      prom.await(
          R"(casework_notifications_total{job="caseworkd",agency="pwd",kind="sign-reminder",channel="sms"})",
          2),
      2);

  // caseworkd's own request metrics, by route template: every call above, counted once.
  EXPECT_EQ(prom.await(requests("/v1/cases", "POST", "201"), 4), 4);
  EXPECT_EQ(prom.await(requests("/v1/cases/{id}/{command}", "POST", "200"), 7), 7);
  EXPECT_EQ(prom.await(requests("/v1/cases/{id}/{command}", "POST", "409"), 1), 1);
  EXPECT_EQ(prom.await(requests("/v1/clock/advance", "POST", "200"), 4), 4);
  EXPECT_EQ(prom.await(requests("/v1/cases", "GET", "200"), 1), 1);
  EXPECT_EQ(prom.await(R"(sum(casework_http_request_duration_seconds_count{job="caseworkd",)"
                       R"(route="/v1/cases/{id}/{command}",method="POST"}))",
                       8),
            8);

  // Every series Prometheus stored from caseworkd: routes are templates, and no label value holds a case id
  // or a reporter's data (R9.2).
  auto series = prom.api("series?" + url_encode("match[]") + "=" + url_encode(R"({job="caseworkd"})"));
  ASSERT_TRUE(series.is_array()) << prom.log();
  const std::set<std::string> templates{"/healthz",
                                        "/readyz",
                                        "/v1/cases",
                                        "/v1/cases/{id}",
                                        "/v1/clock",
                                        "/v1/clock/advance",
                                        "/v1/cases/{id}/{command}",
                                        "/v1/cases/{id}/history",
                                        "/v1/notifications",
                                        "unmatched"};
  std::set<std::string> routes, leaks;
  for (const auto& s : series.as_array())
    for (const auto& [label, value] : s.as_object()) {
      const std::string v(value.as_string());
      if (label == "route") routes.insert(v);
      std::vector<std::string> secret(ids.begin(), ids.end());
      for (const auto& r : kReporters) secret.insert(secret.end(), {r.name, r.phone, r.address});
      for (const auto& x : secret)
        if (v.find(x) != std::string::npos) leaks.insert(std::string(label) + "=" + v);
    }
  EXPECT_TRUE(leaks.empty()) << "case ids or reporter data in label values: "
                             << ::testing::PrintToString(leaks);
  EXPECT_GT(series.as_array().size(), 100u);
  for (const auto& r : routes) EXPECT_EQ(templates.count(r), 1u) << r;
  for (const char* r : {"/readyz", "/v1/cases", "/v1/cases/{id}/{command}", "/v1/clock/advance"})
    EXPECT_EQ(routes.count(r), 1u) << r;

  // The shipped alert rules are loaded and evaluate against caseworkd's series without error.
  const auto rules = prom.rule_health();
  std::set<std::string> loaded;
  for (const auto& [name, health] : rules) loaded.insert(name);
  const auto shipped = shipped_alerts();
  EXPECT_GE(shipped.size(), 6u);
  EXPECT_EQ(loaded, shipped) << prom.log();
  for (const auto& [name, health] : rules) EXPECT_NE(health.rfind("err", 0), 0u) << name << ": " << health;

  // SIGTERM: caseworkd exits 0, and Prometheus sees the target down (what CaseworkEngineDown watches).
  const int status = daemon.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status << "\n"
                                                             << daemon.err();
  EXPECT_EQ(prom.await(R"(up{job="caseworkd"})", 0), 0);
  const std::string log = daemon.err();
  EXPECT_NE(log.find("\"msg\":\"stopped\""), std::string::npos) << log;
  for (const auto& r : kReporters)
    for (const char* personal : {r.name, r.phone, r.address})
      EXPECT_EQ(log.find(personal), std::string::npos) << personal;
}

}  // namespace casework::testing
