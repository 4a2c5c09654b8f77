// End to end with a real Prometheus server (Debian's prometheus 2.42): it scrapes the exporter of a live
// engine every second and loads the shipped alert rules, while the virtual clock drives Public Works dispatch
// cases overdue (live_engine.hpp). Its HTTP API must then answer the agency's overdue and compliance figures
// as they move, and run every query of the shipped Grafana dashboard.
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "casework/metrics_exporter.hpp"
#include "live_engine.hpp"
#include "metrics_support.hpp"
#include "prometheus_server.hpp"
#include "temp_dir.hpp"

namespace casework {
namespace {

namespace json = boost::json;
using testing::prometheus_server;

const std::string kOverdue = R"(sum(casework_overdue_cases{agency="pwd"}) or vector(0))";
const std::string kStageOneMet =
    R"(sum(casework_deadline_compliance_total{agency="pwd",deadline="stage-one",outcome="met"}) or vector(0))";
const std::string kStageOneMissed =
    R"(sum(casework_deadline_compliance_total{agency="pwd",deadline="stage-one",outcome="missed"}) or vector(0))";

TEST(PrometheusEndToEnd, ARealPrometheusSeesThePwdCasesGoOverdueAndTheirCompliance) {
  testing::temp_dir dir;
  testing::live_engine live;
  ASSERT_TRUE(live.eng);
  metrics_options o;
  o.sources = live.sources();
  o.address = "127.0.0.1:0";
  auto ex = metrics_exporter::open(o);
  ASSERT_TRUE(ex) << ex.error().to_string();

  std::string why;
  auto server = prometheus_server::start(dir, (*ex)->port(), why);
  ASSERT_TRUE(server) << why;
  auto& prom = *server;
  ASSERT_EQ(prom.await(R"(up{job="caseworkd"})", 1), 1) << "the exporter is not scraped\n" << prom.log();

  // 09:00-10:00: four cases, c1 closed in time, nothing overdue yet.
  live.establish();
  live.morning();
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  ASSERT_TRUE(live.wait_for_pwd([](const agency_figures& f) { return f.closed_total.count("dispatch"); }));
  EXPECT_EQ(prom.await(R"(casework_cases_opened_total{agency="pwd",workflow="dispatch"})", 4), 4);
  EXPECT_EQ(prom.await(R"(casework_cases_closed_total{agency="pwd",workflow="dispatch"})", 1), 1);
  EXPECT_EQ(prom.await(kOverdue, 0), 0);
  EXPECT_EQ(prom.await(kStageOneMet, 1), 1);

  // To 15:00: c2 and c3 overdue at 13:00 (R6.4).
  live.afternoon(false);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  EXPECT_EQ(prom.await(kOverdue, 2), 2);
  EXPECT_EQ(prom.await(R"(casework_overdue_cases{agency="pwd",stage="1"})", 2), 2);
  EXPECT_EQ(prom.await(R"(casework_open_cases{agency="pwd",workflow="dispatch",state="overdue"})", 2), 2);

  // c2 reported late: closed with stage one missed; one case left overdue.
  live.ok(live.ids[1], "report", "handler", {{"result", "oil cleaned up late"}, {"finding", "fixed"}});
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  EXPECT_EQ(prom.await(kOverdue, 1), 1);
  EXPECT_EQ(prom.await(kStageOneMissed, 1), 1);
  EXPECT_EQ(prom.await(kStageOneMet, 1), 1);
  EXPECT_EQ(
      prom.await(R"(sum(casework_deadline_compliance_total{agency="pwd",deadline="stage-one",outcome="met"})
                          / sum(casework_deadline_compliance_total{agency="pwd",deadline="stage-one"}))",
                 0.5),
      0.5);
  EXPECT_EQ(prom.await(R"(casework_oldest_open_case_age_seconds{agency="pwd"})", 6 * 3600), 6 * 3600);
  // R6.3: c3 and c4 were re-notified (once each, by SMS among others).
  EXPECT_EQ(prom.await(R"(casework_notifications_total{agency="pwd",kind="sign-reminder",channel="sms"})", 2),
            2);

  // The shipped alert rules are loaded and evaluate without error.
  const auto rules = prom.rule_health();
  EXPECT_EQ(rules.size(), 8u) << prom.log();
  for (const auto& [name, health] : rules) EXPECT_NE(health.rfind("err", 0), 0u) << name << ": " << health;

  // Every query of the Grafana dashboard runs (its variables set as Grafana would).
  auto dash = json::parse(testing::slurp(CASEWORK_DEPLOY_DIR "/grafana-dashboard.json"));
  std::size_t queries = 0;
  for (const auto& p : dash.at("panels").as_array()) {
    auto* targets = p.as_object().if_contains("targets");
    if (!targets) continue;
    for (const auto& t : targets->as_array()) {
      std::string q(t.at("expr").as_string());
      for (auto [var, value] : {std::pair<std::string, std::string>{"$agency", "pwd|dot"},
                                {"$workflow", ".*"},
                                {"$__rate_interval", "1m"},
                                {"$__interval", "1m"}})
        for (std::size_t at; (at = q.find(var)) != std::string::npos;) q.replace(at, var.size(), value);
      EXPECT_TRUE(prom.api("query?query=" + testing::url_encode(q)).is_object())
          << p.at("title") << ": " << q;
      ++queries;
    }
  }
  EXPECT_GT(queries, 30u);
}

}  // namespace
}  // namespace casework
